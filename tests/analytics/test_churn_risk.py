"""The churn-risk list: by probability alive when a CLV fit exists, else by how overdue a
customer is against the usual gap between purchases; record policies apply to both."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi_analytics.churn.risk import churn_risk
from guanxi_analytics.clv.models import CustomerClv, ModelFit
from tests.analytics.churn_support import at, buy, people

TODAY = at("2026-06-10 12:00")


@pytest.fixture
def world(analytics_app: App) -> dict[str, int]:
    """P every 10 days (last 20 days ago), Q a 30-day gap (last 15 days ago), R once 50
    days ago, S (another agent's) twice a day apart 159 days ago."""
    app = analytics_app
    ids = people(app, list("PQRS"), hidden=("S",))
    buy(app, ids["P"], ("2026-05-01", 10), ("2026-05-11", 10), ("2026-05-21", 10))
    buy(app, ids["Q"], ("2026-04-26", 10), ("2026-05-26", 10))
    buy(app, ids["R"], ("2026-04-21", 10))
    buy(app, ids["S"], ("2026-01-01", 10), ("2026-01-02", 10))
    return ids


def test_without_a_fit_the_overdue_ratio_orders_the_list(analytics_app: App, world: dict
                                                         ) -> None:
    with analytics_app.transaction(now=TODAY) as uow:
        rows = churn_risk(uow)
    # Gaps: P 20/2 = 10 d, Q 30/1 = 30 d, S 1/1 = 1 d; R (one purchase) gets the median
    # gap of 10, 30, 1 = 10. Overdue = days since last ÷ gap:
    # S 159/1 = 159; R 50/10 = 5; P 20/10 = 2; Q 15/30 = 0.5.
    got = [(r.customer_id, r.basis, r.days_since_last, r.usual_gap_days, r.overdue)
           for r in rows]
    assert got == [(world["S"], "gap", 159, 1.0, 159.0),
                   (world["R"], "population_gap", 50, 10.0, 5.0),
                   (world["P"], "gap", 20, 10.0, 2.0), (world["Q"], "gap", 15, 30.0, 0.5)]
    assert rows[2].last_purchase == dt.date(2026, 5, 21) and rows[2].purchases == 3


def test_a_restricted_user_sees_only_their_customers(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(as_user="agent", now=TODAY) as uow:
        rows = churn_risk(uow, limit=2)
    # Without S the median gap of 10 and 30 is 20: R 50/20 = 2.5, then P 2.0 (limit 2).
    assert [(r.customer_id, r.overdue) for r in rows] == [(world["R"], 2.5),
                                                           (world["P"], 2.0)]


def test_with_a_fit_probability_alive_orders_the_list(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=TODAY) as uow:
        fit = ModelFit(fitted_at=TODAY, calibration_start=dt.date(2026, 1, 1),
                       calibration_end=dt.date(2026, 6, 1), observation_end=dt.date(2026, 6, 10),
                       customers=4, repeat_buyers=3)
        uow.session.add(fit)
        uow.session.flush()
        for name, p_alive in (("P", 0.3), ("Q", 0.9), ("S", 0.1)):
            uow.session.add(CustomerClv(
                customer_id=world[name], fit_id=fit.id, frequency=1, recency=1.0, age=2.0,
                expected_purchases=2 * p_alive, p_alive=p_alive, computed_at=TODAY))
    with analytics_app.transaction(now=TODAY) as uow:
        everyone = churn_risk(uow)
    with analytics_app.transaction(as_user="agent", now=TODAY) as uow:
        visible = churn_risk(uow)
    assert [(r.customer_id, r.p_alive, r.churn_risk, r.basis) for r in everyone] == [
        (world["S"], 0.1, 0.9, "p_alive"), (world["P"], 0.3, 0.7, "p_alive"),
        (world["Q"], 0.9, 0.1, "p_alive")]
    assert [r.customer_id for r in visible] == [world["P"], world["Q"]]


def test_no_purchases_and_a_bad_limit(analytics_app: App) -> None:
    with analytics_app.transaction() as uow:
        assert churn_risk(uow) == []
    with pytest.raises(ValidationError) as error, analytics_app.transaction() as uow:
        churn_risk(uow, limit=0)
    assert error.value.field == "limit"
