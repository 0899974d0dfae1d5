"""The sla area of the service plugin (interface: :class:`guanxi.areas.Area`).

SLA policies: first-response and resolution targets per type, priority and customer
tier on business-hours and holiday calendars, paused while waiting on the customer;
warnings before a deadline and escalation on breach (the ``service.sla`` job);
compliance per team. The clock is :func:`guanxi_service.sla.service.apply_sla`, which
the tickets service calls after every change to a ticket.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import click
from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_service.areas import WORK
from guanxi_service.sla.models import TABLES, SlaClock

__all__ = ["TABLES"]

CLOCK = "service.sla_clock"


def register_entities(register: Callable[..., None]) -> None:
    """The SLA clocks (one per ticket with a policy), visible with their customer."""
    register(CLOCK, SlaClock, customer_column="customer_id", grants=WORK,
             description="the SLA job's schedule of a ticket (warnings, escalation)")


def register_kinds(register: Callable[..., None]) -> None:
    """None: SLA events go to the ticket's history, not to the customer's timeline."""


def register_jobs(register: Callable[..., None]) -> None:
    """``service.sla``, every minute: warnings, breaches and escalation."""
    from guanxi_service.sla.job import JOB, run_sla

    register(JOB, run_sla, every=dt.timedelta(minutes=1),
             description="SLA warnings, breaches and escalation to team leads")


def register_reports(register: Callable[..., None]) -> None:
    """``service.sla_compliance`` and ``service.sla_due``."""
    from guanxi_service.sla.reports import register_reports as register_sla_reports

    register_sla_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service sla compliance|calendar|due|policies``."""
    from guanxi_service.sla.cli import sla

    group.add_command(sla)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Run the SLA job once at the demo's "now": the tickets area's demo tickets (opened
    through the tickets service, so already on the clock) get their warnings, breaches
    and escalations."""
    from guanxi_service.sla.job import run_sla

    run_sla(uow, uow.now)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: the tickets service calls :func:`apply_sla` directly."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The SLA schedule of the customer's tickets (dates only; the deadlines themselves
    are columns of the tickets, exported by the tickets area)."""
    rows = uow.session.exec(select(SlaClock).where(SlaClock.customer_id == customer_id)
                            .order_by(col(SlaClock.ticket_id))).all()
    if not rows:
        return {}
    return {"service_sla_clocks": [row.model_dump() for row in rows]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Nothing to clear: the clocks hold dates, which the erasure keeps for aggregates."""
