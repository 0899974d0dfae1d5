"""The analytics plugin object: its metadata and the hooks that ask every area in turn.

The ``guanxi.plugins`` entry point names :data:`hooks`, an :class:`AnalyticsPlugin` over
the areas of :data:`guanxi_analytics.areas.AREA_NAMES`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import click

from guanxi import Plugin, hookimpl
from guanxi.app import App, UnitOfWork
from guanxi.areas import AreaPlugin
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_analytics import __version__, hookspecs
from guanxi_analytics.areas import AREA_NAMES
from guanxi_analytics.settings import AnalyticsSettings

plugin = Plugin(
    name="analytics",
    version=__version__,
    description="customer analytics: value, RFM, CLV, churn, loyalty, KPIs, scorecard, reports",
    hookspecs=hookspecs,
)


@click.group()
def analytics() -> None:
    """Customer analytics: value tiers, RFM, CLV, churn, loyalty, KPIs, scorecard, reports."""


class AnalyticsPlugin(AreaPlugin):
    """The area hooks, with the demo step run after every other plugin's, the start-up
    check of the scorecard settings, the analytics section of the customer 360 view, and
    the plugin's HTTP API and console pages."""

    @hookimpl(trylast=True)
    def demo_data(
        self, uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]
    ) -> None:
        """Every area's part of the demo: analyses over what the other plugins logged,
        so it runs last."""
        super().demo_data(uow, rng, customers)

    @hookimpl
    def app_ready(self, app: App) -> None:
        """Stop at start-up when the scorecard names a KPI or field no area provides."""
        from guanxi_analytics.scorecard import check_settings

        check_settings(app)

    @hookimpl
    def customer_360_sections(self, uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
        """The customer's value tier, RFM segment, CLV, probability alive and alerts."""
        from guanxi_analytics.section import customer_section

        return customer_section(uow, customer)

    @hookimpl
    def register_routes(self, register: Callable[..., None]) -> None:
        """``/api/analytics/reports…`` and the console's analysis pages (``/analytics``)."""
        from guanxi_analytics import web  # late: only the web application loads it

        web.register(register)


hooks = AnalyticsPlugin(
    plugin,
    package="guanxi_analytics",
    area_names=AREA_NAMES,
    settings=AnalyticsSettings,
    group=analytics,
    root=Path(__file__).parent,
)
