"""SLA reports: compliance per team and period, and the tickets about to breach.

Both read tickets through ORM selects of :class:`Ticket`, so the record policies of the
acting user apply (an agent sees the figures of the tickets he may see).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi.models import Staff, Team
from guanxi.services.staff import get_team
from guanxi_service.sla.calendar import AlwaysCalendar, Calendar
from guanxi_service.sla.service import FINAL, calendar_of, sla_settings
from guanxi_service.tickets.models import Ticket

PERIODS = ("month", "week")
NO_TEAM = "-"


def parse_day(value: dt.date | str | None, field: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (or a date); :class:`ValidationError` naming ``field``."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def period_of(day: dt.date, period: str) -> str:
    """``2026-03`` (month) or ``2026-W10`` (ISO week) of a local date."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


@dataclass
class ComplianceRow:
    """SLA compliance of one team in one period (tickets opened in it)."""

    team: str
    period: str
    tickets: int = 0  # tickets with a policy
    first_response_measured: int = 0  # first response settled: replied, breached or stopped
    first_response_met: int = 0
    first_response_met_pct: float | None = None
    resolved: int = 0  # resolution target settled: resolved or closed
    resolution_met: int = 0
    resolution_met_pct: float | None = None
    breaches: int = 0  # tickets with at least one target breached
    avg_first_response_minutes: float | None = None  # business minutes, replied tickets
    avg_resolution_minutes: float | None = None  # business minutes less paused time
    _first_response_total: float = 0.0
    _first_response_count: int = 0
    _resolution_total: float = 0.0
    _resolution_count: int = 0

    def finish(self) -> None:
        """Percentages and averages from the counts (one decimal)."""
        if self.first_response_measured:
            self.first_response_met_pct = round(
                100 * self.first_response_met / self.first_response_measured, 1)
        if self.resolved:
            self.resolution_met_pct = round(100 * self.resolution_met / self.resolved, 1)
        if self._first_response_count:
            self.avg_first_response_minutes = round(
                self._first_response_total / self._first_response_count, 1)
        if self._resolution_count:
            self.avg_resolution_minutes = round(
                self._resolution_total / self._resolution_count, 1)

    def public(self) -> dict[str, Any]:
        """The row without its running totals."""
        return {key: value for key, value in to_jsonable(self).items()
                if not key.startswith("_")}


def _calendar_for(uow: UnitOfWork, policy: str | None, cache: dict[str | None, Calendar]
                  ) -> Calendar:
    """The calendar of a ticket's policy (24x7 if the policy is no longer configured)."""
    if policy not in cache:
        names = {p.name: p.calendar for p in sla_settings(uow).policies}
        cache[policy] = (calendar_of(uow, names[policy]) if policy in names
                         else AlwaysCalendar())
    return cache[policy]


def compliance(
    uow: UnitOfWork, *, period: str = "month", start: dt.date | str | None = None,
    end: dt.date | str | None = None, team: str | None = None,
) -> list[ComplianceRow]:
    """First-response and resolution compliance per team and month or ISO week.

    Counts the tickets with a policy *opened* in ``[start, end]`` (local dates); a target
    counts as measured once it is settled (replied, breached, or the ticket stopped).
    """
    if period not in PERIODS:
        raise ValidationError("period", f"must be one of {', '.join(PERIODS)}")
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if first and last and last < first:
        raise ValidationError("end", "is before start")
    tz = uow.app.tz
    query = select(Ticket, Team.name).join(Team, col(Ticket.team_id) == Team.id, isouter=True)
    query = query.where(col(Ticket.sla_policy).is_not(None))
    if first:
        query = query.where(col(Ticket.opened_at) >= dt.datetime.combine(first, dt.time(),
                                                                          tzinfo=tz))
    if last:
        query = query.where(col(Ticket.opened_at) < dt.datetime.combine(
            last + dt.timedelta(days=1), dt.time(), tzinfo=tz))
    if team is not None:
        query = query.where(Ticket.team_id == get_team(uow, team).id)
    rows: dict[tuple[str, str], ComplianceRow] = {}
    calendars: dict[str | None, Calendar] = {}
    for ticket, team_name in uow.session.exec(query.order_by(col(Ticket.id))):
        key = (team_name or NO_TEAM, period_of(ticket.opened_at.astimezone(tz).date(), period))
        row = rows.setdefault(key, ComplianceRow(*key))
        _count(row, ticket, _calendar_for(uow, ticket.sla_policy, calendars))
    result = [rows[key] for key in sorted(rows)]
    for row in result:
        row.finish()
    return result


def _count(row: ComplianceRow, ticket: Ticket, calendar: Calendar) -> None:
    stopped = ticket.sla_state in FINAL
    row.tickets += 1
    if ticket.first_response_breached or ticket.resolution_breached:
        row.breaches += 1
    if ticket.first_response_due_at is not None and (
            ticket.first_responded_at is not None or ticket.first_response_breached or stopped):
        row.first_response_measured += 1
        row.first_response_met += not ticket.first_response_breached
    if ticket.resolution_due_at is not None and stopped:
        row.resolved += 1
        row.resolution_met += not ticket.resolution_breached
    if ticket.first_responded_at is not None:
        spent = calendar.between(ticket.opened_at, ticket.first_responded_at)
        row._first_response_total += spent.total_seconds() / 60
        row._first_response_count += 1
    stop_at = ticket.resolved_at or ticket.closed_at
    if stopped and stop_at is not None:
        spent = calendar.between(ticket.opened_at, stop_at)
        minutes = max(spent.total_seconds() - ticket.sla_paused_seconds, 0) / 60
        row._resolution_total += minutes
        row._resolution_count += 1


@dataclass(frozen=True)
class DueTicket:
    """An open ticket whose next deadline is near or past."""

    id: int
    number: str
    subject: str
    priority: str
    team: str | None
    assignee: str | None
    sla_policy: str | None
    sla_state: str
    due_at: dt.datetime
    target: str  # first_response | resolution
    minutes_left: int  # business minutes; negative once breached


def due_tickets(
    uow: UnitOfWork, *, within: int = 60, team: str | None = None, limit: int = 100,
) -> list[DueTicket]:
    """Open tickets whose next deadline is within ``within`` business minutes or past,
    most urgent first (the ``guanxi service sla due`` listing)."""
    if within < 0:
        raise ValidationError("within", "must be zero or more minutes")
    if limit < 1:
        raise ValidationError("limit", "must be at least 1")
    # Business minutes ahead are at most as many wall minutes, plus the nights, weekends
    # and holidays in between: ask the database for a wide wall-clock window, then keep
    # what is within the business minutes of each ticket's calendar.
    horizon = uow.now + dt.timedelta(minutes=within) + dt.timedelta(days=20)
    query = (select(Ticket, Team.name, Staff.username)
             .join(Team, col(Ticket.team_id) == Team.id, isouter=True)
             .join(Staff, col(Ticket.assignee_id) == Staff.id, isouter=True)
             .where(col(Ticket.status).in_(("new", "open", "on_hold")),
                    col(Ticket.sla_due_at).is_not(None), col(Ticket.sla_due_at) <= horizon))
    if team is not None:
        query = query.where(Ticket.team_id == get_team(uow, team).id)
    query = query.order_by(col(Ticket.sla_due_at), col(Ticket.id))
    calendars: dict[str | None, Calendar] = {}
    found: list[DueTicket] = []
    for ticket, team_name, username in uow.session.exec(query):
        assert ticket.sla_due_at is not None and ticket.id is not None
        calendar = _calendar_for(uow, ticket.sla_policy, calendars)
        due = ticket.sla_due_at
        if due > uow.now:
            left = int(calendar.between(uow.now, due).total_seconds() // 60)
            if left > within:
                continue
        else:
            left = -int(calendar.between(due, uow.now).total_seconds() // 60)
        target = ("first_response" if ticket.first_responded_at is None
                  and due == ticket.first_response_due_at else "resolution")
        found.append(DueTicket(ticket.id, ticket.number, ticket.subject, ticket.priority,
                               team_name, username, ticket.sla_policy, ticket.sla_state, due,
                               target, left))
        if len(found) >= limit:
            break
    return found


def compliance_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.sla_compliance``: options period (month|week), start, end, team."""
    rows = compliance(uow, **options)
    return {"report": "service.sla_compliance", "period": options.get("period", "month"),
            "rows": [row.public() for row in rows]}


def due_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.sla_due``: options within (business minutes), team, limit."""
    if "within" in options:
        options["within"] = int(options["within"])
    if "limit" in options:
        options["limit"] = int(options["limit"])
    return {"report": "service.sla_due", "rows": to_jsonable(due_tickets(uow, **options))}


def register_reports(register: Callable[..., None]) -> None:
    """Compliance per team and period; tickets about to breach."""
    register("service.sla_compliance", compliance_report,
             description="SLA compliance per team and month/week: first response and "
             "resolution met %, breaches, average business minutes")
    register("service.sla_due", due_report,
             description="open tickets about to breach their SLA (options: within, team)")
