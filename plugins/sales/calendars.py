"""Calendars (日历管理) of a salesperson or a team, and their iCalendar (.ics) export.

A calendar lists the activities a person organises or takes part in (for a team: any of
its members) that overlap a span of days, with every person involved, in a time zone
(the edition's display zone unless another is asked for). The same visibility rules as
every activity listing apply (record policies and scope, see
:mod:`guanxi_sales.activities`).

The export is an RFC 5545 VCALENDAR that calendar clients open: one VEVENT per activity
with a UID that stays the same for that activity on every export, times in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, vCalAddress, vText
from sqlmodel import col, select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import ContactPoint, Customer, Staff, TeamMember
from guanxi.services.staff import get_staff, get_team
from guanxi_sales import __version__
from guanxi_sales.activities import involving, participants_of, to_day, visible_activities
from guanxi_sales.models import Activity

PRODID = f"-//guanxi//guanxi-sales {__version__}//EN"
# RFC 5545 PRIORITY: 1 is the highest, 9 the lowest, 5 "medium".
ICS_PRIORITY = {"urgent": 1, "high": 3, "normal": 5, "low": 9}
ICS_CLASS = {"private": "PRIVATE", "team": "CONFIDENTIAL", "public": "PUBLIC"}
ICS_STATUS = {"planned": "CONFIRMED", "done": "CONFIRMED", "cancelled": "CANCELLED"}
# Longest span a calendar may cover (a year and a day, so a leap year fits).
MAX_DAYS = 367


@dataclass(frozen=True)
class Person:
    """Someone involved in an activity: a staff user or a contact (a customer's person)."""

    kind: str  # staff | contact
    id: int
    name: str
    email: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class CalendarEntry:
    """One activity on a calendar, with local times and everybody involved."""

    activity_id: int
    type: str
    subject: str
    status: str
    priority: str
    scope: str
    starts: dt.datetime  # in the calendar's time zone
    ends: dt.datetime
    customer_id: int
    customer_name: str | None
    organiser: Person
    participants: tuple[Person, ...]
    location: str | None = None
    notes: str | None = None
    opportunity_id: int | None = None


def zone(uow: UnitOfWork, name: str | None) -> dt.tzinfo:
    """The time zone called ``name`` (an IANA name), or the edition's display zone."""
    if not name:
        return uow.app.tz
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("tz", f"unknown time zone {name!r}") from None


def calendar(
    uow: UnitOfWork,
    *,
    user: str | int | None = None,
    team: str | None = None,
    start: dt.date | str,
    end: dt.date | str,
    tz: str | None = None,
    include_cancelled: bool = False,
) -> list[CalendarEntry]:
    """The activities of ``user`` (or of every member of ``team``) between two days.

    ``start`` and ``end`` are days, both included, in the time zone ``tz`` (default:
    the display zone); an activity is on the calendar when it overlaps that span.
    """
    require(uow, "sales.activity", "read")
    if (user is None) == (team is None):
        raise ValidationError("user", "name either a staff user or a team")
    first, last = to_day(start, "start"), to_day(end, "end")
    if last < first:
        raise ValidationError("end", f"{last} is before start {first}")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError("end", f"a calendar spans at most {MAX_DAYS} days")
    where = zone(uow, tz)
    since = dt.datetime.combine(first, dt.time(), where).astimezone(dt.UTC)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), where).astimezone(dt.UTC)
    people: Any
    if team is not None:
        people = select(TeamMember.staff_id).where(TeamMember.team_id == get_team(uow, team).id)
    elif user is not None:
        people = [get_staff(uow, user).id]
    query = visible_activities(uow).where(
        involving(uow, people), col(Activity.starts_at) < until, col(Activity.ends_at) > since
    )
    if not include_cancelled:
        query = query.where(col(Activity.status) != "cancelled")
    query = query.order_by(col(Activity.starts_at), col(Activity.id))
    activities = list(uow.session.exec(query))
    return entries_for(uow, activities, where)


def entries_for(
    uow: UnitOfWork, activities: Sequence[Activity], tz: dt.tzinfo
) -> list[CalendarEntry]:
    """Calendar entries for activity rows: people, names and emails in a few queries."""
    ids = [a.id for a in activities if a.id is not None]
    taking_part = participants_of(uow, ids)
    staff_ids = {a.organiser_id for a in activities} | {
        p.staff_id for rows in taking_part.values() for p in rows if p.staff_id is not None
    }
    contact_ids = {
        p.contact_id for rows in taking_part.values() for p in rows if p.contact_id is not None
    }
    staff = {s.id: s for s in uow.session.exec(select(Staff).where(col(Staff.id).in_(staff_ids)))}
    names = dict(
        uow.session.exec(
            select(Customer.id, Customer.name).where(
                col(Customer.id).in_({a.customer_id for a in activities} | contact_ids)
            )
        ).all()
    )
    emails: dict[int, str] = {}
    query = (
        select(ContactPoint)
        .where(col(ContactPoint.customer_id).in_(contact_ids), col(ContactPoint.kind) == "email")
        .order_by(col(ContactPoint.is_primary).desc(), col(ContactPoint.id))
    )
    for point in uow.session.exec(query):
        emails.setdefault(point.customer_id, point.normalized)

    def staff_person(staff_id: int) -> Person:
        row = staff.get(staff_id)
        if row is None:
            return Person("staff", staff_id, f"staff {staff_id}")
        return Person("staff", staff_id, row.display_name, row.email, row.username)

    entries = []
    for a in activities:
        assert a.id is not None
        people = []
        for p in taking_part.get(a.id, []):
            if p.staff_id is not None:
                people.append(staff_person(p.staff_id))
            elif p.contact_id is not None:
                people.append(
                    Person(
                        "contact",
                        p.contact_id,
                        names.get(p.contact_id, f"customer {p.contact_id}"),
                        emails.get(p.contact_id),
                    )
                )
        entries.append(
            CalendarEntry(
                activity_id=a.id,
                type=a.type,
                subject=a.subject,
                status=a.status,
                priority=a.priority,
                scope=a.scope,
                starts=a.starts_at.astimezone(tz),
                ends=a.ends_at.astimezone(tz),
                customer_id=a.customer_id,
                customer_name=names.get(a.customer_id),
                organiser=staff_person(a.organiser_id),
                participants=tuple(people),
                location=a.location,
                notes=a.notes,
                opportunity_id=a.opportunity_id,
            )
        )
    return entries


def _address(person: Person) -> vCalAddress:
    """A cal-address: the person's email, or a reserved ``.invalid`` one that names him."""
    if person.email:
        email = person.email
    elif person.kind == "staff":
        email = f"{person.username or person.id}@staff.guanxi.invalid"
    else:
        email = f"customer-{person.id}@contact.guanxi.invalid"
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(person.name)
    return address


def uid(uow: UnitOfWork, activity_id: int) -> str:
    """The UID of an activity's VEVENT: the same on every export of that activity."""
    return f"sales-activity-{activity_id}@{uow.app.edition.name}.guanxi"


def to_ics(uow: UnitOfWork, entries: Sequence[CalendarEntry], *, name: str | None = None) -> bytes:
    """An RFC 5545 VCALENDAR with one VEVENT per entry (times in UTC)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    stamp = uow.now.astimezone(dt.UTC).replace(microsecond=0)
    for entry in entries:
        event = Event()
        event.add("uid", uid(uow, entry.activity_id))
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.starts.astimezone(dt.UTC))
        event.add("dtend", entry.ends.astimezone(dt.UTC))
        event.add("summary", entry.subject)
        if entry.location:
            event.add("location", entry.location)
        lines = [f"{entry.type} · {entry.customer_name or f'customer {entry.customer_id}'}"]
        if entry.notes:
            lines.append(entry.notes)
        event.add("description", "\n".join(lines))
        event.add("categories", [entry.type])
        event.add("organizer", _address(entry.organiser))
        for person in entry.participants:
            attendee = _address(person)
            attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
            attendee.params["CUTYPE"] = vText("INDIVIDUAL")
            event.add("attendee", attendee, encode=False)
        event.add("priority", ICS_PRIORITY.get(entry.priority, 0))
        event.add("class", ICS_CLASS[entry.scope])
        event.add("status", ICS_STATUS[entry.status])
        cal.add_component(event)
    return cal.to_ical()


def calendar_ics(
    uow: UnitOfWork,
    *,
    user: str | int | None = None,
    team: str | None = None,
    start: dt.date | str,
    end: dt.date | str,
    tz: str | None = None,
    include_cancelled: bool = False,
) -> bytes:
    """A calendar (see :func:`calendar`) as an .ics file's bytes; the export is audited.

    Exporting one's own calendar needs ``sales.activity:read``; exporting another
    person's or a team's also needs ``sales.activity:export``.
    """
    mine = user is not None and uow.actor_id is not None and get_staff(uow, user).id == uow.actor_id
    if not mine:
        require(uow, "sales.activity", "export")
    entries = calendar(
        uow, user=user, team=team, start=start, end=end, tz=tz, include_cancelled=include_cancelled
    )
    whose = f"team {team}" if team is not None else str(user)
    title = f"{whose} {to_day(start, 'start')}…{to_day(end, 'end')}"
    audit.record(
        uow,
        [
            audit.Event(
                "export", "sales.activity", detail=f"calendar of {title}: {len(entries)} activities"
            )
        ],
    )
    return to_ics(uow, entries, name=title)
