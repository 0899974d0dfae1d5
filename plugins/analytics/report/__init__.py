"""The report area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

The self-contained HTML report (``guanxi analytics report --out FILE.html``): every
area's :class:`~guanxi_analytics.sections.ReportSection` list rendered with Jinja2
(template ``analytics/report.html``), charts as inline SVG drawn in Python
(:mod:`guanxi_analytics.report.charts`, :mod:`guanxi_analytics.report.shapes`), no
network. It stores nothing: the report is computed on demand inside the caller's unit of
work, so record policies apply to everything in it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_analytics.report.models import TABLES

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Nothing to register: the report stores no records."""


def register_kinds(register: Callable[..., None]) -> None:
    """The area's interaction kinds (none)."""


def register_jobs(register: Callable[..., None]) -> None:
    """No jobs: the report is rendered on demand."""


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.report``: the sections the HTML report of a period holds."""
    from guanxi_analytics.report.reports import register_reports as register_own

    register_own(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics report --out FILE.html [--from --to] [--section KEY …]``."""
    from guanxi_analytics.report.cli import report

    group.add_command(report)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Nothing stored for the demo: ``guanxi analytics report`` renders it on demand."""


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing to do when interactions are logged."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The report area holds nothing about a customer (reports are not stored)."""
    return {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Nothing personal to clear: reports are not stored."""
