"""The loyalty area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Satisfaction and loyalty: NPS, CSAT and their trends from the survey answers in the log
(:mod:`guanxi_analytics.loyalty.surveys`); repeat rate and interval, referral counts and
loyalty-programme participation (:mod:`guanxi_analytics.loyalty.behaviour`). It stores
nothing: every figure is computed from the log when asked.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.loyalty.models import TABLES
from guanxi_analytics.sections import ReportSection

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """No records of its own: it reads the interaction log under its record policies."""


def register_kinds(register: Callable[..., None]) -> None:
    """The area's interaction kinds (none)."""


def register_jobs(register: Callable[..., None]) -> None:
    """None: nothing is stored."""


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.nps``, ``analytics.csat``, ``analytics.loyalty``."""
    from guanxi_analytics.loyalty.reports import register_reports as register_all

    register_all(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics loyalty nps|csat|repeat|referrals|membership``."""
    from guanxi_analytics.loyalty.cli import loyalty

    group.add_command(loyalty)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Nothing to add: the figures come from what the other plugins' demos logged."""


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing to do when interactions are logged."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """Nothing: the area holds no data of its own."""
    return {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Nothing to clear: the area holds no data of its own."""


def kpis() -> list[Kpi]:
    """``loyalty.nps``, ``loyalty.csat``, ``loyalty.csat_mean``, ``loyalty.repeat_rate``,
    ``loyalty.referrals``."""
    from guanxi_analytics.loyalty.reports import kpis as all_kpis

    return all_kpis()


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """NPS/CSAT trend (line), NPS composition (stacked bar), loyalty indicators (table)."""
    from guanxi_analytics.loyalty.reports import sections

    return sections(uow, period)
