"""The delivered area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Customer delivered value (顾客让渡价值): total customer value minus total customer cost,
from configurable components, per customer and segment; manual assessments of the
components the log does not show; the guard rule. The functions are in
:mod:`guanxi_analytics.delivered.service`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi_analytics.areas import ANALYSE
from guanxi_analytics.common import Period
from guanxi_analytics.delivered.models import TABLES, CdvAssessment
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.sections import ReportSection

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Assessments, visible with their customer; the note is personal."""
    register("analytics.cdv_assessment", CdvAssessment, customer_column="customer_id",
             personal_fields=("note",), grants=ANALYSE,
             description="an assessment of a component of a customer's delivered value")


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.cdv_customers``, ``analytics.cdv_segments``."""
    from guanxi_analytics.delivered.reports import register_reports as register_all

    register_all(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics delivered customers|segments|assess|assessments|guard``."""
    from guanxi_analytics.delivered.cli import delivered

    group.add_command(delivered)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Assessments of service, personnel, image and energy for a few demo customers."""
    from guanxi_analytics.delivered.reports import demo_assessments

    demo_assessments(uow, rng, customers)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's assessments, with their notes."""
    from guanxi_analytics.delivered.reports import personal_data as part

    return part(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the notes of the customer's assessments (the amounts stay)."""
    from guanxi_analytics.delivered.reports import erase_personal_data as erase

    erase(uow, customer_id)


def kpis() -> list[Kpi]:
    """``delivered.mean_cdv``."""
    from guanxi_analytics.delivered.service import mean_cdv

    return [Kpi(
        key="delivered.mean_cdv", label="mean customer delivered value", unit="amount",
        higher_is_better=True, compute=mean_cdv,
        description="mean over the period's customers of total customer value − total "
                    "customer cost",
        source="Kotler; REQUIREMENTS §5.6 [S004:383, S004:545]",
    )]


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """CDV by segment (bar) and the mean components by segment (stacked bar)."""
    from guanxi_analytics.delivered.reports import sections

    return sections(uow, period)
