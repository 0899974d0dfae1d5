"""Fitting the CLV models to the interaction log, storing the results, reading them back.

:func:`fit_models` summarises the purchases (:mod:`.summary`), fits BG/NBD and
Gamma-Gamma on the calibration period (:mod:`.fitting`), checks the fit against the
holdout period (:mod:`.holdout`), then scores every customer with the fitted parameters
applied to the customer's whole history up to the end of observation, and replaces the
per-customer rows.

CLV (the simple discounted sum, as in ``lifetimes``' ``customer_lifetime_value``; not
Fader & Hardie's DERT, which needs the Pareto/NBD):

    CLV = margin × E[M] × Σ_{k=1..H} (E[Y(k)] − E[Y(k − 1)]) / (1 + d)^k

over the ``horizon_months`` months H, with E[Y(k)] the conditional expected purchases in
the next k months, E[M] the Gamma-Gamma expected spend per purchase and d the monthly
discount rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlmodel import col

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import ValidationError
from guanxi.models import Customer
from guanxi_analytics.clv import fitting
from guanxi_analytics.clv.common import CUSTOMER_CLV, MODEL_FIT
from guanxi_analytics.clv.holdout import holdout_check
from guanxi_analytics.clv.models import CustomerClv, ModelFit
from guanxi_analytics.clv.settings import UNIT_DAYS, ClvSettings
from guanxi_analytics.clv.summary import (
    Summary,
    day_date,
    purchase_days,
    summarise,
)
from guanxi_analytics.common import add_months

MONTH_DAYS = 365.2425 / 12


@dataclass(frozen=True)
class Scores:
    """Per-customer figures of a fit (arrays aligned with ``summary``)."""

    summary: Summary
    expected_purchases: np.ndarray
    p_alive: np.ndarray
    expected_spend: np.ndarray
    clv: np.ndarray


def analytics_settings(uow: UnitOfWork) -> Any:
    """The ``[analytics]`` settings (read from the application rather than through
    :mod:`guanxi_analytics.settings`, which imports every area's package)."""
    return uow.app.settings_for("analytics")


def clv_settings(uow: UnitOfWork) -> ClvSettings:
    """The ``[analytics.clv]`` settings."""
    settings: ClvSettings = analytics_settings(uow).clv
    return settings


def fit_summary(summary: Summary, settings: ClvSettings
                ) -> tuple[fitting.BgNbd, fitting.GammaGamma]:
    """BG/NBD over every customer and Gamma-Gamma over the repeat buyers with a positive
    mean spend; too few of either is a :class:`ValidationError` naming the number needed."""
    if len(summary) < settings.min_customers:
        raise ValidationError(
            "purchases", f"{len(summary)} customers with a purchase in the calibration "
            f"period; the CLV models need at least {settings.min_customers}")
    spenders = (summary.x > 0) & (np.nan_to_num(summary.m) > 0)
    if int(spenders.sum()) < settings.min_repeat_buyers:
        raise ValidationError(
            "purchases", f"{int(spenders.sum())} customers with a repeat purchase (of "
            f"positive value) in the calibration period; the CLV models need at least "
            f"{settings.min_repeat_buyers}")
    # Identical (x, t_x, T) customers share one likelihood term: fit the distinct ones.
    triples = np.stack([summary.x, summary.t_x, summary.T], axis=1)
    distinct, weights = np.unique(triples, axis=0, return_counts=True)
    bgnbd = fitting.fit_bgnbd(distinct[:, 0], distinct[:, 1], distinct[:, 2],
                              weights.astype(float))
    if abs(bgnbd.a - 1.0) < 1e-6:
        raise ValidationError("model", "the BG/NBD fit gave a = 1, where the expected "
                                       "purchases are undefined; add more purchase history")
    gamma = fitting.fit_gamma_gamma(summary.x[spenders], summary.m[spenders])
    if gamma.q <= 1.0:
        raise ValidationError(
            "model", f"the Gamma-Gamma fit gave q = {gamma.q:.3f} ≤ 1, where the mean "
                     "spend is unbounded; the spend data is too dispersed to fit")
    return bgnbd, gamma


def score(bgnbd: fitting.BgNbd, gamma: fitting.GammaGamma, summary: Summary,
          settings: ClvSettings) -> Scores:
    """Expected purchases over the horizon, P(alive), expected spend and CLV per customer."""
    unit = UNIT_DAYS[settings.time_unit]
    month = MONTH_DAYS / unit  # one month in time units
    x, t_x, T = summary.x, summary.t_x, summary.T
    horizon = settings.horizon_months
    cumulative = np.stack([
        fitting.expected_purchases(bgnbd, k * month, x, t_x, T) for k in range(horizon + 1)])
    monthly = np.diff(cumulative, axis=0)  # purchases expected in month k = 1 … H
    discount = (1.0 + settings.monthly_discount_rate) ** -np.arange(1, horizon + 1)
    spend = fitting.expected_spend(gamma, x, np.maximum(np.nan_to_num(summary.m), 0.0))
    clv = settings.margin * spend * (discount @ monthly)
    alive = fitting.p_alive(bgnbd, x, t_x, T)
    scores = Scores(summary, cumulative[-1], alive, spend, clv)
    for name in ("expected_purchases", "p_alive", "expected_spend", "clv"):
        if not np.all(np.isfinite(getattr(scores, name))):
            raise ValidationError("model", f"the fitted models give no finite {name} for some "
                                           "customers; the parameters are degenerate")
    return scores


def fit_models(
    uow: UnitOfWork,
    *,
    calibration_end: dt.date | None = None,
    observation_end: dt.date | None = None,
) -> ModelFit:
    """Fit BG/NBD and Gamma-Gamma, check them on the holdout, and score every customer.

    ``observation_end`` (default today) is the last local day of data read;
    ``calibration_end`` (default ``holdout_months`` before it) the last day the models are
    fitted on. The per-customer rows the principal may see are replaced by new ones.
    Raises :class:`ValidationError` on too little data, dates outside the data or a fit
    that does not converge; nothing is stored then.
    """
    require(uow, MODEL_FIT, "create")
    settings = analytics_settings(uow)
    clv = settings.clv
    today = uow.today()
    observation_end = observation_end or today
    if observation_end > today:
        raise ValidationError("observation_end", f"{observation_end} is after today ({today})")
    days = purchase_days(uow, settings.purchase_kinds, observation_end, uow.app.tz)
    if not len(days):
        raise ValidationError(
            "purchases", f"no purchases ({', '.join(settings.purchase_kinds)}) on or before "
            f"{observation_end}; the CLV models need at least {clv.min_customers} customers "
            "with one")
    first, last = day_date(days.day.min()), day_date(days.day.max())
    if calibration_end is None:
        calibration_end = add_months(observation_end, -clv.holdout_months)
        if calibration_end < first:
            raise ValidationError(
                "calibration_end", f"the default calibration end {calibration_end} "
                f"({clv.holdout_months} months of holdout) is before the first purchase "
                f"({first}); set holdout_months lower or give a calibration end")
    elif calibration_end < first:
        raise ValidationError(
            "calibration_end", f"{calibration_end} is before the first purchase ({first})")
    elif calibration_end > last:
        raise ValidationError(
            "calibration_end", f"{calibration_end} is after the last purchase ({last})")
    if calibration_end > observation_end:
        raise ValidationError("calibration_end", f"{calibration_end} is after the end of "
                                                 f"observation ({observation_end})")
    unit = UNIT_DAYS[clv.time_unit]
    calibration = summarise(days, calibration_end, unit)
    bgnbd, gamma = fit_summary(calibration, clv)
    holdout: dict[str, Any] = {}
    if calibration_end < observation_end:
        holdout = holdout_check(bgnbd, calibration, days, calibration_end, observation_end,
                                clv)
    scores = score(bgnbd, gamma, summarise(days, observation_end, unit), clv)
    spenders = (calibration.x > 0) & (np.nan_to_num(calibration.m) > 0)
    correlation = (float(np.corrcoef(calibration.x[spenders], calibration.m[spenders])[0, 1])
                   if spenders.sum() > 2 and np.std(calibration.m[spenders]) > 0 else None)
    params: dict[str, Any] = {
        **bgnbd.as_dict(), **gamma.as_dict(), "time_unit": clv.time_unit,
        "horizon_months": clv.horizon_months, "margin": clv.margin,
        "monthly_discount_rate": clv.monthly_discount_rate,
        "gg_customers": int(spenders.sum()),
        # Gamma-Gamma assumes spend independent of frequency: near 0 is what it needs.
        "frequency_monetary_correlation": correlation,
    }
    fit = ModelFit(
        fitted_at=uow.now, calibration_start=first, calibration_end=calibration_end,
        observation_end=observation_end, customers=len(calibration),
        repeat_buyers=int((calibration.x > 0).sum()), params=params, holdout=holdout,
    )
    uow.session.add(fit)
    uow.session.flush()
    assert fit.id is not None
    _replace_rows(uow, fit.id, scores)
    return fit


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))


def _replace_rows(uow: UnitOfWork, fit_id: int, scores: Scores) -> None:
    """Delete the CLV rows the principal may see and those of the scored customers, then
    insert one row per scored customer (CustomerClv is derived data, not audited)."""
    table = CustomerClv.__table__  # type: ignore[attr-defined]
    visible = set(uow.session.execute(select(col(CustomerClv.customer_id))).scalars())
    scored = [int(c) for c in scores.summary.customer_id]
    connection = uow.session.connection()
    for ids in chunks(sorted(visible | set(scored))):
        connection.execute(delete(table).where(table.c.customer_id.in_(ids)))
    s = scores.summary
    rows = [
        {"customer_id": int(s.customer_id[i]), "fit_id": fit_id, "frequency": int(s.x[i]),
         "recency": float(s.t_x[i]), "age": float(s.T[i]),
         "monetary": _money(s.m[i]) if s.x[i] > 0 else None,
         "expected_purchases": float(scores.expected_purchases[i]),
         "p_alive": float(scores.p_alive[i]), "clv": _money(scores.clv[i]),
         "computed_at": uow.now}
        for i in range(len(s))
    ]
    for batch in chunks(rows, 1000):
        connection.execute(insert(table), list(batch))
    uow.session.expire_all()


def latest_fit(uow: UnitOfWork) -> ModelFit | None:
    """The most recent fit, or ``None`` before the first."""
    require(uow, MODEL_FIT, "read")
    query = select(ModelFit).order_by(col(ModelFit.id).desc()).limit(1)
    return uow.session.execute(query).scalars().first()


def require_fit(uow: UnitOfWork) -> ModelFit:
    """The most recent fit; none yet is a :class:`ValidationError` saying how to make one."""
    fit = latest_fit(uow)
    if fit is None:
        raise ValidationError("fit", "no CLV fit yet: run `guanxi analytics clv fit`")
    return fit


ORDERS = {"clv": CustomerClv.clv, "p_alive": CustomerClv.p_alive,
          "expected_purchases": CustomerClv.expected_purchases}


def customer_rows(
    uow: UnitOfWork, *, order: str = "clv", ascending: bool = False, limit: int | None = 100,
    alive_below: float | None = None, customer_id: int | None = None,
) -> list[dict[str, Any]]:
    """The CLV rows the principal may see, with the customer's name, best first.

    ``order`` is ``clv``, ``p_alive`` or ``expected_purchases``; ``alive_below`` keeps
    customers whose P(alive) is below it (the at-risk list).
    """
    require(uow, CUSTOMER_CLV, "read")
    if order not in ORDERS:
        raise ValidationError("order", f"unknown order {order!r} (one of {', '.join(ORDERS)})")
    if alive_below is not None and not 0 <= alive_below <= 1:
        raise ValidationError("alive_below", "must be a probability between 0 and 1")
    if limit is not None and limit < 1:
        raise ValidationError("limit", "must be at least 1")
    column = col(ORDERS[order])
    query = (select(CustomerClv, col(Customer.name))
             .join(Customer, col(Customer.id) == col(CustomerClv.customer_id))
             .order_by(column.asc() if ascending else column.desc(),
                       col(CustomerClv.customer_id)))
    if alive_below is not None:
        query = query.where(col(CustomerClv.p_alive) < alive_below)
    if customer_id is not None:
        query = query.where(col(CustomerClv.customer_id) == customer_id)
    if limit is not None:
        query = query.limit(limit)
    return [row_dict(row, name) for row, name in uow.session.execute(query).all()]


def row_dict(row: CustomerClv, name: str | None) -> dict[str, Any]:
    """A CLV row as plain values (probabilities and counts rounded for reading)."""
    return {
        "customer_id": row.customer_id, "customer": name, "frequency": row.frequency,
        "recency": round(row.recency, 2), "age": round(row.age, 2), "monetary": row.monetary,
        "expected_purchases": round(row.expected_purchases, 3),
        "p_alive": round(row.p_alive, 3), "clv": row.clv, "fit_id": row.fit_id,
        "computed_at": row.computed_at,
    }


def visible_figures(uow: UnitOfWork) -> tuple[np.ndarray, np.ndarray]:
    """CLV and P(alive) of every CLV row the principal may see (for the KPIs, charts)."""
    rows = uow.session.execute(
        select(col(CustomerClv.clv), col(CustomerClv.p_alive))).all()
    clv = np.array([float(c) if c is not None else 0.0 for c, _ in rows])
    alive = np.array([p for _, p in rows], dtype=float)
    return clv, alive


def fit_dict(fit: ModelFit) -> dict[str, Any]:
    """A fit as plain values (without the holdout detail)."""
    return {
        "id": fit.id, "fitted_at": fit.fitted_at, "calibration_start": fit.calibration_start,
        "calibration_end": fit.calibration_end, "observation_end": fit.observation_end,
        "customers": fit.customers, "repeat_buyers": fit.repeat_buyers,
        "params": dict(fit.params),
        "holdout": {k: v for k, v in (fit.holdout or {}).items()
                    if k not in ("by_frequency", "tracking")},
    }
