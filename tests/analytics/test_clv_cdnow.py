"""The published CDNOW results, reproduced from the interaction log (issue 7).

The CDNOW sample (2,357 customers, 6,919 transactions, in the installed ``lifetimes``
package) is imported as ``core.purchase`` interactions and fitted with calibration end
1997-09-30 in weeks. Fader, Hardie & Lee (2005) publish BG/NBD r = 0.243, α = 4.414,
a = 0.793, b = 2.426, and Gamma-Gamma over the 946 repeat buyers p = 6.25, q = 3.74,
γ = 15.44. ``lifetimes`` is used here only as an independent check of the per-customer
figures and of the holdout counts.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data
from sqlalchemy import select

from guanxi.app import App
from guanxi_analytics.clv.models import CustomerClv
from guanxi_analytics.clv.service import MONTH_DAYS, fit_models
from tests.analytics.clv_support import (
    CALIBRATION_END,
    OBSERVATION_END,
    cdnow_rows,
    import_purchases,
)


@pytest.fixture(scope="module")
def rows() -> list:
    return cdnow_rows()


def fit_cdnow(app: App, rows: list) -> tuple[SimpleNamespace, dict[str, int]]:
    """Import the sample, fit it, and return the fit's values and the customer ids."""
    ids = import_purchases(app, rows)
    with app.transaction() as uow:
        fit = fit_models(uow, calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END)
        values = SimpleNamespace(customers=fit.customers, repeat_buyers=fit.repeat_buyers,
                                 params=dict(fit.params), holdout=dict(fit.holdout))
    return values, ids


def test_the_sample_is_what_the_issue_describes(rows: list) -> None:
    assert len(rows) == 6919 and len({r[0] for r in rows}) == 2357


def test_the_published_parameters_are_reproduced_from_the_log(analytics_app: App, rows: list
                                                              ) -> None:
    fit, ids = fit_cdnow(analytics_app, rows)
    params = fit.params
    print({k: params[k] for k in ("r", "alpha", "a", "b", "p", "q", "gamma")})
    assert (fit.customers, fit.repeat_buyers, params["gg_customers"]) == (2357, 946, 946)
    assert [round(params[k], 3) for k in ("r", "alpha", "a", "b")] == [
        0.243, 4.414, 0.793, 2.426]
    # The Gamma-Gamma values are published to two decimals.
    assert [round(params[k], 2) for k in ("p", "q", "gamma")] == [6.25, 3.74, 15.44]
    assert params["bgnbd_log_likelihood"] == pytest.approx(-9582.43, abs=0.01)  # the paper's LL
    agree_with_lifetimes(analytics_app, fit, ids, rows)


def _frame(rows: list) -> pd.DataFrame:
    return pd.DataFrame({"id": [r[0] for r in rows], "date": pd.to_datetime([r[1] for r in rows]),
                         "value": [float(r[2]) for r in rows]})


def agree_with_lifetimes(app: App, fit: SimpleNamespace, ids: dict[str, int], rows: list
                         ) -> None:
    """The stored per-customer figures and the holdout check, against ``lifetimes``
    functions given the same parameters and its own summary of the same transactions."""
    params = fit.params
    reference = BetaGeoFitter()
    reference.params_ = pd.Series({k: params[k] for k in ("r", "alpha", "a", "b")})
    # The stored figures score each customer's whole history to the end of observation.
    full = summary_data_from_transaction_data(
        _frame(rows), "id", "date", observation_period_end=str(OBSERVATION_END), freq="D",
        freq_multiplier=7)
    horizon = params["horizon_months"] * MONTH_DAYS / 7
    alive = reference.conditional_probability_alive(full.frequency, full.recency, full["T"])
    expected = reference.conditional_expected_number_of_purchases_up_to_time(
        horizon, full.frequency, full.recency, full["T"])
    with app.transaction() as uow:
        stored = {r.customer_id: r for r in uow.session.execute(select(CustomerClv)).scalars()}
    assert len(stored) == 2357
    ours = [stored[ids[name]] for name in full.index]
    assert [r.frequency for r in ours] == full.frequency.astype(int).tolist()
    assert np.allclose([r.p_alive for r in ours], alive, rtol=1e-9, atol=1e-12)
    assert np.allclose([r.expected_purchases for r in ours], expected, rtol=1e-8)
    # Holdout: purchase days after 1997-09-30 of the calibration customers.
    frame = _frame(rows)
    calibration = summary_data_from_transaction_data(
        frame, "id", "date", observation_period_end=str(CALIBRATION_END), freq="D",
        freq_multiplier=7)
    later = frame[(frame.date > str(CALIBRATION_END)) & (frame.date <= str(OBSERVATION_END))]
    made = later.drop_duplicates(["id", "date"]).groupby("id").size()
    made = made.reindex(calibration.index, fill_value=0)
    holdout = fit.holdout
    assert holdout["actual"] == made.sum() == 1882
    predicted = reference.conditional_expected_number_of_purchases_up_to_time(
        39, calibration.frequency, calibration.recency, calibration["T"])
    assert holdout["predicted"] == pytest.approx(predicted.sum(), abs=1e-3)
    by_group = {g["frequency"]: g for g in holdout["by_frequency"]}
    zero = calibration.frequency == 0
    assert by_group["0"]["customers"] == int(zero.sum()) == 1411  # 2,357 − 946
    assert by_group["0"]["actual_mean"] == pytest.approx(
        made[zero].mean(), abs=1e-4)
    track = holdout["tracking"]
    # 78 weeks from 1997-01-01 to 1998-06-30 (546 days = 78 × 7). Actual: every distinct
    # purchase day but each customer's first, 6,696 − 2,357.
    days = len(frame.drop_duplicates(["id", "date"]))
    assert track["actual"][-1] == days - 2357 == 4339
    assert (track["labels"][0], track["labels"][-1], len(track["labels"])) == (
        "1997-01-07", "1998-06-30", 78)
