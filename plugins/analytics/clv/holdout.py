"""The calibration/holdout check of a BG/NBD fit (Fader, Hardie & Lee 2005, §4).

Customers whose first purchase is in the calibration period are followed into the
holdout period (calibration end, observation end]:

* **aggregate**: Σ E[Y(t) | x, t_x, T] against the purchase days they actually made;
* **by frequency** (the paper's Figure 4): customers grouped by calibration frequency
  0, 1, …, n−1 and n+, mean predicted against mean actual holdout purchases;
* **tracking** (the paper's Figures 2 and 3): cumulative repeat purchases of that cohort
  over time, actual against the model's Σ_i E[X(τ − s_i)] (s_i the first purchase).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from guanxi_analytics.clv import fitting
from guanxi_analytics.clv.settings import UNIT_DAYS, ClvSettings
from guanxi_analytics.clv.summary import (
    PurchaseDays,
    Summary,
    day_date,
    day_number,
    holdout_counts,
)

# At most this many points on the tracking line (weekly steps, widened for long data).
TRACKING_POINTS = 104


def holdout_check(
    model: fitting.BgNbd, calibration: Summary, days: PurchaseDays,
    calibration_end: dt.date, observation_end: dt.date, settings: ClvSettings,
) -> dict[str, Any]:
    """The holdout check as plain values, for ``ModelFit.holdout`` and the reports."""
    unit = UNIT_DAYS[settings.time_unit]
    length = (observation_end - calibration_end).days / unit
    predicted = fitting.expected_purchases(model, length, calibration.x, calibration.t_x,
                                           calibration.T)
    actual = holdout_counts(days, calibration.customer_id, calibration_end, observation_end)
    total_actual, total_predicted = float(actual.sum()), float(predicted.sum())
    groups = settings.frequency_groups
    by_frequency = []
    for group in range(groups + 1):
        members = (calibration.x == group) if group < groups else (calibration.x >= groups)
        count = int(members.sum())
        by_frequency.append({
            "frequency": str(group) if group < groups else f"{groups}+",
            "customers": count,
            "actual_mean": round(float(actual[members].mean()), 4) if count else None,
            "predicted_mean": round(float(predicted[members].mean()), 4) if count else None,
        })
    return {
        "calibration_end": calibration_end.isoformat(),
        "observation_end": observation_end.isoformat(),
        "length": round(length, 4), "time_unit": settings.time_unit,
        "customers": len(calibration),
        "actual": total_actual, "predicted": round(total_predicted, 4),
        "error": (round((total_predicted - total_actual) / total_actual, 4)
                  if total_actual else None),
        "mean_absolute_error": round(float(np.abs(predicted - actual).mean()), 4),
        "by_frequency": by_frequency,
        "tracking": tracking(model, calibration, days, calibration_end, observation_end,
                             unit),
    }


def tracking(
    model: fitting.BgNbd, calibration: Summary, days: PurchaseDays,
    calibration_end: dt.date, observation_end: dt.date, unit: float,
) -> dict[str, Any]:
    """Cumulative repeat purchase days of the calibration cohort, actual and predicted,
    at the end of every step (a week, or several when the data spans years)."""
    start = int(calibration.first_day.min())
    end = day_number(observation_end)
    step = 7 * max(1, math.ceil((end - start + 1) / 7 / TRACKING_POINTS))
    points = np.arange(start + step - 1, end + step, step)
    points[-1] = min(points[-1], end)
    points = np.unique(points)
    # Actual: the cohort's purchase days that are not a customer's first.
    cohort = np.isin(days.customer, calibration.customer_id)
    customer, day = days.customer[cohort], days.day[cohort]
    repeat = np.ones(len(day), dtype=bool)
    repeat[np.unique(customer, return_index=True)[1]] = False
    actual = np.searchsorted(np.sort(day[repeat]), points, side="right")
    # Predicted: E[X(τ − s)] summed over customers, grouped by first purchase day s.
    firsts, counts = np.unique(calibration.first_day, return_counts=True)
    age = np.maximum(points[:, None] - firsts[None, :], 0) / unit
    predicted = fitting.expected_purchases_unconditional(model, age) @ counts
    return {
        "labels": [day_date(p).isoformat() for p in points],
        "actual": [int(a) for a in actual],
        "predicted": [round(float(p), 2) for p in predicted],
        "calibration_end": calibration_end.isoformat(),
    }
