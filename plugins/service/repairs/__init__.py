"""The repairs area of the service plugin (interface: :class:`guanxi.areas.Area`).

Repair and field-service orders (维修单): promised completion, progress steps with a
timestamped log, parts used (issued by the parts area), the on-time completion rate
(按时交车) and the progress board. The service functions are in
:mod:`guanxi_service.repairs.service` and :mod:`guanxi_service.repairs.listing`.
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
from guanxi_service.repairs import privacy
from guanxi_service.repairs.common import REPAIR, STEP
from guanxi_service.repairs.kinds import KINDS
from guanxi_service.repairs.models import TABLES, RepairOrder, RepairStep

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Repair orders (seen with their customer or by their technician) and their logs."""
    register(REPAIR, RepairOrder, customer_column="customer_id", owner_column="technician_id",
             personal_fields=("description", "notes", "site"), grants=WORK,
             description="a repair or field-service order on a customer's asset")
    register(STEP, RepairStep, customer_column="customer_id", personal_fields=("note",),
             grants=WORK, description="an entry of a repair order's step log")


def register_kinds(register: Callable[..., None]) -> None:
    """``service.repair_opened`` / ``_step`` / ``_completed``."""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """No jobs: overdue orders are read off the progress board when asked."""


def register_reports(register: Callable[..., None]) -> None:
    """``service.repair_on_time`` and ``service.repair_progress``."""
    from guanxi_service.repairs import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service repairs …``."""
    from guanxi_service.repairs import cli

    group.add_command(cli.repairs)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """About 25 repair orders on the demo assets, some delivered late, a few still open."""
    from guanxi_service.repairs.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: repair orders are opened by people (or from a ticket), not by kinds."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's repair orders with their logs."""
    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the orders' free texts (steps, dates, costs stay)."""
    privacy.erase_personal_data(uow, customer_id)
