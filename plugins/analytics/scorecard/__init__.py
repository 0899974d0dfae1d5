"""The scorecard area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

The balanced scorecard (four perspectives, REQUIREMENTS §5.8) and the 7P views (§5.7),
fed by every area's KPIs and configurable per edition. Modules: :mod:`.card` (the
scorecard), :mod:`.processes` (disciplines, key processes, the chain), :mod:`.basics`
(the area's own KPIs), :mod:`.sevenp` (the 7P views), :mod:`.snapshots` (stored periods
and the monthly job), :mod:`.views` (reports and HTML sections), :mod:`.cli`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import click

from guanxi.app import App, UnitOfWork
from guanxi.records import CustomerRecord
from guanxi_analytics.areas import ANALYSE
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.scorecard.models import TABLES, ScorecardSnapshot
from guanxi_analytics.sections import ReportSection

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """The stored snapshots: company-wide figures, no customer column, nothing personal."""
    register("analytics.scorecard_snapshot", ScorecardSnapshot, grants=ANALYSE,
             description="the balanced scorecard stored per period (company-wide figures)")


def register_jobs(register: Callable[..., None]) -> None:
    """``analytics.scorecard_snapshot``: each night, store last month once (idempotent)."""
    from guanxi_analytics.scorecard.snapshots import JOB, run_snapshot_job

    register(JOB, run_snapshot_job, daily_at="01:30",
             description="store the previous month's balanced scorecard (once per month)")


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.scorecard`` and ``analytics.seven_p``."""
    from guanxi_analytics.scorecard.views import register_reports as register_views

    register_views(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics scorecard show|snapshot|history`` and ``guanxi analytics 7p``."""
    from guanxi_analytics.scorecard.cli import scorecard, seven_p_command

    group.add_command(scorecard)
    group.add_command(seven_p_command)


def kpis() -> list[Kpi]:
    """Revenue, growth, order value, active and new customers, new leads, customer
    knowledge."""
    from guanxi_analytics.scorecard.basics import basic_kpis

    return basic_kpis()


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """The scorecard and the 7P views."""
    from guanxi_analytics.scorecard.views import html_sections as sections

    return sections(uow, period)


def check_settings(app: App) -> None:
    """Start-up check: every required scorecard entry names a KPI some area provides."""
    from guanxi_analytics.scorecard.card import check_settings as check

    check(app)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Store the scorecard of the demo's last complete month, so history has a row."""
    from guanxi_analytics.scorecard.snapshots import last_month, take_snapshot

    take_snapshot(uow, last_month(uow.today()))
