"""The clv area's sections of the HTML report: data for the charts, never markup."""

from __future__ import annotations

import numpy as np

from guanxi.app import UnitOfWork
from guanxi_analytics.clv.service import latest_fit, visible_figures
from guanxi_analytics.common import Period
from guanxi_analytics.sections import Chart, ReportSection, Table

NO_FIT = ("no CLV fit yet: run `guanxi analytics clv fit` once there are enough customers "
          "with repeat purchases (the weekly job analytics.clv_fit does it too)")
CLV_FORMULA = ("CLV = margin × E[M] × Σ_k (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k over the horizon's "
               "months; E[Y] is the BG/NBD conditional expectation (Fader, Hardie & Lee 2005, "
               "eq. 10), E[M] the Gamma-Gamma expected spend p(γ + m̄x)/(px + q − 1) "
               "(Fader, Hardie & Lee 2005, JMR; Fader & Hardie 2013)")
ALIVE_FORMULA = ("P(alive) = 1 / (1 + δ_{x>0} · a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x)) "
                 "(Fader, Hardie & Lee 2005; 2008 note)")
HOLDOUT_FORMULA = ("predicted = Σ_i E[X(τ − s_i)] over the calibration cohort, E[X(t)] = "
                   "(a + b − 1)/(a − 1) · [1 − (α/(α + t))^r · 2F1(r, b; a + b − 1; t/(α + t))]"
                   " (Fader, Hardie & Lee 2005, eq. 9, Figures 2–4)")


def sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """CLV deciles, the holdout check and the P(alive) distribution of the latest fit."""
    fit = latest_fit(uow)
    clv, alive = visible_figures(uow)
    keys = ("clv.distribution", "clv.holdout", "clv.p_alive")
    titles = ("Customer lifetime value by decile", "CLV model: holdout check",
              "Probability alive")
    if fit is None or not len(clv):
        return [ReportSection(key, title, empty=NO_FIT) for key, title in zip(
            keys, titles, strict=True)]
    horizon = fit.params.get("horizon_months")
    return [_deciles(clv, horizon, keys[0], titles[0]), _holdout(fit, keys[1], titles[1]),
            _alive(alive, keys[2], titles[2])]


def _deciles(clv: np.ndarray, horizon: object, key: str, title: str) -> ReportSection:
    ordered = np.sort(clv)[::-1]
    parts = [part for part in np.array_split(ordered, 10) if len(part)]
    labels = [f"D{i + 1}" for i in range(len(parts))]
    means = [round(float(part.mean()), 2) for part in parts]
    total = float(ordered.sum())
    shares = [round(float(part.sum()) / total, 4) if total else None for part in parts]
    top = shares[0] if shares and shares[0] is not None else 0.0
    return ReportSection(
        key, title,
        summary=(f"{len(clv)} customers scored; mean CLV {ordered.mean():.2f} over the next "
                 f"{horizon} months; the top decile holds {top:.0%} of the total."),
        chart=Chart("bar", labels=labels, series={"mean CLV": means}, unit="CNY",
                    x_label="decile (D1 = most valuable)", y_label="mean CLV"),
        table=Table(["decile", "customers", "mean CLV", "share of total"],
                    [[label, len(part), mean, share] for label, part, mean, share
                     in zip(labels, parts, means, shares, strict=True)]),
        formula=CLV_FORMULA,
    )


def _holdout(fit: object, key: str, title: str) -> ReportSection:
    check = getattr(fit, "holdout", None) or {}
    if not check:
        return ReportSection(key, title, empty=(
            "the latest fit has no holdout period: fit with a calibration end before the "
            "end of observation (holdout_months > 0)"))
    track = check["tracking"]
    error = "" if check["error"] is None else f" ({check['error']:+.1%})"
    return ReportSection(
        key, title,
        summary=(f"Fitted to {check['calibration_end']}, checked to {check['observation_end']}: "
                 f"{check['predicted']:.1f} purchases predicted against {check['actual']:.0f} "
                 f"made{error}, by {check['customers']} customers."),
        chart=Chart("line", labels=track["labels"],
                    series={"actual": track["actual"], "predicted": track["predicted"]},
                    x_label="week ending", y_label="cumulative repeat purchases"),
        table=Table(["calibration frequency", "customers", "actual (mean)", "predicted (mean)"],
                    [[g["frequency"], g["customers"], g["actual_mean"], g["predicted_mean"]]
                     for g in check["by_frequency"]]),
        formula=HOLDOUT_FORMULA,
    )


def _alive(alive: np.ndarray, key: str, title: str) -> ReportSection:
    counts, edges = np.histogram(alive, bins=10, range=(0.0, 1.0))
    labels = [f"{edges[i]:.1f}–{edges[i + 1]:.1f}" for i in range(10)]
    at_risk = float((alive < 0.5).mean())
    return ReportSection(
        key, title,
        summary=(f"Mean P(alive) {alive.mean():.2f}; {at_risk:.0%} of scored customers are "
                 "more likely gone than active (P(alive) < 0.5)."),
        chart=Chart("bar", labels=labels, series={"customers": [int(c) for c in counts]},
                    x_label="P(alive)", y_label="customers"),
        formula=ALIVE_FORMULA,
    )
