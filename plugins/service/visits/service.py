"""Return visits (回访): schedule by hand, record outcomes, reschedule, cancel.

Visits are mostly scheduled by the care plans (:mod:`guanxi_service.visits.scheduling`,
through the ``interactions_logged`` hook); :func:`schedule` adds one by hand. Recording
an outcome logs ``service.return_visit`` on the customer's timeline with the visit's
channel; a not-reached call stays open for another try while the plan allows; an issue
found may open a complaint ticket; a declined visit may cancel the plan's later steps.

Every function checks the acting principal's permission and reads through the ORM, so
record policies apply. Bad input raises :class:`~guanxi.errors.ValidationError` naming
the field before anything is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice, parse_date
from guanxi.models import Task
from guanxi.services.customers import require_customer
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi.services.staff import active_staff
from guanxi_service.visits.common import VISIT, clean_text, get_visit
from guanxi_service.visits.models import OPEN_STATUSES, OUTCOMES, REACHED_OUTCOMES, Visit
from guanxi_service.visits.plans import get_plan, visit_settings
from guanxi_service.visits.settings import CarePlan

__all__ = [
    "cancel",
    "cancel_plan",
    "get_visit",
    "record_outcome",
    "reschedule",
    "schedule",
]

# The ticket channel a complaint found on a visit came in through.
TICKET_CHANNEL = {"phone": "phone", "visit": "visit", "sms": "sms", "email": "email",
                  "web": "web", "letter": "letter", "fax": "fax", "social": "wechat",
                  "chat": "wechat"}


def _customer(uow: UnitOfWork, customer_id: int | str) -> int:
    text = str(customer_id).strip()
    if not text.isdigit():
        raise ValidationError("customer", f"not a customer id: {customer_id!r}")
    try:
        customer = require_customer(uow, int(text))
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None
    if customer.erased_at is not None:
        raise ValidationError("customer", f"customer {text} was erased")
    return int(text)


def _fee(value: Decimal | int | str | None, paid: bool) -> Decimal:
    if value is None:
        return Decimal("0")
    try:
        fee = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError("fee", f"not an amount of money: {value!r}") from None
    if not fee.is_finite() or fee < 0 or fee >= Decimal("1e9") or fee != fee.quantize(
            Decimal("0.01")):
        raise ValidationError("fee", f"{value!r} is not an amount from 0 to 999999999.99")
    if fee and not paid:
        raise ValidationError("fee", "a free visit has no fee (mark it paid)")
    return fee


def _owned_row(uow: UnitOfWork, model: Any, row_id: int | None, field: str) -> int | None:
    """``row_id`` if that asset / ticket exists and the principal may see it."""
    if row_id is None:
        return None
    found = uow.session.exec(select(model.id).where(model.id == row_id)).first()
    if found is None:
        raise ValidationError(field, f"no {field.removesuffix('_id')} {row_id}")
    return row_id


def schedule(
    uow: UnitOfWork,
    *,
    customer_id: int | str,
    due_on: dt.date | str,
    plan: str | None = None,
    title: str | None = None,
    channel: str | None = None,
    assignee: str | int | None = None,
    paid: bool | None = None,
    fee: Decimal | int | str | None = None,
    asset_id: int | None = None,
    ticket_id: int | None = None,
    notes: str | None = None,
) -> Visit:
    """Schedule a return visit by hand (step 0).

    ``plan`` (a configured plan's name) gives the title, channel, fee and script unless
    given here; the assignee defaults to the acting user. ``due_on`` may not be in the
    past (today in the display time zone is fine).
    """
    require(uow, VISIT, "create")
    cid = _customer(uow, customer_id)
    care: CarePlan | None = get_plan(uow.app, plan) if plan else None
    day = parse_date(due_on, "due_on")
    if day is None:
        raise ValidationError("due_on", "is required")
    if day < uow.today():
        raise ValidationError("due_on", f"{day} is in the past (today is {uow.today()})")
    text = clean_text(title, "title", 200) or (care.title if care else None)
    if not text:
        raise ValidationError("title", "is required (or name a plan)")
    how = (channel or (care.channel if care else "phone")).strip().lower()
    if how not in uow.app.settings.channels:
        raise ValidationError(
            "channel", f"{channel!r} is not one of {', '.join(uow.app.settings.channels)}")
    is_paid = paid if paid is not None else (care.paid if care else False)
    money = _fee(fee, is_paid) if fee is not None else (
        care.fee if care and is_paid else Decimal("0"))
    if assignee is not None:
        assignee_id = active_staff(uow, assignee, "assignee").id
    else:
        assignee_id = uow.actor_id
    from guanxi_service.assets.models import Asset
    from guanxi_service.tickets.models import Ticket

    asset = _owned_row(uow, Asset, asset_id, "asset_id")
    ticket = _owned_row(uow, Ticket, ticket_id, "ticket_id")
    visit = Visit(
        customer_id=cid, plan=plan.strip() if plan else None, step=0, title=text,
        channel=how, paid=is_paid, fee=money, planned_on=day, due_on=day,
        assignee_id=assignee_id, asset_id=asset, ticket_id=ticket,
        notes=clean_text(notes, "notes"), created_by_id=uow.actor_id,
        created_at=uow.now, updated_at=uow.now)
    uow.session.add(visit)
    uow.session.flush()
    return visit


def _close_task(uow: UnitOfWork, visit: Visit, status: str) -> None:
    """Close the overdue reminder of a visit (done or cancelled with it)."""
    if visit.task_id is None:
        return
    uow.session.connection().execute(
        update(Task.__table__).where(  # type: ignore[attr-defined]
            Task.__table__.c.id == visit.task_id,  # type: ignore[attr-defined]
            Task.__table__.c.status == "open")  # type: ignore[attr-defined]
        .values(status=status, completed_at=uow.now))


def _when(uow: UnitOfWork, at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return uow.now
    if at.tzinfo is None:
        at = at.replace(tzinfo=uow.app.tz)
    if at > uow.now + dt.timedelta(minutes=10):
        raise ValidationError("at", f"{at.isoformat()} is in the future")
    return at.astimezone(dt.UTC)


def record_outcome(
    uow: UnitOfWork,
    visit_id: int | str,
    outcome: str,
    *,
    notes: str | None = None,
    satisfaction: int | str | None = None,
    next_action: str | None = None,
    complaint: bool | None = None,
    at: dt.datetime | None = None,
) -> Visit:
    """Record what came of a visit and log ``service.return_visit``.

    ``not_reached`` keeps the visit open, due again after the plan's ``retry_after_days``,
    until ``max_attempts`` tries (a manual visit: one try). ``issue_found`` opens a
    complaint ticket when ``complaint`` is true (default: the plan's
    ``complaint_on_issue``). ``declined`` cancels the plan's later steps when the plan
    says ``stop_on_decline``. Satisfaction (1–5) is only for a customer who was reached.
    """
    require(uow, VISIT, "update")
    visit = get_visit(uow, visit_id)
    if visit.status not in OPEN_STATUSES:
        raise ValidationError("visit", f"visit {visit.id} is {visit.status}, not open")
    result = parse_choice(outcome, OUTCOMES, "outcome")
    score = None
    if satisfaction is not None and str(satisfaction).strip() != "":
        text = str(satisfaction).strip()
        if not text.isdigit() or not 1 <= int(text) <= 5:
            raise ValidationError("satisfaction", f"{satisfaction!r} is not from 1 to 5")
        if result not in REACHED_OUTCOMES:
            raise ValidationError("satisfaction", "only a customer who was reached rates")
        score = int(text)
    note = clean_text(notes, "notes")
    action = clean_text(next_action, "next_action", 500)
    when = _when(uow, at)
    plan = visit_settings(uow.app).plans.get(visit.plan or "")
    if complaint and result != "issue_found":
        raise ValidationError("complaint", "only an issue found opens a complaint")
    open_complaint = result == "issue_found" and (
        complaint if complaint is not None else bool(plan and plan.complaint_on_issue))

    visit.attempts += 1
    retry = (result == "not_reached" and plan is not None and visit.step > 0
             and visit.attempts < plan.max_attempts)
    visit.outcome, visit.updated_at = result, uow.now
    if note:
        visit.notes = note if not visit.notes else f"{visit.notes}\n{note}"
    if retry:
        assert plan is not None
        local_day = when.astimezone(uow.app.tz).date()
        visit.due_on = max(visit.due_on,
                           local_day + dt.timedelta(days=plan.retry_after_days))
        visit.status = "scheduled"
        # Someone tried: the overdue reminder has done its work; a new one comes if the
        # retry is missed too.
        _close_task(uow, visit, "done")
        visit.task_id = None
    else:
        visit.status, visit.done_at, visit.done_by_id = "done", when, uow.actor_id
        visit.satisfaction, visit.next_action = score, action
        _close_task(uow, visit, "done")
    uow.session.flush()
    if open_complaint:
        visit.complaint_id = _open_complaint(uow, visit, note).id
    if result == "declined" and plan is not None and plan.stop_on_decline:
        _cancel_rest(uow, visit, "客户拒绝回访 (declined)")
    revenue = visit.fee if (visit.paid and visit.fee and visit.status == "done"
                            and result in REACHED_OUTCOMES) else None
    # Validated here and inserted directly: the assignee may record his visit even when
    # his record policies do not show him the customer otherwise (the visit names him,
    # and the customer exists: the visit's foreign key says so).
    entry = validate_interaction(uow, {
        "customer_id": visit.customer_id, "kind": "service.return_visit",
        "channel": visit.channel, "direction": "outbound", "occurred_at": when,
        "actor": uow.actor_id or visit.assignee_id, "subject": visit.title[:500],
        "revenue": revenue,
        "payload": {"visit_id": visit.id, "outcome": result, "plan": visit.plan,
                    "step": visit.step, "attempt": visit.attempts, "satisfaction": score,
                    "paid": visit.paid, "asset_id": visit.asset_id,
                    "ticket_id": visit.ticket_id, "complaint_id": visit.complaint_id}})
    insert_interactions(uow, [entry])
    uow.session.flush()
    return visit


def _open_complaint(uow: UnitOfWork, visit: Visit, note: str | None) -> Any:
    """A complaint ticket for an issue found on a visit, following up the visit's ticket."""
    from guanxi_service.tickets.service import open_ticket

    settings = visit_settings(uow.app)
    return open_ticket(
        uow, customer_id=visit.customer_id, type="complaint",
        channel=TICKET_CHANNEL.get(visit.channel, "other"),
        subject=f"回访发现问题：{visit.title}"[:200],
        description=note or f"return visit {visit.id} found an issue",
        priority=settings.complaint_priority, asset_id=visit.asset_id,
        assignee_id=visit.assignee_id, parent_id=visit.ticket_id)


def reschedule(
    uow: UnitOfWork, visit_id: int | str, due_on: dt.date | str, *, reason: str | None = None,
    assignee: str | int | None = None,
) -> Visit:
    """Move an open visit to another day (not in the past), optionally to another person.

    An overdue visit is scheduled again and its overdue reminder closed; ``overdue_at``
    stays, so the report still counts it as once overdue.
    """
    require(uow, VISIT, "update")
    visit = get_visit(uow, visit_id)
    if visit.status not in OPEN_STATUSES:
        raise ValidationError("visit", f"visit {visit.id} is {visit.status}, not open")
    day = parse_date(due_on, "due_on")
    if day is None or day < uow.today():
        raise ValidationError("due_on", f"{day} is in the past (today is {uow.today()})")
    note = clean_text(reason, "reason", 500)
    new_assignee = active_staff(uow, assignee, "assignee").id if assignee is not None else None
    if visit.status == "overdue":
        _close_task(uow, visit, "cancelled")
        visit.task_id = None
    visit.due_on, visit.status, visit.updated_at = day, "scheduled", uow.now
    if new_assignee is not None:
        visit.assignee_id = new_assignee
    if note:
        visit.notes = f"{visit.notes}\n{note}" if visit.notes else note
    uow.session.flush()
    return visit


def _open_steps_after(uow: UnitOfWork, visit: Visit) -> list[Visit]:
    if visit.trigger_id is None or visit.plan is None:
        return []
    query = select(Visit).where(
        Visit.plan == visit.plan, Visit.trigger_id == visit.trigger_id,
        Visit.step > visit.step, Visit.status.in_(OPEN_STATUSES)).order_by(Visit.step)
    return list(uow.session.exec(query).scalars())


def _cancel_one(uow: UnitOfWork, visit: Visit, reason: str) -> None:
    _close_task(uow, visit, "cancelled")
    visit.status, visit.cancel_reason, visit.updated_at = "cancelled", reason, uow.now


def _cancel_rest(uow: UnitOfWork, visit: Visit, reason: str) -> list[Visit]:
    rest = _open_steps_after(uow, visit)
    for later in rest:
        _cancel_one(uow, later, reason)
    uow.session.flush()
    return rest


def cancel(
    uow: UnitOfWork, visit_id: int | str, *, reason: str, rest_of_plan: bool = False,
) -> list[Visit]:
    """Cancel an open visit (a reason is required); with ``rest_of_plan`` the later steps
    of the same plan run (same trigger) too. Returns every visit cancelled."""
    require(uow, VISIT, "update")
    visit = get_visit(uow, visit_id)
    why = clean_text(reason, "reason", 500)
    if not why:
        raise ValidationError("reason", "is required")
    if visit.status not in OPEN_STATUSES:
        raise ValidationError("visit", f"visit {visit.id} is {visit.status}, not open")
    _cancel_one(uow, visit, why)
    uow.session.flush()
    return [visit, *(_cancel_rest(uow, visit, why) if rest_of_plan else [])]


def cancel_plan(uow: UnitOfWork, customer_id: int | str, plan: str, *, reason: str) -> int:
    """Cancel every open visit of ``plan`` for a customer (the customer opted out);
    how many were cancelled."""
    require(uow, VISIT, "update")
    cid = _customer(uow, customer_id)
    name = (plan or "").strip()
    if not name:
        raise ValidationError("plan", "is required")
    why = clean_text(reason, "reason", 500)
    if not why:
        raise ValidationError("reason", "is required")
    visits = list(uow.session.exec(select(Visit).where(
        Visit.customer_id == cid, Visit.plan == name,
        Visit.status.in_(OPEN_STATUSES))).scalars())
    for visit in visits:
        _cancel_one(uow, visit, why)
    uow.session.flush()
    return len(visits)
