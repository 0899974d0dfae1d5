"""The service section of the customer 360 view."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select

from guanxi.app import UnitOfWork
from guanxi.cli.output import local
from guanxi_service.tickets.common import ticket_settings
from guanxi_service.tickets.listing import is_overdue
from guanxi_service.tickets.models import OPEN_STATUSES, Ticket

MAX_OPEN_SHOWN = 20
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_COUNTS = (
    select(_ticket.c.status, func.count())
    .where(_ticket.c.customer_id == bindparam("customer"))
    .group_by(_ticket.c.status)
)


def _item(uow: UnitOfWork, ticket: Ticket) -> dict[str, Any]:
    tz = uow.app.tz
    return {"number": ticket.number, "type": ticket.type, "status": ticket.status,
            "priority": ticket.priority, "subject": ticket.subject,
            "opened": local(ticket.opened_at, tz), "sla_due": local(ticket.sla_due_at, tz),
            "sla_state": ticket.sla_state, "overdue": is_overdue(ticket, uow.now),
            "closed": local(ticket.closed_at, tz)}


def ticket_lines(uow: UnitOfWork, customer_id: int) -> tuple[list[tuple[str, Any]],
                                                              list[dict[str, Any]]]:
    """Rows and items about a customer's tickets: open ones by SLA deadline, then the
    most recently closed; empty when the customer has none."""
    # Prepared, Core: the customer is allowed already, so are his tickets (decision 20).
    counts = dict(uow.session.connection().execute(_COUNTS, {"customer": customer_id}).all())
    if not counts:
        return [], []
    open_tickets = uow.session.exec(
        select(Ticket).where(Ticket.customer_id == customer_id,
                             Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.sla_due_at.asc().nulls_last(), Ticket.id)
        .limit(MAX_OPEN_SHOWN)).scalars().all()
    recent = ticket_settings(uow.app).section_recent_closed
    closed = uow.session.exec(
        select(Ticket).where(Ticket.customer_id == customer_id,
                             Ticket.status.in_(("resolved", "closed")))
        .order_by(Ticket.resolved_at.desc(), Ticket.id.desc()).limit(recent)
    ).scalars().all() if recent else []
    n_open = sum(n for status, n in counts.items() if status in OPEN_STATUSES)
    overdue = sum(1 for t in open_tickets if is_overdue(t, uow.now))
    rows: list[tuple[str, Any]] = [("open tickets 未结服务请求", n_open)]
    if overdue:
        rows.append(("overdue 已超时", overdue))
    rows.append(("resolved or closed 已解决", counts.get("resolved", 0) + counts.get("closed", 0)))
    return rows, [_item(uow, t) for t in (*open_tickets, *closed)]
