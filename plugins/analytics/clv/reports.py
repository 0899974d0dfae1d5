"""The clv area's reports for ``guanxi report run`` and its KPIs for the scorecard.

Both read the stored fit and per-customer rows (ORM selects, so a user sees the figures of
the customers they may see); nothing here refits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi_analytics.clv.service import customer_rows, fit_dict, latest_fit, visible_figures
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi

SOURCE = ("BG/NBD: Fader, Hardie & Lee (2005), Marketing Science 24(2); Gamma-Gamma: "
          "Fader, Hardie & Lee (2005), JMR 42(4)")


def fit_report(uow: UnitOfWork) -> dict[str, Any]:
    """The latest fit with its parameters and holdout check (``{"fit": None}`` before one)."""
    fit = latest_fit(uow)
    if fit is None:
        return {"fit": None}
    return {"fit": to_jsonable(fit_dict(fit))}


def holdout_report(uow: UnitOfWork) -> dict[str, Any]:
    """The latest fit's holdout check in full: aggregate, by frequency, week by week."""
    fit = latest_fit(uow)
    return {"fit_id": fit.id if fit else None, "holdout": to_jsonable(fit.holdout) if fit
            else None}


def customers_report(uow: UnitOfWork, order: str = "clv", limit: int = 100,
                     alive_below: float | None = None) -> dict[str, Any]:
    """Customers by CLV (or ``p_alive`` / ``expected_purchases``), with the fit they
    come from."""
    fit = latest_fit(uow)
    rows = customer_rows(uow, order=order, limit=int(limit),
                         alive_below=None if alive_below is None else float(alive_below))
    return {"fit_id": fit.id if fit else None, "customers": to_jsonable(rows)}


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.clv_fit``, ``analytics.clv_holdout``, ``analytics.clv_customers``."""
    register("analytics.clv_fit", lambda uow, **o: fit_report(uow),
             description="the latest BG/NBD + Gamma-Gamma fit: parameters and holdout check")
    register("analytics.clv_holdout", lambda uow, **o: holdout_report(uow),
             description="predicted against actual holdout purchases, by frequency and week")
    register("analytics.clv_customers", lambda uow, **o: customers_report(uow, **o),
             description="customers by CLV with expected purchases and P(alive)")


def _mean_clv(uow: UnitOfWork, period: Period) -> float | None:
    clv, _ = visible_figures(uow)
    return round(float(clv.mean()), 2) if len(clv) else None


def _share_alive(uow: UnitOfWork, period: Period) -> float | None:
    _, alive = visible_figures(uow)
    return float(alive.mean()) if len(alive) else None


def kpis() -> list[Kpi]:
    """Mean CLV and mean P(alive) over the scored customers, as of the latest fit (the
    period is not used: the fit looks ahead from its end of observation)."""
    return [
        Kpi("clv.mean_clv", "Mean customer lifetime value", "amount", True, _mean_clv,
            description="mean CLV over the horizon of the scored customers (latest fit)",
            source=SOURCE),
        Kpi("clv.share_alive", "Customers still active (mean P(alive))", "ratio", True,
            _share_alive,
            description="mean BG/NBD probability alive of the scored customers (latest fit)",
            source=SOURCE),
    ]
