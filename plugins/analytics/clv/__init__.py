"""The clv area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Customer lifetime value: BG/NBD (repeat purchases) and Gamma-Gamma (spend) fitted by
maximum likelihood from the interaction log, with expected purchases, probability alive
and CLV per customer, and a calibration/holdout check.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_analytics.clv.models import TABLES

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
    """``guanxi analytics clv …`` (none yet)."""


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """The area's part of the demo (none yet)."""


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing to do when interactions are logged."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """What the area holds about a customer (nothing yet)."""
    return {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Nothing personal to clear yet."""
