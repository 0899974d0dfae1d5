"""The analytics section of the customer 360 view shows what the stored analyses say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from guanxi.app import App
from guanxi.services.customer360 import customer_360
from guanxi_analytics.churn.models import ChurnAlert
from guanxi_analytics.clv.models import CustomerClv, ModelFit
from guanxi_analytics.common import Period
from guanxi_analytics.value.store import refresh_values
from tests.analytics.value_support import NOW, buy, customers


def _section(app: App, customer_id: int, as_user: str | None = None) -> dict[str, object]:
    with app.transaction(now=NOW, as_user=as_user) as uow:
        view = customer_360(uow, customer_id)
    found = [s for s in view.sections if s.title == "分析 analytics"]
    return dict(found[0].rows) if found else {}


def test_nothing_stored_means_no_section(analytics_app: App) -> None:
    ids = customers(analytics_app, ["王芳"])
    assert _section(analytics_app, ids["王芳"]) == {}


def test_the_section_shows_tier_clv_and_open_alerts(analytics_app: App) -> None:
    ids = customers(analytics_app, ["王芳", "李雷"])
    buy(analytics_app, ids["王芳"], ("2026-03-02", 900), ("2026-05-02", 300))
    buy(analytics_app, ids["李雷"], ("2026-04-10", 50))
    with analytics_app.transaction(now=NOW) as uow:
        refresh_values(uow, Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1)))
        fit = ModelFit(fitted_at=NOW, calibration_start=dt.date(2026, 3, 2),
                       calibration_end=dt.date(2026, 4, 30), observation_end=dt.date(2026, 5, 31),
                       customers=2, repeat_buyers=1)
        uow.session.add(fit)
        uow.session.flush()
        uow.session.add(CustomerClv(customer_id=ids["王芳"], fit_id=fit.id, frequency=1,
                                    recency=8.6, age=12.9, expected_purchases=1.25,
                                    p_alive=0.82, clv=Decimal("640.00"), computed_at=NOW))
        uow.session.add(ChurnAlert(customer_id=ids["王芳"], kind="drop", month=dt.date(2026, 5, 1),
                                   amount=Decimal("300.00"), count=1, basis="robust_z",
                                   raised_at=NOW))
        uow.session.add(ChurnAlert(customer_id=ids["王芳"], kind="threshold",
                                   month=dt.date(2026, 4, 1), amount=Decimal("0.00"), count=0,
                                   basis="default", raised_at=NOW, status="closed"))
    rows = _section(analytics_app, ids["王芳"])
    # 王芳 has the larger margin of the two (1,200 against 50).
    assert rows["value tier 价值层级"] == "high"
    assert rows["CLV 客户终生价值"] == Decimal("640.00")
    assert rows["probability alive 存活概率"] == "82%"
    assert rows["expected purchases 预期购买"] == "1.25"
    assert rows["churn alert 流失预警"] == "drop 2026-05"  # the closed one is not shown
    assert rows["RFM"].startswith(tuple(["champions", "loyal", "potential", "new", "promising",
                                         "need", "about", "at_risk", "cant", "hibernating",
                                         "lost"]))
    other = _section(analytics_app, ids["李雷"])
    assert "CLV 客户终生价值" not in other and "value tier 价值层级" in other
