"""The pipeline area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Sales-cycle analytics from what sales logged: funnel conversion per stage, time in stage,
win rate, loss reasons and sales-cycle length (:mod:`guanxi_analytics.pipeline.service`).
The area stores nothing: every figure is computed from the interaction log on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from guanxi.app import UnitOfWork
from guanxi_analytics.common import Period
from guanxi_analytics.pipeline.models import TABLES

if TYPE_CHECKING:  # the views import the settings, which import this package
    from guanxi_analytics.kpi import Kpi
    from guanxi_analytics.sections import ReportSection

__all__ = ["TABLES", "html_sections", "kpis"]


def kpis() -> list[Kpi]:
    """The area's indicators for the scorecard (:func:`guanxi_analytics.pipeline.views.kpis`)."""
    from guanxi_analytics.pipeline.views import kpis as build

    return build()


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """The area's sections of the HTML report (see :mod:`guanxi_analytics.pipeline.views`)."""
    from guanxi_analytics.pipeline.views import html_sections as build

    return build(uow, period)


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.pipeline_funnel``, ``…_stages``, ``analytics.win_rate``, ``…sales_cycle``."""
    from guanxi_analytics.pipeline.views import register_reports as register_all

    register_all(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics pipeline funnel|stages|win-rate|reasons|cycle``."""
    from guanxi_analytics.pipeline.cli import pipeline

    group.add_command(pipeline)
