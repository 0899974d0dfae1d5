"""The kpis area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Campaign and service KPIs from what marketing and service logged: campaign response,
conversion, attribution and ROI (:mod:`guanxi_analytics.kpis.campaigns`); SLA compliance,
on-time repairs, complaint resolution and first-contact resolution
(:mod:`guanxi_analytics.kpis.service`). The area stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from guanxi.app import UnitOfWork
from guanxi_analytics.common import Period
from guanxi_analytics.kpis.models import TABLES

if TYPE_CHECKING:  # the views import the settings, which import this package
    from guanxi_analytics.kpi import Kpi
    from guanxi_analytics.sections import ReportSection

__all__ = ["TABLES", "html_sections", "kpis"]


def kpis() -> list[Kpi]:
    """The area's indicators for the scorecard (:func:`guanxi_analytics.kpis.views.kpis`)."""
    from guanxi_analytics.kpis.views import kpis as build

    return build()


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """The area's sections of the HTML report (see :mod:`guanxi_analytics.kpis.views`)."""
    from guanxi_analytics.kpis.views import html_sections as build

    return build(uow, period)


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.campaign_kpis``, ``analytics.attribution``, ``analytics.service_kpis``."""
    from guanxi_analytics.kpis.views import register_reports as register_all

    register_all(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics kpis campaigns|attribution|service|sla``."""
    from guanxi_analytics.kpis.cli import kpis as kpis_group

    group.add_command(kpis_group)
