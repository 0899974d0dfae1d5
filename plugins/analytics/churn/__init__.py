"""The churn area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Churn and retention: monthly cohorts and the retention matrix, retention and churn
rates, the monthly threshold alert (REQUIREMENTS §7.3), the sudden-drop outlier alert and
the churn-risk list ordered by probability alive.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_analytics.churn.models import TABLES

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """The area's records under access control (none yet)."""


def register_kinds(register: Callable[..., None]) -> None:
    """The area's interaction kinds (none)."""


def register_jobs(register: Callable[..., None]) -> None:
    """The area's scheduled jobs (none yet)."""


def register_reports(register: Callable[..., None]) -> None:
    """The area's reports (none yet)."""


def register_commands(group: click.Group) -> None:
    """``guanxi analytics churn …`` (none yet)."""


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """The area's part of the demo (none yet)."""


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing to do when interactions are logged."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """What the area holds about a customer (nothing yet)."""
    return {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Nothing personal to clear yet."""
