"""Activities (活动): calls, meetings, visits and tasks on the calendar.

An activity concerns one customer (an account or a person), has a type, a time span, an
organiser (a staff user), participants (more staff users, and contacts: the persons of
the account), a priority and a scope. Completing one logs ``sales.activity`` on the
customer's timeline.

Who sees an activity: the record policies of the unit of work (the ``sales.activity``
entity: whoever may see the customer, and the organiser) and, on top of them, the scope
(:func:`scope_condition`): a ``private`` activity only its organiser and its staff
participants, a ``team`` one also the organiser's teammates and the managers of the
teams above them, a ``public`` one everyone the record policies let through. Every
listing, calendar, export and report of this module applies both.

This module is also the "activities" area of the plugin (``register_jobs``,
``register_reports``, ``demo_data``, ``personal_data``, ``erase_personal_data``); the
expense part lives in :mod:`guanxi_sales.expenses`, the calendar and iCalendar export
in :mod:`guanxi_sales.calendars`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, Staff, TeamMember
from guanxi.models.work import TASK_PRIORITIES
from guanxi.privacy import ERASED_NAME
from guanxi.records import CustomerRecord
from guanxi.services.customers import require_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.staff import get_staff
from guanxi_sales.models import Activity, ActivityParticipant, Opportunity

ACTIVITY_TYPES = ("call", "meeting", "visit", "task")
PRIORITIES = TASK_PRIORITIES  # low | normal | high | urgent, as the core's tasks
SCOPES = ("private", "team", "public")
STATUSES = ("planned", "done", "cancelled")
# Length of an activity when no end is given.
DEFAULT_DURATION = {
    "call": dt.timedelta(minutes=30),
    "meeting": dt.timedelta(hours=1),
    "visit": dt.timedelta(hours=2),
    "task": dt.timedelta(minutes=30),
}
DEMO_SCOPES = ("team", "team", "public", "private")
DEMO_SUBJECTS = {
    "call": "电话跟进",
    "meeting": "需求沟通会",
    "visit": "客户拜访",
    "task": "准备方案",
}
# How a completed activity appears in the interaction log.
CHANNELS = {"call": "phone", "meeting": "visit", "visit": "visit", "task": "other"}
DIRECTIONS = {"call": "outbound", "meeting": "outbound", "visit": "outbound", "task": "internal"}


def _one_of(field: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValidationError(field, f"unknown {field} {value!r} (one of {', '.join(allowed)})")
    return value


def to_utc(uow: UnitOfWork, value: dt.datetime | str, field: str) -> dt.datetime:
    """A time given as a datetime or ISO text, in UTC; naive means the display time zone."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(field, f"{value!r} is not an ISO date-time") from None
    if not isinstance(value, dt.datetime):
        raise ValidationError(field, f"{value!r} is not a date-time")
    if value.tzinfo is None:
        value = value.replace(tzinfo=uow.app.tz)
    return value.astimezone(dt.UTC)


def to_day(value: dt.date | str, field: str) -> dt.date:
    """A day given as a date or ``YYYY-MM-DD`` text; :class:`ValidationError` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _span(
    uow: UnitOfWork, kind: str, starts_at: dt.datetime | str, ends_at: dt.datetime | str | None
) -> tuple[dt.datetime, dt.datetime]:
    start = to_utc(uow, starts_at, "starts_at")
    end = start + DEFAULT_DURATION[kind] if ends_at is None else to_utc(uow, ends_at, "ends_at")
    if end <= start:
        raise ValidationError(
            "ends_at", f"{end.isoformat()} is not after starts_at {start.isoformat()}"
        )
    return start, end


def _active_staff(uow: UnitOfWork, ref: str | int, field: str) -> Staff:
    try:
        staff = get_staff(uow, ref)
    except NotFoundError:
        raise ValidationError(field, f"no staff user {ref!r}") from None
    if not staff.is_active:
        raise ValidationError(field, f"staff user {staff.username!r} is not active")
    return staff


def _staff_id(uow: UnitOfWork, ref: str | int) -> int:
    staff = get_staff(uow, ref)
    assert staff.id is not None
    return staff.id


def _contacts(uow: UnitOfWork, account: Customer, refs: Sequence[int]) -> list[int]:
    """The contact ids, each a person of the account (or the person the activity is with)."""
    wanted = sorted({int(r) for r in refs})
    if not wanted:
        return []
    query = select(Customer).where(col(Customer.id).in_(wanted))
    found = {c.id: c for c in uow.session.exec(query)}
    for cid in wanted:
        person = found.get(cid)
        if person is None:
            raise ValidationError("contacts", f"no customer with id {cid}")
        if person.kind != "person" or (
            person.organization_id != account.id and person.id != account.id
        ):
            raise ValidationError(
                "contacts", f"customer {cid} is not a person of account {account.id}"
            )
    return wanted


def scope_condition(uow: UnitOfWork) -> ColumnElement[bool] | None:
    """The condition on activities the principal may see by scope (None: all of them).

    Applied on top of the record policies: private activities are seen only by their
    organiser and staff participants, team ones also by the organiser's teammates and
    the managers above them (and by roles that see every record), public ones by all.
    """
    principal = uow.principal
    if principal.is_system:
        return None
    me = principal.staff_id
    involved = or_(
        col(Activity.organiser_id) == me,
        col(Activity.id).in_(
            select(ActivityParticipant.activity_id).where(ActivityParticipant.staff_id == me)
        ),
    )
    if principal.unrestricted:
        team = col(Activity.scope) == "team"
    else:
        teammates = select(TeamMember.staff_id).where(
            col(TeamMember.team_id).in_(sorted(principal.department_team_ids))
        )
        team = and_(col(Activity.scope) == "team", col(Activity.organiser_id).in_(teammates))
    return or_(col(Activity.scope) == "public", team, involved)


def visible_activities(uow: UnitOfWork) -> Any:
    """``select(Activity)`` limited by scope (the record policies are added by the session)."""
    query = select(Activity)
    condition = scope_condition(uow)
    return query if condition is None else query.where(condition)


def schedule_activity(
    uow: UnitOfWork,
    *,
    customer_id: int,
    type: str,
    subject: str,
    starts_at: dt.datetime | str,
    ends_at: dt.datetime | str | None = None,
    organiser: str | int | None = None,
    participants: Sequence[str | int] = (),
    contacts: Sequence[int] = (),
    priority: str = "normal",
    scope: str = "team",
    location: str | None = None,
    notes: str | None = None,
    opportunity_id: int | None = None,
) -> Activity:
    """Plan an activity; bad input raises :class:`ValidationError` naming the field.

    ``organiser`` defaults to the acting user; ``participants`` are staff usernames or
    ids, ``contacts`` customer ids of persons of the account. A naive time is in the
    display time zone; without ``ends_at`` the activity lasts ``DEFAULT_DURATION``.
    """
    require(uow, "sales.activity", "create")
    _one_of("type", type, ACTIVITY_TYPES)
    _one_of("priority", priority, PRIORITIES)
    _one_of("scope", scope, SCOPES)
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError("subject", "is required")
    if len(subject) > 300:
        raise ValidationError("subject", "is longer than 300 characters")
    start, end = _span(uow, type, starts_at, ends_at)
    account = require_customer(uow, customer_id)
    if organiser is None:
        if uow.actor_id is None:
            raise ValidationError("organiser", "is required when acting as the system")
        organiser = uow.actor_id
    boss = _active_staff(uow, organiser, "organiser")
    assert boss.id is not None
    staff_ids: list[int] = []
    for ref in participants:
        member = _active_staff(uow, ref, "participants")
        if member.id is not None and member.id != boss.id and member.id not in staff_ids:
            staff_ids.append(member.id)
    contact_ids = _contacts(uow, account, contacts)
    if opportunity_id is not None:
        opportunity = uow.session.exec(
            select(Opportunity).where(Opportunity.id == opportunity_id)
        ).first()
        if opportunity is None or opportunity.customer_id != customer_id:
            raise ValidationError(
                "opportunity_id", f"no opportunity {opportunity_id} of customer {customer_id}"
            )
    activity = Activity(
        customer_id=customer_id,
        opportunity_id=opportunity_id,
        type=type,
        subject=subject,
        starts_at=start,
        ends_at=end,
        organiser_id=boss.id,
        priority=priority,
        scope=scope,
        location=(location or "").strip() or None,
        notes=notes,
        status="planned",
        created_at=uow.now,
    )
    uow.session.add(activity)
    uow.session.flush()
    assert activity.id is not None
    uow.session.add_all(
        [
            ActivityParticipant(activity_id=activity.id, customer_id=customer_id, staff_id=s)
            for s in staff_ids
        ]
        + [
            ActivityParticipant(activity_id=activity.id, customer_id=customer_id, contact_id=c)
            for c in contact_ids
        ]
    )
    uow.session.flush()
    return activity


def get_activity(uow: UnitOfWork, activity_id: int) -> Activity:
    """An activity the principal may see; :class:`NotFoundError` otherwise."""
    require(uow, "sales.activity", "read")
    activity = uow.session.exec(visible_activities(uow).where(Activity.id == activity_id)).first()
    if activity is None:
        raise NotFoundError(f"no activity with id {activity_id}")
    return activity


def _planned(uow: UnitOfWork, activity_id: int) -> Activity:
    require(uow, "sales.activity", "update")
    activity = get_activity(uow, activity_id)
    if activity.status != "planned":
        raise ValidationError("status", f"activity {activity_id} is {activity.status}, not planned")
    return activity


def reschedule_activity(
    uow: UnitOfWork,
    activity_id: int,
    *,
    starts_at: dt.datetime | str,
    ends_at: dt.datetime | str | None = None,
    location: str | None = None,
) -> Activity:
    """Move a planned activity; without ``ends_at`` it keeps its length."""
    activity = _planned(uow, activity_id)
    start = to_utc(uow, starts_at, "starts_at")
    if ends_at is None:
        ends_at = start + (activity.ends_at - activity.starts_at)
    start, end = _span(uow, activity.type, start, ends_at)
    activity.starts_at, activity.ends_at = start, end
    if location is not None:
        activity.location = location.strip() or None
    uow.session.flush()
    return activity


def complete_activity(uow: UnitOfWork, activity_id: int, *, outcome: str | None = None) -> Activity:
    """Mark a planned activity done and log ``sales.activity`` on the customer's timeline.

    The interaction is dated at the activity's start (or now, if it is done early),
    acted by the organiser, with the outcome in its payload.
    """
    activity = _planned(uow, activity_id)
    activity.status = "done"
    outcome = (outcome or "").strip() or None
    uow.session.flush()
    log_interaction(
        uow,
        customer_id=activity.customer_id,
        kind="sales.activity",
        channel=CHANNELS[activity.type],
        direction=DIRECTIONS[activity.type],
        occurred_at=min(activity.starts_at, uow.now),
        actor=activity.organiser_id,
        subject=activity.subject,
        payload={
            "activity_id": activity.id,
            "type": activity.type,
            "opportunity_id": activity.opportunity_id,
            "outcome": outcome,
        },
    )
    return activity


def cancel_activity(uow: UnitOfWork, activity_id: int, *, reason: str | None = None) -> Activity:
    """Cancel a planned activity; a reason is appended to its notes."""
    activity = _planned(uow, activity_id)
    activity.status = "cancelled"
    if reason and reason.strip():
        line = f"cancelled: {reason.strip()}"
        activity.notes = f"{activity.notes}\n{line}" if activity.notes else line
    uow.session.flush()
    return activity


def list_activities(
    uow: UnitOfWork,
    *,
    customer_id: int | None = None,
    organiser: str | int | None = None,
    participant: str | int | None = None,
    status: str | None = None,
    type: str | None = None,
    start: dt.datetime | str | None = None,
    end: dt.datetime | str | None = None,
    limit: int = 100,
) -> list[Activity]:
    """Activities the principal may see, by start time, filtered.

    ``participant`` matches the organiser or a staff participant; ``start``/``end``
    keep the activities that overlap that span.
    """
    require(uow, "sales.activity", "read")
    query = visible_activities(uow)
    if status is not None:
        query = query.where(Activity.status == _one_of("status", status, STATUSES))
    if type is not None:
        query = query.where(Activity.type == _one_of("type", type, ACTIVITY_TYPES))
    if customer_id is not None:
        query = query.where(Activity.customer_id == customer_id)
    if organiser is not None:
        query = query.where(Activity.organiser_id == _staff_id(uow, organiser))
    if participant is not None:
        query = query.where(involving(uow, [_staff_id(uow, participant)]))
    if start is not None:
        query = query.where(col(Activity.ends_at) > to_utc(uow, start, "start"))
    if end is not None:
        query = query.where(col(Activity.starts_at) < to_utc(uow, end, "end"))
    query = query.order_by(col(Activity.starts_at), col(Activity.id)).limit(limit)
    return list(uow.session.exec(query))


def involving(uow: UnitOfWork, staff_ids: Sequence[int] | Any) -> ColumnElement[bool]:
    """Activities organised by, or with a staff participant among, ``staff_ids``.

    ``staff_ids`` is a list or a subquery of staff ids.
    """
    return or_(
        col(Activity.organiser_id).in_(staff_ids),
        col(Activity.id).in_(
            select(ActivityParticipant.activity_id).where(
                col(ActivityParticipant.staff_id).in_(staff_ids)
            )
        ),
    )


def participants_of(
    uow: UnitOfWork, activity_ids: Sequence[int]
) -> dict[int, list[ActivityParticipant]]:
    """The participant rows of the given activities, by activity id."""
    found: dict[int, list[ActivityParticipant]] = {}
    if not activity_ids:
        return found
    query = (
        select(ActivityParticipant)
        .where(col(ActivityParticipant.activity_id).in_(list(activity_ids)))
        .order_by(col(ActivityParticipant.id))
    )
    for row in uow.session.exec(query):
        found.setdefault(row.activity_id, []).append(row)
    return found


# --------------------------------------------------------------------------- the area


def workload_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``sales.activities``: activities per organiser, type and status (in SQL).

    Options ``from`` and ``to`` (dates, inclusive, display time zone) limit the span.
    """
    require(uow, "sales.activity", "read")
    keys = (col(Activity.organiser_id), col(Activity.type), col(Activity.status))
    query = select(*keys, func.count()).select_from(Activity)
    condition = scope_condition(uow)
    if condition is not None:
        query = query.where(condition)
    if options.get("from"):
        first = dt.datetime.combine(to_day(options["from"], "from"), dt.time())
        query = query.where(col(Activity.starts_at) >= to_utc(uow, first, "from"))
    if options.get("to"):
        last = dt.datetime.combine(to_day(options["to"], "to"), dt.time())
        next_day = last + dt.timedelta(days=1)
        query = query.where(col(Activity.starts_at) < to_utc(uow, next_day, "to"))
    query = query.group_by(*keys)
    counts = list(uow.session.exec(query))
    names = dict(uow.session.exec(select(Staff.id, Staff.username)).all())
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for organiser_id, kind, status, count in counts:
        key = (names.get(organiser_id, str(organiser_id)), kind)
        row = rows.setdefault(key, {"organiser": key[0], "type": kind, **{s: 0 for s in STATUSES}})
        row[status] = count
    return {"rows": [rows[k] for k in sorted(rows)], "total": sum(count for *_, count in counts)}


def register_jobs(register: Callable[..., None]) -> None:
    """Activities need no scheduled job."""


def register_reports(register: Callable[..., None]) -> None:
    """``sales.activities`` (workload) and ``sales.expenses`` (开支报销 totals)."""
    from guanxi_sales.expenses import expense_report_for_cli

    register(
        "sales.activities",
        workload_report,
        description="activities per organiser, type and status (options: from, to)",
    )
    register(
        "sales.expenses",
        expense_report_for_cli,
        description="expenses per salesperson and month or quarter "
        "(options: period, from, to, staff, by_category)",
    )


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Activities around the demo's "now" (past ones done) and a few months of expenses."""
    from guanxi_sales.expenses import demo_expenses

    staff = [s for s in uow.session.exec(select(Staff).order_by(col(Staff.id))) if s.is_active]
    if not staff:
        return
    people_of: dict[int, list[int]] = {}
    for c in customers:
        if c.kind == "person" and c.organization_id is not None and c.id is not None:
            people_of.setdefault(c.organization_id, []).append(c.id)
    accounts = [c for c in customers if c.kind == "organization"] or customers
    by_id = {s.id: s for s in staff}
    for account in rng.sample(accounts, k=min(len(accounts), 30)):
        assert account.id is not None
        organiser = by_id.get(account.owner_id) or rng.choice(staff)
        kind = rng.choice(ACTIVITY_TYPES)
        day = (uow.now - dt.timedelta(days=rng.randrange(-20, 40))).astimezone(uow.app.tz).date()
        start = dt.datetime.combine(day, dt.time(rng.choice((9, 10, 14, 15, 16))), uow.app.tz)
        others = [s.username for s in rng.sample(staff, k=min(len(staff), rng.choice((0, 1))))]
        activity = schedule_activity(
            uow,
            customer_id=account.id,
            type=kind,
            subject=DEMO_SUBJECTS[kind],
            starts_at=start,
            organiser=organiser.username,
            participants=others,
            contacts=people_of.get(account.id, [])[: rng.choice((0, 1, 2))],
            priority=rng.choice(PRIORITIES),
            scope=rng.choice(DEMO_SCOPES),
            location={"visit": "客户现场", "meeting": "公司会议室"}.get(kind),
        )
        assert activity.id is not None
        if activity.ends_at <= uow.now:
            if rng.random() < 0.85:
                complete_activity(uow, activity.id, outcome=rng.choice(("顺利", "需再跟进", None)))
            else:
                cancel_activity(uow, activity.id, reason="客户改期")
    demo_expenses(uow, rng, staff, accounts)


def _rows(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [row.model_dump(mode="json") for row in rows]


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """Activities on the customer or with him as a contact, and expenses about him."""
    from guanxi_sales.models import Expense

    took_part = select(ActivityParticipant.activity_id).where(
        ActivityParticipant.contact_id == customer_id
    )
    activities = list(
        uow.session.exec(
            select(Activity)
            .where(or_(col(Activity.customer_id) == customer_id, col(Activity.id).in_(took_part)))
            .order_by(col(Activity.id))
        )
    )
    expenses = list(
        uow.session.exec(
            select(Expense).where(Expense.customer_id == customer_id).order_by(col(Expense.id))
        )
    )
    parts: dict[str, Any] = {}
    if activities:
        parts["activities"] = _rows(activities)
    if expenses:
        parts["expenses"] = _rows(expenses)
    return parts


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear subjects, locations and notes of the activities on (or with) the person and
    the descriptions of expenses about him; times, types, statuses and amounts stay."""
    from guanxi_sales.models import Expense

    connection = uow.session.connection()
    took_part = select(ActivityParticipant.activity_id).where(
        ActivityParticipant.contact_id == customer_id
    )
    table = Activity.__table__  # type: ignore[attr-defined]
    connection.execute(
        update(table)
        .where(or_(table.c.customer_id == customer_id, table.c.id.in_(took_part)))
        .values(subject=ERASED_NAME, location=None, notes=None)
    )
    expenses = Expense.__table__  # type: ignore[attr-defined]
    connection.execute(
        update(expenses)
        .where(expenses.c.customer_id == customer_id)
        .values(description=ERASED_NAME)
    )
