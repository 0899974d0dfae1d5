"""The SLA clock of a ticket (contract used by the tickets area)."""

from __future__ import annotations

from guanxi.app import UnitOfWork
from guanxi_service.tickets.models import Ticket


def apply_sla(uow: UnitOfWork, ticket: Ticket) -> None:
    """Bring the SLA columns of ``ticket`` up to date with its current state at ``uow.now``.

    The tickets service calls this after every change it makes (opened, status, priority,
    type, team, first public reply, reopened), with the ticket already changed.
    """
