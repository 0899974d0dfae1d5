"""The tickets area's scheduled job: resolved tickets close themselves after a while.

Help desks close a solved ticket after a few days without an answer (Zendesk: four);
the customer can still write back until then, which reopens it. Closing logs
``service.ticket_closed``, which may trigger a return visit (see the visits area).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi_service.sla.service import apply_sla
from guanxi_service.tickets.common import ticket_settings
from guanxi_service.tickets.models import Ticket
from guanxi_service.tickets.statuses import move

AUTO_CLOSE_JOB = "service.tickets_auto_close"
BATCH = 500


def auto_close(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """Close every ticket resolved more than ``auto_close_after_days`` before ``due_at``.

    Idempotent: a closed ticket is no longer ``resolved``, so a second run finds nothing.
    """
    days = ticket_settings(uow.app).auto_close_after_days
    if not days:
        return "auto-close is off (service.tickets.auto_close_after_days = 0)"
    cutoff = due_at - dt.timedelta(days=days)
    closed = 0
    while True:
        batch = uow.session.exec(
            select(Ticket).where(Ticket.status == "resolved", Ticket.resolved_at < cutoff)
            .order_by(Ticket.id).limit(BATCH)).scalars().all()
        for ticket in batch:
            move(uow, ticket, "closed", resolution=ticket.resolution)
            apply_sla(uow, ticket)
        closed += len(batch)
        if len(batch) < BATCH:
            break
    return f"closed {closed} tickets resolved before {cutoff.isoformat(timespec='minutes')}"
