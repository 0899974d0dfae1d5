"""Tickets: open, change, reply, note, assign, resolve, close, reopen (the contract other
areas use; bodies written by the tickets area)."""

from __future__ import annotations

import datetime as dt

from guanxi.app import UnitOfWork
from guanxi_service.tickets.models import Ticket


def open_ticket(
    uow: UnitOfWork,
    *,
    customer_id: int,
    type: str,
    channel: str,
    subject: str,
    description: str | None = None,
    priority: str = "normal",
    asset_id: int | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    parent_id: int | None = None,
    opened_at: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket; checks every field, the asset's owner and its warranty, starts the SLA
    clock, records the ``created`` event and logs ``service.ticket_opened``."""
    raise NotImplementedError


def get_ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
    """The ticket, if the principal may see it; :class:`guanxi.errors.NotFoundError` if not."""
    raise NotImplementedError


def change_status(
    uow: UnitOfWork, ticket_id: int, status: str, *, resolution: str | None = None,
    note: str | None = None,
) -> Ticket:
    """Move a ticket to ``status``; ``resolved`` and ``closed`` need a resolution."""
    raise NotImplementedError


def reopen_ticket(uow: UnitOfWork, ticket_id: int, *, reason: str) -> Ticket:
    """Reopen a resolved or closed ticket (a poor survey answer, the customer wrote back)."""
    raise NotImplementedError
