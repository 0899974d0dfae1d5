"""Listings of return visits: by filter, due today / this week, overdue, one in detail.

Every listing is an ORM select of :class:`Visit`, so the record policies apply: a user
sees the visits of the customers he may see and the visits assigned to him (and, as a
team lead, those of his team).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_choice, parse_date
from guanxi.services.lookup import customer_names
from guanxi.services.staff import active_staff, usernames
from guanxi_service.visits.common import VISIT, get_visit
from guanxi_service.visits.models import OPEN_STATUSES, VISIT_STATUSES, Visit
from guanxi_service.visits.plans import visit_settings

WINDOWS = ("today", "week", "all")


@dataclass(frozen=True)
class VisitRow:
    """A visit as listed, with its customer's name and its assignee's username."""

    id: int
    customer_id: int
    customer: str | None
    plan: str | None
    step: int
    title: str
    channel: str
    paid: bool
    fee: Decimal
    planned_on: dt.date
    due_on: dt.date
    status: str
    overdue: bool  # open and past its due date plus the grace days
    assignee: str | None
    attempts: int
    outcome: str | None
    satisfaction: int | None
    asset_id: int | None
    ticket_id: int | None
    complaint_id: int | None
    done_at: dt.datetime | None


def visit_rows(uow: UnitOfWork, visits: list[Visit]) -> list[VisitRow]:
    """Listing rows for stored visits (two lookups for the whole page)."""
    names = customer_names(uow, [v.customer_id for v in visits])
    staff = usernames(uow, [v.assignee_id for v in visits])
    late_before = uow.today() - dt.timedelta(days=visit_settings(uow.app).grace_days)
    return [VisitRow(
        id=v.id, customer_id=v.customer_id, customer=names.get(v.customer_id), plan=v.plan,
        step=v.step, title=v.title, channel=v.channel, paid=v.paid, fee=v.fee,
        planned_on=v.planned_on, due_on=v.due_on, status=v.status,
        overdue=v.status == "overdue" or (v.status == "scheduled" and v.due_on < late_before),
        assignee=staff.get(v.assignee_id) if v.assignee_id else None, attempts=v.attempts,
        outcome=v.outcome, satisfaction=v.satisfaction, asset_id=v.asset_id,
        ticket_id=v.ticket_id, complaint_id=v.complaint_id, done_at=v.done_at)
        for v in visits]


def list_visits(
    uow: UnitOfWork, *, status: str | None = None, customer_id: int | None = None,
    assignee: str | int | None = None, plan: str | None = None,
    due_from: dt.date | str | None = None, due_to: dt.date | str | None = None,
    asset_id: int | None = None, limit: int = 100, after_id: int | None = None,
) -> list[VisitRow]:
    """Visits the principal may see, by due date then id; ``status`` ``open`` means
    scheduled or overdue."""
    require(uow, VISIT, "read")
    if not 1 <= limit <= 10000:
        raise ValidationError("limit", "from 1 to 10000")
    query = select(Visit)
    if status is not None:
        if status == "open":
            query = query.where(Visit.status.in_(OPEN_STATUSES))
        else:
            query = query.where(Visit.status == parse_choice(status, VISIT_STATUSES, "status"))
    if customer_id is not None:
        query = query.where(Visit.customer_id == customer_id)
    if asset_id is not None:
        query = query.where(Visit.asset_id == asset_id)
    if assignee is not None:
        query = query.where(Visit.assignee_id == active_staff(uow, assignee, "assignee").id)
    if plan is not None:
        query = query.where(Visit.plan == plan)
    start, end = parse_date(due_from, "due_from"), parse_date(due_to, "due_to")
    if start is not None:
        query = query.where(Visit.due_on >= start)
    if end is not None:
        query = query.where(Visit.due_on <= end)
    if after_id is not None:
        query = query.where(Visit.id > after_id)
    query = query.order_by(Visit.due_on, Visit.id).limit(limit)
    return visit_rows(uow, list(uow.session.exec(query).scalars()))


def window_end(uow: UnitOfWork, window: str) -> dt.date | None:
    """The last day of ``today`` / ``week`` (Sunday of this week) / ``all`` (None)."""
    today = uow.today()
    choice = parse_choice(window, WINDOWS, "window")
    if choice == "today":
        return today
    if choice == "week":
        return today + dt.timedelta(days=6 - today.weekday())
    return None


def due_visits(
    uow: UnitOfWork, *, window: str = "today", assignee: str | int | None = None,
    limit: int = 500,
) -> list[VisitRow]:
    """Open visits due by the end of ``window`` (earlier ones still open included: they
    are late), for one assignee or everyone the principal sees."""
    end = window_end(uow, window)
    return list_visits(uow, status="open", assignee=assignee, due_to=end, limit=limit)


def overdue_visits(
    uow: UnitOfWork, *, assignee: str | int | None = None, limit: int = 500,
) -> list[VisitRow]:
    """Open visits past their due date plus the grace days (flagged by the job or not)."""
    late_before = uow.today() - dt.timedelta(days=visit_settings(uow.app).grace_days)
    rows = list_visits(uow, status="open", assignee=assignee,
                       due_to=late_before - dt.timedelta(days=1), limit=limit)
    return [r for r in rows if r.overdue]


_visit = Visit.__table__  # type: ignore[attr-defined]
_NEXT_OPEN = (
    select(_visit.c.id)
    .where(_visit.c.customer_id == bindparam("customer"), _visit.c.status.in_(OPEN_STATUSES))
    .order_by(_visit.c.due_on, _visit.c.id)
    .limit(1)
)


def next_visit(uow: UnitOfWork, customer_id: int) -> VisitRow | None:
    """The customer's next open visit (the earliest due), for the 360 view; None if none."""
    require(uow, VISIT, "read")
    # The id by a prepared Core statement (the customer is allowed already, so are his
    # visits: decision 20); most customers have none, and then that is all it costs.
    found = uow.session.connection().execute(_NEXT_OPEN, {"customer": customer_id}).scalar()
    if found is None:
        return None
    return visit_rows(uow, [uow.session.get(Visit, found)])[0]


@dataclass
class VisitDetail:
    """One visit with its notes, next action, script and questions."""

    visit: VisitRow
    notes: str | None
    next_action: str | None
    cancel_reason: str | None
    trigger_id: int | None
    trigger_kind: str | None
    offset_days: int | None
    script: str = ""
    questions: list[str] = field(default_factory=list)
    task_id: int | None = None


def visit_detail(uow: UnitOfWork, visit_id: int | str) -> VisitDetail:
    """Everything about one visit, with the plan's script for the caller."""
    visit = get_visit(uow, visit_id)
    plan = visit_settings(uow.app).plans.get(visit.plan or "")
    return VisitDetail(
        visit=visit_rows(uow, [visit])[0], notes=visit.notes, next_action=visit.next_action,
        cancel_reason=visit.cancel_reason, trigger_id=visit.trigger_id,
        trigger_kind=visit.trigger_kind, offset_days=visit.offset_days,
        script=plan.script if plan else "", questions=list(plan.questions) if plan else [],
        task_id=visit.task_id)


def plan_table(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The configured plans, for ``service visits plans``."""
    return [{"name": name, "trigger": p.trigger, "when": p.when, "offsets": p.offsets,
             "title": p.title, "channel": p.channel, "assign": p.assign,
             "team": p.team, "user": p.user, "paid": p.paid, "fee": p.fee,
             "max_attempts": p.max_attempts, "questions": p.questions}
            for name, p in sorted(visit_settings(uow.app).plans.items())]
