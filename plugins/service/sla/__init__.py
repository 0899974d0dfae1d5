"""The sla area of the service plugin (interface: :class:`guanxi.areas.Area`).

SLA policies: first-response and resolution targets per type, priority and customer
tier on business-hours and holiday calendars, paused while waiting on the customer;
warnings before a deadline and escalation on breach (a job); compliance per team.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_service.sla.models import TABLES

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """(to be written)"""


def register_kinds(register: Callable[..., None]) -> None:
    """(to be written)"""


def register_jobs(register: Callable[..., None]) -> None:
    """(to be written)"""


def register_reports(register: Callable[..., None]) -> None:
    """(to be written)"""


def register_commands(group: click.Group) -> None:
    """(to be written)"""


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """(to be written)"""


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """(to be written)"""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """(to be written)"""
    return {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """(to be written)"""
