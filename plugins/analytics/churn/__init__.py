"""The churn area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Churn and retention: monthly acquisition cohorts and the retention matrix
(:mod:`.cohorts`), retention and churn rates per month, quarter or year, the monthly
threshold alert of REQUIREMENTS §7.3.1 and the sudden-drop outlier alert
(:mod:`.alerts`), the churn-cause breakdown, and the churn-risk list ordered by
probability alive (:mod:`.risk`). Reports, KPIs and HTML sections are in :mod:`.reports`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi_analytics.areas import ANALYSE
from guanxi_analytics.churn.models import TABLES, ChurnAlert, SpendThreshold

__all__ = ["TABLES", "html_sections", "kpis"]


def register_entities(register: Callable[..., None]) -> None:
    """Alerts and thresholds, visible with their customer; an alert's note is personal."""
    register("analytics.churn_alert", ChurnAlert, customer_column="customer_id",
             personal_fields=("note",), grants=ANALYSE,
             description="a churn alert (threshold or sudden drop) on a customer's month")
    register("analytics.spend_threshold", SpendThreshold, customer_column="customer_id",
             grants=ANALYSE, description="a customer's own monthly spend/count threshold")


def _alerts_job(uow: UnitOfWork, due_at: dt.datetime) -> None:
    from guanxi_analytics.churn.alerts import run_job

    run_job(uow, due_at)


def register_jobs(register: Callable[..., None]) -> None:
    """``analytics.churn_alerts``: daily, checks the month just ended (idempotent)."""
    register("analytics.churn_alerts", _alerts_job, daily_at="03:30",
             description="raise threshold and sudden-drop churn alerts for the month just "
                         "ended")


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.cohorts``, ``analytics.retention``, ``analytics.churn_alerts``,
    ``analytics.churn_causes``, ``analytics.churn_risk``."""
    from guanxi_analytics.churn import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics churn …``."""
    from guanxi_analytics.churn.cli import churn

    group.add_command(churn)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Raise the churn alerts of the demo's last complete month."""
    from guanxi_analytics.churn.alerts import last_complete_month, raise_alerts

    raise_alerts(uow, last_complete_month(uow, uow.now))


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's threshold and churn alerts."""
    from guanxi_analytics.churn import privacy

    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the notes on the customer's alerts (figures stay for the aggregates)."""
    from guanxi_analytics.churn import privacy

    privacy.erase_personal_data(uow, customer_id)


def kpis() -> list[Any]:
    """``churn.retention_rate``, ``churn.churn_rate``, ``churn.open_alerts``."""
    from guanxi_analytics.churn.reports import kpis as build

    return build()


def html_sections(uow: UnitOfWork, period: Any) -> list[Any]:
    """The cohort heatmap, the retention trend, alerts by month, the top churn risks."""
    from guanxi_analytics.churn.reports import html_sections as build

    return build(uow, period)
