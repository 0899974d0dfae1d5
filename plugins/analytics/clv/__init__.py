"""The clv area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

Customer lifetime value: BG/NBD (repeat purchases) and Gamma-Gamma (spend) fitted by
maximum likelihood from the interaction log, with expected purchases, probability alive
and CLV per customer, and a calibration/holdout check. The models are in
:mod:`guanxi_analytics.clv.fitting`, the fit and the stored figures in
:mod:`guanxi_analytics.clv.service`.
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
from guanxi_analytics.clv.common import CUSTOMER_CLV, MODEL_FIT
from guanxi_analytics.clv.models import TABLES, CustomerClv, ModelFit
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.sections import ReportSection

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Model fits (no customer data) and each customer's CLV figures (visible with the
    customer; derived numbers, so not audited row by row — a fit is)."""
    register(MODEL_FIT, ModelFit, grants=ANALYSE,
             description="a fit of the BG/NBD and Gamma-Gamma CLV models, with its holdout check")
    register(CUSTOMER_CLV, CustomerClv, customer_column="customer_id", grants=ANALYSE,
             audited=False,
             description="a customer's expected purchases, probability alive and CLV")


def _fit_job(uow: UnitOfWork, due_at: dt.datetime) -> None:
    """Refit; too little data yet (a young or empty database) is no failure: the job
    tries again next week. A fit that does not converge does fail, to be looked at."""
    from guanxi.errors import ValidationError
    from guanxi_analytics.clv.service import fit_models

    try:
        fit_models(uow, observation_end=due_at.astimezone(uow.app.tz).date())
    except ValidationError as exc:
        if exc.field not in ("purchases", "calibration_end"):
            raise


def register_jobs(register: Callable[..., None]) -> None:
    """``analytics.clv_fit``: refit the models and rescore every customer, weekly."""
    register("analytics.clv_fit", _fit_job, every=dt.timedelta(days=7),
             description="refit the BG/NBD and Gamma-Gamma CLV models and rescore customers")


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.clv_fit``, ``analytics.clv_customers``, ``analytics.clv_holdout``."""
    from guanxi_analytics.clv import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics clv …``."""
    from guanxi_analytics.clv.cli import clv

    group.add_command(clv)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Fit the models over the demo's purchases when there are enough (else skip)."""
    from guanxi_analytics.clv.demo import generate_demo

    generate_demo(uow, rng, customers)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's CLV figures."""
    from guanxi_analytics.clv import privacy

    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Delete the customer's CLV row (fits hold only aggregates)."""
    from guanxi_analytics.clv import privacy

    privacy.erase_personal_data(uow, customer_id)


def kpis() -> list[Kpi]:
    """``clv.mean_clv`` and ``clv.share_alive`` (as of the latest fit)."""
    from guanxi_analytics.clv.reports import kpis as build

    return build()


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """The CLV distribution, the holdout check and the P(alive) distribution."""
    from guanxi_analytics.clv.sections import sections

    return sections(uow, period)
