"""The tickets area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_service.tickets.models import Ticket, TicketEvent


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's tickets with their texts and whole history (internal notes included:
    they are data about the person too)."""
    tickets = uow.session.exec(select(Ticket).where(Ticket.customer_id == customer_id)
                               .order_by(Ticket.id)).scalars().all()
    if not tickets:
        return {}
    events = uow.session.exec(select(TicketEvent).where(TicketEvent.customer_id == customer_id)
                              .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
                              ).scalars().all()
    history: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        history.setdefault(e.ticket_id, []).append({
            "at": e.at, "kind": e.kind, "from": e.from_value, "to": e.to_value,
            "body": e.body, "public": e.public})
    return {"tickets": [
        {"number": t.number, "type": t.type, "channel": t.channel, "priority": t.priority,
         "status": t.status, "subject": t.subject, "description": t.description,
         "resolution": t.resolution, "asset_id": t.asset_id, "opened_at": t.opened_at,
         "resolved_at": t.resolved_at, "closed_at": t.closed_at,
         "history": history.get(t.id, [])} for t in tickets]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the texts (subject becomes the ticket number, description, resolution, every
    history body); types, statuses, dates and SLA figures stay for the reports."""
    connection = uow.session.connection()
    tickets = Ticket.__table__  # type: ignore[attr-defined]
    events = TicketEvent.__table__  # type: ignore[attr-defined]
    connection.execute(update(tickets).where(tickets.c.customer_id == customer_id).values(
        subject=tickets.c.number, description=None, resolution=None))
    connection.execute(update(events).where(events.c.customer_id == customer_id).values(
        body=None))
    uow.session.expire_all()
