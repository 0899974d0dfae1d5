"""The visits area's reports (``guanxi report run service.…``) as JSON-ready dicts.

``service.visit_completion``: per plan, assignee or both over a period of due dates —
visits due, done, done on time (by the due date plus the grace days, in the display
time zone, against the plan's date), done late, still open and overdue, reached and the rates.
``service.visits_due``: what is due today and this week, and what is overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi.inputs import parse_choice, parse_date
from guanxi.services.staff import usernames
from guanxi_service.visits.common import VISIT
from guanxi_service.visits.listing import due_visits, overdue_visits, window_end
from guanxi_service.visits.models import OPEN_STATUSES, REACHED_OUTCOMES, Visit
from guanxi_service.visits.plans import visit_settings

GROUPINGS = ("plan", "assignee", "plan_assignee")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def visit_completion(
    uow: UnitOfWork, *, start: dt.date | str | None = None, end: dt.date | str | None = None,
    by: str = "plan",
) -> list[dict[str, Any]]:
    """Completion figures of the visits due from ``start`` to ``end`` (default: the last
    30 days up to today), grouped ``by`` plan, assignee or both. Cancelled visits are
    counted apart and left out of the rates."""
    require(uow, VISIT, "read")
    grouping = parse_choice(by, GROUPINGS, "by")
    today = uow.today()
    last = parse_date(end, "end") or today
    first = parse_date(start, "start") or last - dt.timedelta(days=29)
    if first > last:
        raise ValidationError("start", f"{first} is after the end {last}")
    grace = dt.timedelta(days=visit_settings(uow.app).grace_days)
    tz = uow.app.tz
    query = (select(Visit.plan, Visit.assignee_id, Visit.status, Visit.due_on, Visit.planned_on,
                    Visit.done_at,
                    Visit.outcome, Visit.satisfaction)
             .where(Visit.due_on >= first, Visit.due_on <= last))
    groups: dict[tuple[str | None, int | None], dict[str, Any]] = {}
    for plan, assignee, status, due_on, planned_on, done_at, outcome, satisfaction in (
            uow.session.exec(
            query)):
        key = (plan if grouping != "assignee" else None,
               assignee if grouping != "plan" else None)
        g = groups.setdefault(key, {"due": 0, "done": 0, "on_time": 0, "late": 0, "open": 0,
                                    "overdue": 0, "cancelled": 0, "reached": 0,
                                    "scores": []})
        if status == "cancelled":
            g["cancelled"] += 1
            continue
        g["due"] += 1
        if status == "done":
            g["done"] += 1
            # Against the planned date: a retry or a reschedule does not make it on time.
            if done_at is not None and done_at.astimezone(tz).date() <= planned_on + grace:
                g["on_time"] += 1
            else:
                g["late"] += 1
            if outcome in REACHED_OUTCOMES:
                g["reached"] += 1
            if satisfaction is not None:
                g["scores"].append(satisfaction)
        elif status in OPEN_STATUSES:
            g["open"] += 1
            if status == "overdue" or due_on + grace < today:
                g["overdue"] += 1
    names = usernames(uow, [k[1] for k in groups])
    rows = []
    for (plan, assignee), g in sorted(groups.items(), key=lambda item: (
            item[0][0] or "", names.get(item[0][1] or 0, ""))):
        scores = g.pop("scores")
        row: dict[str, Any] = {}
        if grouping != "assignee":
            row["plan"] = plan or "(manual)"
        if grouping != "plan":
            row["assignee"] = names.get(assignee) if assignee else None
        row.update(g)
        row.update(completion_rate=_rate(g["done"], g["due"]),
                   on_time_rate=_rate(g["on_time"], g["due"]),
                   reached_rate=_rate(g["reached"], g["done"]),
                   satisfaction=round(sum(scores) / len(scores), 2) if scores else None)
        rows.append(row)
    return rows


def completion_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.visit_completion``: options start, end, by (plan|assignee|
    plan_assignee)."""
    rows = visit_completion(uow, **options)
    return {"report": "service.visit_completion", "by": options.get("by", "plan"),
            "rows": to_jsonable(rows)}


def due_report(uow: UnitOfWork, *, assignee: str | None = None,
               window: str = "week") -> dict[str, Any]:
    """Report ``service.visits_due``: options assignee, window (today|week|all)."""
    today = uow.today()
    rows = due_visits(uow, window=window, assignee=assignee, limit=10000)
    week_end = window_end(uow, "week")
    return {"report": "service.visits_due", "today": today.isoformat(),
            "week_end": week_end.isoformat() if week_end else None,
            "due_today": sum(1 for r in rows if r.due_on == today),
            "due_this_week": sum(1 for r in rows if week_end and today <= r.due_on <= week_end),
            "late": sum(1 for r in rows if r.due_on < today),
            "overdue": len(overdue_visits(uow, assignee=assignee, limit=10000)),
            "rows": to_jsonable(rows)}


def register_reports(register: Callable[..., None]) -> None:
    """Completion and the due list."""
    register("service.visit_completion", completion_report,
             description="return visits due, done, on time, overdue and reached, per plan "
                         "or assignee")
    register("service.visits_due", due_report,
             description="return visits due today and this week, and the overdue ones")
