"""The loyalty area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Satisfaction and loyalty: NPS, CSAT and their trends from the survey answers in the log
(:mod:`guanxi_analytics.loyalty.surveys`); repeat rate and interval, referral counts and
loyalty-programme participation (:mod:`guanxi_analytics.loyalty.behaviour`). It stores
nothing: every figure is computed from the log when asked.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from guanxi.app import UnitOfWork
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.loyalty.models import TABLES
from guanxi_analytics.sections import ReportSection

__all__ = ["TABLES"]


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.nps``, ``analytics.csat``, ``analytics.loyalty``."""
    from guanxi_analytics.loyalty.reports import register_reports as register_all

    register_all(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics loyalty nps|csat|repeat|referrals|membership``."""
    from guanxi_analytics.loyalty.cli import loyalty

    group.add_command(loyalty)


def kpis() -> list[Kpi]:
    """``loyalty.nps``, ``loyalty.csat``, ``loyalty.csat_mean``, ``loyalty.repeat_rate``,
    ``loyalty.referrals``."""
    from guanxi_analytics.loyalty.reports import kpis as all_kpis

    return all_kpis()


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """NPS/CSAT trend (line), NPS composition (stacked bar), loyalty indicators (table)."""
    from guanxi_analytics.loyalty.reports import sections

    return sections(uow, period)
