"""The visits area of the service plugin (interface: :class:`guanxi.areas.Area`).

Return visits and care plans (回访): care plans in ``[service.visits]`` turn trigger
interactions (a ticket closed, an asset handed over, an edition's ``hospital.discharged``)
into visits on an interval plan; each visit's outcome is logged as
``service.return_visit``; the daily job flags overdue visits and reminds the assignee.
The service functions are in :mod:`guanxi_service.visits.service` (writes) and
:mod:`guanxi_service.visits.listing` (reads).
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
from guanxi_service.visits import privacy
from guanxi_service.visits.common import VISIT
from guanxi_service.visits.kinds import KINDS
from guanxi_service.visits.models import TABLES, Visit

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Return visits: seen with their customer, or by their assignee (and his lead)."""
    register(VISIT, Visit, customer_column="customer_id", owner_column="assignee_id",
             personal_fields=("notes", "next_action", "cancel_reason"), grants=WORK,
             description="a return visit (回访) of a customer, scheduled by a care plan or "
                         "by hand, with its outcome")


def register_kinds(register: Callable[..., None]) -> None:
    """``service.return_visit``."""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """The daily ``service.visits_overdue`` job (07:00 local time)."""
    from guanxi_service.visits.overdue import JOB, overdue_job

    register(JOB, overdue_job, daily_at="07:00",
             description="flag return visits past due plus grace days; remind the assignee")


def register_reports(register: Callable[..., None]) -> None:
    """``service.visit_completion`` and ``service.visits_due``."""
    from guanxi_service.visits import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service visits …``."""
    from guanxi_service.visits.cli import visits

    group.add_command(visits)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Outcomes for the visits the demo's tickets and assets scheduled, a few manual
    visits, and the overdue ones flagged."""
    from guanxi_service.visits.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Schedule the visits of the care plans the batch's interactions trigger."""
    from guanxi_service.visits.scheduling import schedule_from

    schedule_from(uow, interactions)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's return visits with their notes."""
    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the visits' free texts and cancel the open ones (outcomes and dates stay)."""
    privacy.erase_personal_data(uow, customer_id)
