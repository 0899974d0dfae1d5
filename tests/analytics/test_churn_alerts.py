"""The threshold and sudden-drop alerts, worked out by hand, and working the alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import Task
from guanxi.privacy import erase_customer, export_personal_data
from guanxi_analytics.churn.alerts import (
    acknowledge_alert,
    close_alert,
    drop_score,
    list_alerts,
    raise_alerts,
    run_job,
    set_threshold,
)
from guanxi_analytics.churn.models import ChurnAlert, SpendThreshold
from guanxi_analytics.churn.reports import cause_breakdown
from guanxi_analytics.churn.settings import ChurnSettings
from guanxi_analytics.common import Period
from tests.analytics.churn_support import at, buy, correct, people

MAY = dt.date(2026, 5, 1)
TRAILING = ("2025-11-10", "2025-12-10", "2026-01-10", "2026-02-10", "2026-03-10", "2026-04-10")


def _history(app: App, customer_id: int, amounts: tuple[int, ...]) -> None:
    buy(app, customer_id, *zip(TRAILING, amounts, strict=True))


@pytest.fixture
def world(analytics_app: App) -> dict[str, int]:
    """Six trailing months (Nov–Apr) and the watched month May 2026 (defaults: fraction
    0.5, 6 of 6 months for a default threshold, robust z ≤ −3.5 and a 25 % fall).

    X: 100 a month; May 80 less a 50 correction = 30 net, 1 purchase.
    Y: 100 120 80 110 90 100; May 60.
    Z: 200 210 190 205 195 200; May 140.
    W: threshold of its own: at least 2 purchases a month; bought in April, once in May.
    V: threshold of its own but no purchase before May: not watched.
    H: like X, owned by another agent.
    """
    app = analytics_app
    ids = people(app, list("XYZWVH"), hidden=("H",))
    _history(app, ids["X"], (100,) * 6)
    [may] = buy(app, ids["X"], ("2026-05-20", 80))
    correct(app, ids["X"], may, "2026-05-22", "-50")
    _history(app, ids["Y"], (100, 120, 80, 110, 90, 100))
    buy(app, ids["Y"], ("2026-05-03", 60))
    _history(app, ids["Z"], (200, 210, 190, 205, 195, 200))
    buy(app, ids["Z"], ("2026-05-31 23:30", 140))  # still May in local time
    buy(app, ids["W"], ("2026-04-02", 500), ("2026-05-02", 500))
    _history(app, ids["H"], (100,) * 6)
    buy(app, ids["H"], ("2026-05-20", 30))
    with app.transaction(now=at("2026-04-01")) as uow:
        set_threshold(uow, ids["W"], min_count=2)
        set_threshold(uow, ids["V"], min_amount="1000")
    return ids


def test_the_may_alerts_are_what_the_hand_computes(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-02")) as uow:
        made = raise_alerts(uow, MAY)
        got = {(a.customer_id, a.kind): a for a in made}
    x, z, w, h = world["X"], world["Z"], world["W"], world["H"]
    assert set(got) == {(x, "threshold"), (x, "drop"), (z, "drop"), (w, "threshold"),
                        (h, "threshold"), (h, "drop")}
    # X: average 600 / 6 = 100 → threshold 0.5 × 100 = 50.00 and 0.5 × 1 = 0.5 purchases;
    # May net 80 − 50 = 30 < 50 (the correction is no purchase: count 1).
    xt = got[(x, "threshold")]
    assert (xt.amount, xt.count, xt.threshold_amount, xt.threshold_count, xt.baseline,
            xt.basis, xt.month, xt.status) == (
        Decimal("30.00"), 1, Decimal("50.00"), 0.5, Decimal("100.00"), "default", MAY, "open")
    # X's trailing months do not vary (MAD 0, mean deviation 0): any material fall is an
    # outlier; 30 ≤ 0.75 × 100.
    xd = got[(x, "drop")]
    assert (xd.baseline, xd.score, xd.basis) == (Decimal("100.00"), None, "robust_z")
    # Z: median 200, |deviations| 0 10 10 5 5 0 → MAD 5; z = 0.6745 × (140 − 200) / 5
    # = −8.094 ≤ −3.5 and 140 ≤ 150; threshold 100 (< 140), so no threshold alert.
    zd = got[(z, "drop")]
    assert (zd.amount, zd.baseline, zd.score) == (Decimal("140.00"), Decimal("200.00"), -8.094)
    # Y: median 100, MAD 10; z = 0.6745 × (60 − 100) / 10 = −2.698 > −3.5; 60 ≥ 50: nothing.
    # W: 1 purchase < its own 2.
    wt = got[(w, "threshold")]
    assert (wt.basis, wt.count, wt.threshold_count, wt.threshold_amount) == (
        "customer", 1, 2.0, None)


def test_raising_again_adds_nothing_and_open_alerts_are_not_repeated(
        analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-02")) as uow:
        assert len(raise_alerts(uow, MAY)) == 6
    with analytics_app.transaction(now=at("2026-06-03")) as uow:
        assert raise_alerts(uow, MAY) == []
    # June: nobody bought. X, H (threshold, drop), Z (drop) and W (threshold) have open
    # alerts of those kinds: not repeated. New ones, trailing months Dec–May:
    # Y 120 80 110 90 100 60 (6 of 6): threshold 0.5 × 560 / 6 = 46.67 > 0 → threshold;
    #   median 95, |dev| 25 15 15 5 5 35 → MAD 15, z = 0.6745 × (0 − 95) / 15 = −4.2718.
    # Z 210 190 205 195 200 140: threshold 0.5 × 1140 / 6 = 95 > 0 → threshold.
    job = analytics_app.registry.jobs["analytics.churn_alerts"]
    assert (job.plugin, job.daily_at) == ("analytics", dt.time(3, 30))
    with analytics_app.transaction(now=at("2026-07-01 03:30")) as uow:
        job.func(uow, at("2026-07-01 03:30"))
        assert run_job(uow, at("2026-07-01 03:31")) == 0  # the job again: nothing new
        june = list_alerts(uow, start=dt.date(2026, 6, 1))
    assert {(a.customer_id, a.kind) for a in june} == {
        (world["Y"], "threshold"), (world["Y"], "drop"), (world["Z"], "threshold")}
    assert {a.threshold_amount for a in june if a.kind == "threshold"} == {
        Decimal("46.67"), Decimal("95.00")}
    assert [a.score for a in june if a.kind == "drop"] == [-4.2718]


def test_the_unfinished_month_is_refused(analytics_app: App, world: dict) -> None:
    with pytest.raises(ValidationError) as error, analytics_app.transaction(
            now=at("2026-05-20")) as uow:
        raise_alerts(uow, MAY)
    assert error.value.field == "month" and "not ended" in str(error.value)


def test_ratio_method(analytics_app: App, world: dict) -> None:
    settings = ChurnSettings(drop_method="ratio", drop_ratio=0.65)
    # Y: 60 / median 100 = 0.6 < 0.65 → drop; Z: 140 / 200 = 0.7 → not.
    assert drop_score([100, 120, 80, 110, 90, 100], 6000, settings)[:2] == (False, 60.0)
    assert drop_score([10000, 12000, 8000, 11000, 9000, 10000], 6000, settings)[:2] == (
        True, 0.6)
    assert drop_score([20000, 21000, 19000, 20500, 19500, 20000], 14000, settings)[:2] == (
        False, 0.7)
    # Zero median (mostly idle months): no drop can be measured.
    assert drop_score([0, 0, 0, 100, 100, 0], 0, settings) == (False, None, 0)


def test_follow_up_tasks_for_the_owner(make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings={"analytics": {"churn": {
        "follow_up_tasks": True, "follow_up_days": 5}}})
    ids = people(app, ["X"])
    _history(app, ids["X"], (100,) * 6)
    buy(app, ids["X"], ("2026-05-20", 10))
    with app.transaction(now=at("2026-06-02")) as uow:
        made = raise_alerts(uow, MAY)
        tasks = uow.session.execute(select(Task)).scalars().all()
        assert {a.task_id for a in made} == {t.id for t in tasks} and len(tasks) == 2
        assert {t.assignee_id for t in tasks} == {ids["agent"]}
        assert {t.due_at for t in tasks} == {at("2026-06-07")}


def test_thresholds_refuse_bad_input_and_store_nothing(analytics_app: App, world: dict
                                                       ) -> None:
    cases = [({"min_amount": "-5"}, "min_amount"), ({"min_amount": "abc"}, "min_amount"),
             ({"min_count": "0"}, "min_count"), ({"min_count": "two"}, "min_count"),
             ({}, "min_amount")]
    for options, field in cases:
        with pytest.raises(ValidationError) as error, analytics_app.transaction() as uow:
            set_threshold(uow, world["Y"], **options)
        assert error.value.field == field
    with analytics_app.transaction() as uow:
        assert uow.session.get(SpendThreshold, world["Y"]) is None
    with pytest.raises(NotFoundError), analytics_app.transaction() as uow:
        set_threshold(uow, 999_999, min_count=1)


def test_agents_see_only_their_customers_alerts_and_may_not_change_them(
        analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-02")) as uow:
        raise_alerts(uow, MAY)
    with analytics_app.transaction(as_user="agent") as uow:
        seen = {a.customer_id for a in list_alerts(uow)}
        hidden = [a for a in uow.session.execute(select(ChurnAlert)).scalars()
                  if a.customer_id == world["H"]]
    assert world["H"] not in seen and seen == {world["X"], world["Z"], world["W"]}
    assert hidden == []
    with pytest.raises(AccessDenied), analytics_app.transaction(as_user="agent") as uow:
        set_threshold(uow, world["X"], min_count=1)


def test_acknowledge_close_and_the_cause_breakdown(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-02")) as uow:
        ids = {(a.customer_id, a.kind): a.id for a in raise_alerts(uow, MAY)}
    x_t, x_d = ids[(world["X"], "threshold")], ids[(world["X"], "drop")]
    z_d, w_t = ids[(world["Z"], "drop")], ids[(world["W"], "threshold")]
    with analytics_app.transaction(now=at("2026-06-03")) as uow:
        assert acknowledge_alert(uow, x_t).status == "acknowledged"
    bad = [({"outcome": "churned"}, "cause"), ({"outcome": "gone"}, "outcome"),
           ({"outcome": "retained", "cause": "firm"}, "cause"),
           ({"outcome": "churned", "cause": "weather"}, "cause")]
    for options, field in bad:
        with pytest.raises(ValidationError) as error, analytics_app.transaction() as uow:
            close_alert(uow, x_t, **options)
        assert error.value.field == field
    with analytics_app.transaction(now=at("2026-06-10")) as uow:
        close_alert(uow, x_t, outcome="churned", cause="competition", note="moved to 对手")
        close_alert(uow, x_d, outcome="churned", cause="competition")
        close_alert(uow, z_d, outcome="churned", cause="firm")
        close_alert(uow, w_t, outcome="retained")
    with pytest.raises(ValidationError), analytics_app.transaction() as uow:
        close_alert(uow, x_t, outcome="retained")
    with pytest.raises(ValidationError), analytics_app.transaction() as uow:
        acknowledge_alert(uow, x_t)
    with analytics_app.transaction() as uow:
        breakdown = cause_breakdown(uow, Period(dt.date(2026, 6, 1), dt.date(2026, 7, 1)))
    # 4 closed: 3 churned (2 competition, 1 firm), 1 retained.
    assert breakdown["closed"] == 4
    assert breakdown["outcomes"] == {"churned": 3, "retained": 1}
    assert breakdown["causes"] == [
        {"cause": "competition", "alerts": 2, "share": 0.6667},
        {"cause": "customer", "alerts": 0, "share": 0.0},
        {"cause": "firm", "alerts": 1, "share": 0.3333},
        {"cause": "unknown", "alerts": 0, "share": 0.0}]


def test_personal_data_export_and_erasure(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-02")) as uow:
        alert = next(a for a in raise_alerts(uow, MAY) if a.customer_id == world["W"])
        close_alert(uow, alert.id, outcome="churned", cause="customer", note="搬家了 moved")
    with analytics_app.transaction() as uow:
        exported = export_personal_data(uow, world["W"])
    text = str(exported)
    assert "搬家了 moved" in text and "analytics_spend_threshold" in text
    with analytics_app.transaction() as uow:
        erase_customer(uow, world["W"], reason="asked")
    with analytics_app.transaction() as uow:
        kept = uow.session.get(ChurnAlert, alert.id)
        assert kept.note is None and kept.cause == "customer"  # the aggregate stays
