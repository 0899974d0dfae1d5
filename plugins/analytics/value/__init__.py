"""The value area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Customer value: revenue, cost-to-serve and margin per customer and period; value tiers,
ABC (Pareto) and concentration, revenue × cost-to-serve quadrants, the four-quadrant member
model (知己 / 蝴蝶 / 藤壶 / 过客) and RFM scores and segments.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import delete
from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_analytics.areas import ANALYSE
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.sections import ReportSection
from guanxi_analytics.value.models import ENTITY, TABLES, CustomerValue

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Each customer's stored value classification, visible with the customer."""
    register(ENTITY, CustomerValue, customer_column="customer_id", grants=ANALYSE,
             description="a customer's value tier, ABC class, quadrant, member class and "
             "RFM segment of the last refresh")


def register_kinds(register: Callable[..., None]) -> None:
    """The area's interaction kinds (none: it reads what others log)."""


def register_jobs(register: Callable[..., None]) -> None:
    """``analytics.value_refresh``, nightly: store every customer's value."""
    from guanxi_analytics.value.reports import JOB, run_refresh

    register(JOB, run_refresh, daily_at="02:30",
             description="recompute every customer's value tier, ABC class, quadrant, "
             "member class and RFM segment over the default period")


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.value_distribution`` and ``analytics.value_concentration``."""
    from guanxi_analytics.value.reports import register_reports as register_value_reports

    register_value_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics value …``."""
    from guanxi_analytics.value.cli import value

    group.add_command(value)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Store the value of every demo customer over the default period."""
    from guanxi_analytics.value.store import refresh_values

    refresh_values(uow)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: values are recomputed by the nightly refresh, not per interaction."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's stored value classification."""
    row = uow.session.exec(
        select(CustomerValue).where(col(CustomerValue.customer_id) == customer_id)).first()
    return {} if row is None else {"analytics_customer_value": row.model_dump()}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Delete the stored classification (a profile of the person); the interactions it
    was computed from are kept by the core for aggregates, and later refreshes leave
    erased customers out."""
    uow.session.execute(delete(CustomerValue).where(
        col(CustomerValue.customer_id) == customer_id))


def kpis() -> list[Kpi]:
    """Revenue concentration, margin per customer, high- and negative-value shares."""
    from guanxi_analytics.value.reports import kpis as value_kpis

    return value_kpis()


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """Tiers, ABC and Lorenz curve, quadrants, member model and RFM segments."""
    from guanxi_analytics.value.reports import html_sections as value_sections

    return value_sections(uow, period)
