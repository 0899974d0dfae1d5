"""The visits area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi.models import Task
from guanxi_service.visits.models import OPEN_STATUSES, Visit


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's return visits: when, how, what came of them and what was noted."""
    visits = uow.session.exec(select(Visit).where(Visit.customer_id == customer_id)
                              .order_by(Visit.due_on, Visit.id)).scalars().all()
    if not visits:
        return {}
    return {"return_visits": [
        {"id": v.id, "plan": v.plan, "step": v.step, "title": v.title, "channel": v.channel,
         "paid": v.paid, "fee": v.fee, "due_on": v.due_on, "status": v.status,
         "attempts": v.attempts, "outcome": v.outcome, "satisfaction": v.satisfaction,
         "notes": v.notes, "next_action": v.next_action, "cancel_reason": v.cancel_reason,
         "done_at": v.done_at, "asset_id": v.asset_id, "ticket_id": v.ticket_id}
        for v in visits]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the free texts; open visits are cancelled (an erased person is not called
    back). Dates, outcomes, scores and fees stay for the completion figures."""
    table = Visit.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    connection.execute(update(table).where(table.c.customer_id == customer_id)
                       .values(notes=None, next_action=None, cancel_reason=None))
    open_visits = (table.c.customer_id == customer_id, table.c.status.in_(OPEN_STATUSES))
    tasks = Task.__table__  # type: ignore[attr-defined]
    connection.execute(update(tasks).where(
        tasks.c.id.in_(select(table.c.task_id).where(*open_visits)), tasks.c.status == "open")
        .values(status="cancelled", completed_at=uow.now))
    connection.execute(update(table).where(*open_visits)
                       .values(status="cancelled", updated_at=uow.now))
    uow.session.expire_all()
