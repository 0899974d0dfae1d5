"""The triggers area of the marketing plugin (interface: :class:`guanxi_marketing.areas.Area`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click
from guanxi_marketing.triggers.models import TABLES

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """The area's records under access control, audit and erasure."""


def register_kinds(register: Callable[..., None]) -> None:
    """The area's ``marketing.*`` interaction kinds."""


def register_jobs(register: Callable[..., None]) -> None:
    """The area's scheduled jobs."""


def register_reports(register: Callable[..., None]) -> None:
    """The area's reports."""


def register_commands(group: click.Group) -> None:
    """The area's commands under ``guanxi marketing``."""


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """The area's part of the edition's demo data."""


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """React to interactions appended to the log (points earned, responses, …)."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """What the area holds about a customer, for the personal-data export."""
    return {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear what the area holds about an erased person (aggregates stay)."""
