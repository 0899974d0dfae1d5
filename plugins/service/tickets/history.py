"""A ticket's history (contract other areas use to add entries)."""

from __future__ import annotations

from guanxi.app import UnitOfWork
from guanxi_service.tickets.models import Ticket, TicketEvent


def record_event(
    uow: UnitOfWork,
    ticket: Ticket,
    kind: str,
    *,
    from_value: str | None = None,
    to_value: str | None = None,
    body: str | None = None,
    public: bool = False,
) -> TicketEvent:
    """Append one entry to the ticket's history, at ``uow.now``, by the acting user."""
    raise NotImplementedError
