"""The tickets area of the service plugin (interface: :class:`guanxi.areas.Area`).

Tickets (服务请求) from every channel: types, priorities, statuses with a full history,
assignment to a person or a team, internal notes and replies, every change logged to the
interaction log; the service section of the customer 360 view. The service functions are
in :mod:`guanxi_service.tickets.service`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_service.areas import WORK
from guanxi_service.tickets import privacy
from guanxi_service.tickets.common import EVENT, TICKET
from guanxi_service.tickets.kinds import KINDS
from guanxi_service.tickets.models import TABLES, Ticket, TicketEvent

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Tickets (seen with their customer, or by their assignee) and their history."""
    register(TICKET, Ticket, customer_column="customer_id", owner_column="assignee_id",
             personal_fields=("description", "resolution"), grants=WORK,
             description="a service request (服务请求) of a customer")
    register(EVENT, TicketEvent, customer_column="customer_id", personal_fields=("body",),
             grants=WORK, description="an entry of a ticket's history (reply, note, change)")


def register_kinds(register: Callable[..., None]) -> None:
    """``service.ticket_opened`` / ``_resolved`` / ``_closed`` / ``_reopened`` / ``_reply``…"""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """``service.tickets_auto_close``: resolved tickets close after a few days."""
    from guanxi_service.tickets.jobs import AUTO_CLOSE_JOB, auto_close

    register(AUTO_CLOSE_JOB, auto_close, daily_at="02:30",
             description="close tickets resolved more than auto_close_after_days ago")


def register_reports(register: Callable[..., None]) -> None:
    """``service.ticket_volume``, ``service.ticket_backlog``."""
    from guanxi_service.tickets import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service tickets …``."""
    from guanxi_service.tickets import cli

    group.add_command(cli.tickets)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """About sixty tickets over the demo customers, with replies, notes and reopenings."""
    from guanxi_service.tickets.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: tickets are opened by people and by other areas, not by log entries."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's tickets with their texts and history."""
    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the tickets' texts (statuses, dates and SLA figures stay)."""
    privacy.erase_personal_data(uow, customer_id)
