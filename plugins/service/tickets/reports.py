"""The tickets area's reports (``guanxi report run service.ticket_volume`` …), also shown
by ``guanxi service tickets volume|backlog``.

Both read tickets through ORM selects of the ticket columns they need, so record
policies apply: an agent's report counts the tickets he may see. Tickets are streamed
(``yield_per``) and counted in Python, which keeps the period buckets in the edition's
time zone on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_choice
from guanxi.models import Team
from guanxi_service.tickets.common import TICKET, team_field
from guanxi_service.tickets.models import OPEN_STATUSES, Ticket

PERIODS = ("day", "week", "month")
DIMENSIONS = ("type", "channel", "status", "priority", "team")
DEFAULT_SPAN = {"day": 30, "week": 7 * 12, "month": 365}
# Age buckets of the backlog: (label, upper bound in days, exclusive).
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1d", 1), ("1-3d", 3), ("3-7d", 7), ("7-30d", 30), (">30d", float("inf")))
NO_TEAM = "(no team)"


def _date(value: dt.date | str | None, field_name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def _period_key(day: dt.date, period: str) -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _team_names(uow: UnitOfWork) -> dict[int, str]:
    return {tid: name for tid, name in uow.session.exec(select(Team.id, Team.name))}


def ticket_volume(
    uow: UnitOfWork, *, start: dt.date | str | None = None, end: dt.date | str | None = None,
    period: str = "month", by: str = "type",
) -> dict[str, Any]:
    """Tickets opened per period (day, week, month; local calendar) and per ``by`` (type,
    channel, status, priority, team), from ``start`` to ``end`` inclusive (default: the
    last 30 days, 12 weeks or 365 days up to today)."""
    require(uow, TICKET, "read")
    period = parse_choice(period, PERIODS, "period")
    by = parse_choice(by, DIMENSIONS, "by")
    last = _date(end, "end") or uow.today()
    first = _date(start, "start") or last - dt.timedelta(days=DEFAULT_SPAN[period] - 1)
    if first > last:
        raise ValidationError("start", f"{first} is after the end {last}")
    tz = uow.app.tz
    since = dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    column = Ticket.team_id if by == "team" else getattr(Ticket, by)
    query = (select(Ticket.opened_at, column)
             .where(Ticket.opened_at >= since, Ticket.opened_at < until)
             .execution_options(yield_per=2000))
    counts: Counter[tuple[str, Any]] = Counter()
    for opened_at, key in uow.session.exec(query):
        counts[(_period_key(opened_at.astimezone(tz).date(), period), key)] += 1
    names = _team_names(uow) if by == "team" else {}

    def label(key: Any) -> str:
        if by != "team":
            return key
        return NO_TEAM if key is None else names.get(key, str(key))

    rows = [{"period": p, by: label(k), "tickets": n}
            for (p, k), n in sorted(counts.items(), key=lambda item: (item[0][0],
                                                                      label(item[0][1])))]
    totals: Counter[str] = Counter()
    for (_, key), n in counts.items():
        totals[label(key)] += n
    return {"report": "service.ticket_volume", "start": first.isoformat(),
            "end": last.isoformat(), "period": period, "by": by, "rows": rows,
            "totals": dict(sorted(totals.items())), "total": sum(totals.values())}


def ticket_backlog(uow: UnitOfWork, *, team: int | str | None = None) -> dict[str, Any]:
    """Open tickets (new, open, pending, on_hold) by team and age bucket (time since they
    were opened), with how many are past their SLA deadline and the oldest one's age."""
    require(uow, TICKET, "read")
    query = select(Ticket.team_id, Ticket.opened_at, Ticket.sla_due_at).where(
        Ticket.status.in_(OPEN_STATUSES)).execution_options(yield_per=2000)
    if team is not None:
        query = query.where(Ticket.team_id == team_field(uow, team, "team").id)
    now = uow.now
    per_team: dict[int | None, Counter[str]] = defaultdict(Counter)
    oldest: dict[int | None, float] = {}
    for team_id, opened_at, due in uow.session.exec(query):
        age = (now - opened_at).total_seconds() / 86400
        bucket = next(label for label, bound in AGE_BUCKETS if age < bound)
        counts = per_team[team_id]
        counts[bucket] += 1
        counts["total"] += 1
        if due is not None and due < now:
            counts["overdue"] += 1
        oldest[team_id] = max(oldest.get(team_id, 0.0), age)
    names = _team_names(uow)
    rows = []
    for team_id, counts in per_team.items():
        rows.append({
            "team": NO_TEAM if team_id is None else names.get(team_id, str(team_id)),
            "team_id": team_id, **{label: counts[label] for label, _ in AGE_BUCKETS},
            "total": counts["total"], "overdue": counts["overdue"],
            "oldest_days": round(oldest[team_id], 1)})
    rows.sort(key=lambda r: (-r["total"], r["team"]))
    return {"report": "service.ticket_backlog", "at": now.isoformat(),
            "buckets": [label for label, _ in AGE_BUCKETS], "rows": rows,
            "total": sum(r["total"] for r in rows),
            "overdue": sum(r["overdue"] for r in rows)}


def register_reports(register: Callable[..., None]) -> None:
    """Volume and backlog."""
    register("service.ticket_volume", ticket_volume,
             description="tickets opened per day/week/month by type, channel, status, team")
    register("service.ticket_backlog", ticket_backlog,
             description="open tickets by team and age bucket, with the overdue ones")
