"""Scorecard snapshots and the monthly job, the 7P views (profile and revenue by product
worked out by hand), the reports, the HTML sections, the command line, record policies
and the personal-data parts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

import guanxi_analytics.scorecard as scorecard_area
from guanxi.app import App
from guanxi.errors import AccessDenied, ConfigError, ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.testing import GuanxiCli
from guanxi_analytics.common import Period
from guanxi_analytics.scorecard import kpis as own_kpis
from guanxi_analytics.scorecard.models import ScorecardSnapshot
from guanxi_analytics.scorecard.sevenp import products, profiling, seven_p
from guanxi_analytics.scorecard.snapshots import history, run_snapshot_job, take_snapshot
from guanxi_analytics.scorecard.views import html_sections, scorecard_report, seven_p_report
from tests.analytics.scorecard_support import MARCH, at, fake_kpi, shop

FEBRUARY = Period(dt.date(2026, 2, 1), dt.date(2026, 3, 1))

# Every app here may name test KPIs; the start-up check is tested with it put back.
pytestmark = pytest.mark.usefixtures("start_up_check_off")


def own() -> dict:
    return {k.key: k for k in own_kpis()}


def snapshot_count(app: App) -> int:
    with app.transaction() as uow:
        return uow.session.exec(select(func.count()).select_from(ScorecardSnapshot)).one()


def test_profiling_counts_by_hand(analytics_app: App) -> None:
    shop(analytics_app)
    with analytics_app.transaction() as uow:
        rows = profiling(uow, MARCH)
    found = {(r.dimension, r.value): (r.customers, r.new_in_period) for r in rows}
    # Five customers, D created in March; C is the organisation; A is at stage customer.
    assert found == {
        ("kind", "person"): (4, 1), ("kind", "organization"): (1, 0),
        ("lifecycle_stage", "prospect"): (4, 1), ("lifecycle_stage", "customer"): (1, 0),
        ("industry", "(not set)"): (4, 1), ("industry", "机械"): (1, 0),
        ("value_segment", "vip"): (2, 0), ("value_segment", "(not set)"): (2, 1),
        ("value_segment", "key"): (1, 0),
        ("role", "customer"): (5, 1), ("role", "partner"): (1, 0),
    }
    assert next(r.share for r in rows if r.value == "vip") == pytest.approx(0.4)  # 2 / 5
    with analytics_app.transaction(as_user="other") as uow:
        theirs = {(r.dimension, r.value): r.customers for r in profiling(uow, MARCH)}
    assert theirs[("kind", "organization")] == 1 and ("kind", "person") not in theirs


def test_revenue_by_product_by_hand(analytics_app: App) -> None:
    shop(analytics_app)
    with analytics_app.transaction() as uow:
        rows = products(uow, MARCH)
    # P2 保养服务: A's 3 unpriced (200 − 50 = 150) + D's 1 unpriced (90) = 240, 4 units;
    # B's purchase had no lines: 150; P1 滤芯: A 50 + C 50 = 100; P3: 10; B's correction
    # −50. They add up to the March revenue: 240 + 150 + 100 + 10 − 50 = 450.
    assert [(r.product, r.name, r.quantity, str(r.revenue), r.purchases, r.customers)
            for r in rows] == [
        ("P2", "保养服务", 4.0, "240.00", 2, 2),
        ("(no line items)", "(no line items)", 0.0, "150.00", 1, 1),
        ("P1", "滤芯", 2.0, "100.00", 2, 2),
        ("P3", "密封圈", 1.0, "10.00", 1, 1),
        ("(corrections)", "(corrections)", 0.0, "-50.00", 1, 1),
    ]
    assert rows[0].share == pytest.approx(240 / 450)
    with analytics_app.transaction(as_user="agent") as uow:
        mine = {r.product: str(r.revenue) for r in products(uow, MARCH)}
    assert mine == {"P2": "240.00", "(no line items)": "150.00", "P1": "50.00",
                    "(corrections)": "-50.00"}  # C's P1 and P3 are not the agent's


def test_seven_p_views(analytics_app: App) -> None:
    shop(analytics_app)
    with analytics_app.transaction() as uow:
        views = seven_p(uow, MARCH, own())
    assert [v.name for v in views] == ["profiling", "persistency", "profitability",
                                       "performance", "prospecting", "product", "promotion"]
    by_name = {v.name: v for v in views}
    assert [(line.kpi, line.value) for line in by_name["profiling"].lines] == [
        ("scorecard.active_customers", 4.0)]
    assert [(line.kpi, line.value) for line in by_name["prospecting"].lines] == [
        ("scorecard.new_leads", None), ("scorecard.new_customers", 2.0)]
    assert by_name["persistency"].lines == []  # churn and loyalty KPIs not given here
    assert by_name["profiling"].profile and by_name["product"].products
    assert not by_name["promotion"].profile


def test_an_unknown_profile_field_is_a_config_error(
    make_analytics_app: Callable[..., App],
) -> None:
    from guanxi_analytics.scorecard.card import check_settings

    app = make_analytics_app(settings={"analytics": {"scorecard": {
        "profile_fields": ["province"]}}})
    with pytest.raises(ConfigError, match=r"profile_fields\[0\]: 'province'"):
        check_settings(app)


def test_snapshots_are_stored_once_and_replaced_on_request(
    make_analytics_app: Callable[..., App],
) -> None:
    app = make_analytics_app(settings={"analytics": {"scorecard": {
        "financial": [{"kpi": "t.x", "target": 0.5}], "customer": [], "process": [],
        "learning": []}}})
    kpis = {"t.x": fake_kpi("t.x", 0.6, 0.4)}
    with app.transaction(now=at("2026-04-02")) as uow:
        first = take_snapshot(uow, MARCH, kpis=kpis)
        again = take_snapshot(uow, MARCH, kpis={"t.x": fake_kpi("t.x", 0.1, 0.4)})
    assert (first.stored, first.lines, again.stored, again.lines) == (True, 1, False, 1)
    with app.transaction() as uow:
        [row] = history(uow, Period(dt.date(2026, 1, 1), dt.date(2026, 12, 1)))
    assert (row.period_from, row.period_to, row.kpi, row.value, row.status,
            row.attainment) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31), "t.x", 0.6,
                                "green", pytest.approx(1.2))
    with app.transaction() as uow:
        replaced = take_snapshot(uow, MARCH, replace=True,
                                 kpis={"t.x": fake_kpi("t.x", 0.1, 0.4)})
        [row] = history(uow, MARCH)
    assert replaced.stored and (row.value, row.status) == (0.1, "red")
    assert snapshot_count(app) == 1


def test_the_monthly_job_is_idempotent_and_history_shows_the_trend(analytics_app: App) -> None:
    shop(analytics_app)
    # Due on 1 April 01:30 in Shanghai (31 March 17:30 UTC): stores March.
    with analytics_app.transaction() as uow:
        take_snapshot(uow, FEBRUARY)
        run_snapshot_job(uow, at("2026-03-31", 17) + dt.timedelta(minutes=30))
    stored = snapshot_count(analytics_app)
    with analytics_app.transaction() as uow:
        run_snapshot_job(uow, at("2026-04-01", 17) + dt.timedelta(minutes=30))  # next day
    assert snapshot_count(analytics_app) == stored
    with analytics_app.transaction() as uow:
        rows = history(uow, Period(dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
                       kpi="scorecard.revenue")
    # February: 100 + 300 = 400; March: 450.
    assert [(r.period_from.month, r.value) for r in rows] == [(2, 400.0), (3, 450.0)]


def test_snapshots_are_for_those_who_see_every_customer(analytics_app: App) -> None:
    shop(analytics_app)
    # An agent may read analytics records but not store them; and he sees only some
    # customers, so the company-wide snapshots are not his to read either.
    with pytest.raises(AccessDenied, match="may not create"), \
            analytics_app.transaction(as_user="agent") as uow:
        take_snapshot(uow, MARCH)
    with pytest.raises(AccessDenied, match="company-wide"), \
            analytics_app.transaction(as_user="agent") as uow:
        history(uow, MARCH)
    assert snapshot_count(analytics_app) == 0


def test_reports_and_their_bad_options(analytics_app: App) -> None:
    shop(analytics_app)
    with analytics_app.transaction() as uow:
        card = scorecard_report(uow, **{"from": "2026-03-01", "to": "2026-03-31"})
        views = seven_p_report(uow, **{"from": "2026-03-01", "to": "2026-03-31"})
    financial = card["perspectives"][3]
    assert financial["name"] == "financial"
    assert financial["lines"][0]["kpi"] == "scorecard.revenue"
    assert financial["lines"][0]["value"] == pytest.approx(450.0)
    assert views["views"][5]["products"][0]["product"] == "P2"
    for options, field in (({"from": "2026-02-30"}, "from"), ({"colour": "red"}, "colour"),
                           ({"from": "2026-03-31", "to": "2026-03-01"}, "to")):
        with pytest.raises(ValidationError) as caught, analytics_app.transaction() as uow:
            scorecard_report(uow, **options)
        assert caught.value.field == field


def test_html_sections_with_and_without_data(analytics_app: App) -> None:
    with analytics_app.transaction() as uow:
        empty = html_sections(uow, MARCH)
    assert [s.key for s in empty] == ["scorecard.card", "scorecard.seven_p",
                                      "scorecard.history"]
    assert empty[0].empty and empty[0].chart is None
    assert empty[1].empty and "no snapshot" in empty[2].empty
    shop(analytics_app)
    with analytics_app.transaction() as uow:
        take_snapshot(uow, FEBRUARY, kpis=own())
        take_snapshot(uow, MARCH, kpis=own())
        card, views, months = html_sections(uow, MARCH)
        _, _, earlier = html_sections(uow, FEBRUARY)
    with analytics_app.transaction(as_user="agent") as uow:
        _, _, refused = html_sections(uow, MARCH)
    assert card.chart is not None and card.chart.kind == "bar"
    assert card.chart.series["target"] == [100.0] * len(card.chart.labels)
    assert card.table is not None and "[S003:47–55]" in card.formula
    assert views.chart is not None
    assert list(views.chart.labels) == ["保养服务", "(no line items)", "滤芯", "密封圈",
                                        "(corrections)"]
    assert "vendor advertisement" in views.formula
    assert ["Profiling 客户概况分析", "value_segment: vip", "2 (40.0%)", "", ""] in views.table.rows
    # History: the 12 months up to the report's end, so a March report shows February and
    # March; in March growth (12.5% ≥ 5%) and in touch (80% ≥ 50%) are green, contactable
    # (40% < 75%) red. A February report does not show March.
    assert months.chart is not None and list(months.chart.labels) == ["2026-02", "2026-03"]
    assert months.chart.series["green"][1] == 2 and months.chart.series["red"][1] == 1
    assert "2 stored periods" in months.summary
    assert earlier.chart is not None and list(earlier.chart.labels) == ["2026-02"]
    assert "company-wide" in refused.empty


def test_personal_data_and_erasure(analytics_app: App) -> None:
    ids = shop(analytics_app)
    with analytics_app.transaction() as uow:
        take_snapshot(uow, MARCH, kpis=own())
        # Snapshots are company-wide aggregates: the area holds nothing about a person.
        assert not hasattr(scorecard_area, "personal_data")
        exported = export_personal_data(uow, ids["a"])
    assert "scorecard" not in str(exported.get("plugins", {}).get("analytics", ""))
    before = snapshot_count(analytics_app)
    with analytics_app.transaction() as uow:
        erase_customer(uow, ids["a"], reason="request")
    assert snapshot_count(analytics_app) == before  # aggregates stay, nothing personal


def test_the_command_line(analytics_app: App, tmp_path: Path, database_url: str) -> None:
    shop(analytics_app)
    gx = GuanxiCli(tmp_path, database_url, plugins=["analytics"])
    period = ("--from", "2026-03-01", "--to", "2026-03-31")
    card = gx.json("analytics", "scorecard", "show", *period)
    assert card["discipline"] == "customer_intimacy"
    lines = {line["kpi"]: line for p in card["perspectives"] for line in p["lines"]}
    assert lines["scorecard.revenue_growth"]["value"] == pytest.approx(0.125)
    text = gx("analytics", "scorecard", "show", *period).stdout
    assert "收入增长" in text and "12.5%" in text and "green" in text
    assert "drives process" in text
    csv_text = gx("analytics", "scorecard", "show", *period, "--csv").stdout
    assert csv_text.splitlines()[0].startswith("perspective,kpi,label,process,value")
    assert "against" in gx("analytics", "scorecard").stdout  # show is the default
    stored = gx.json("analytics", "scorecard", "snapshot", *period)
    assert stored["stored"] is True
    assert gx.json("analytics", "scorecard", "snapshot", *period)["stored"] is False
    rows = gx.json("analytics", "scorecard", "history", "--from", "2026-01-01", "--to",
                   "2026-04-30", "--kpi", "scorecard.revenue")
    assert [(r["from"], r["value"]) for r in rows] == [("2026-03-01", 450.0)]
    # Without --from: the history_months (12) months up to --to, May 2025 – April 2026.
    assert gx.json("analytics", "scorecard", "history", "--to", "2026-04-30", "--kpi",
                   "scorecard.revenue") == rows
    assert gx.json("analytics", "scorecard", "history", "--to", "2026-02-28") == []
    products = gx("analytics", "7p", *period, "--view", "product", "--csv").stdout
    assert products.splitlines()[1].startswith("P2,保养服务,4.0,240.00,2,2")
    views = gx.json("analytics", "7p", *period)
    assert views[0]["name"] == "profiling" and views[0]["profile"]
    assert "to" in gx.fails("analytics", "scorecard", "show", "--from", "2026-03-31",
                            "--to", "2026-03-01")
    assert "company-wide" in gx.fails("analytics", "scorecard", "history", as_user="agent")


def test_line_items_as_sales_orders_write_them() -> None:
    """``sales.order`` lines are dicts of strings; amounts still add up to the revenue."""
    from decimal import Decimal

    from guanxi_analytics.scorecard.sevenp import _line_items

    lines = [{"sku": "X-1", "name": "挖掘机", "quantity": "2", "unit_price": "300.00"},
             {"name": "安装", "quantity": "1"}, {"name": "培训"}, "not a line"]
    # 2 × 300 = 600; the two unpriced lines share 1000 − 600 = 400: 200 each.
    assert _line_items(lines, Decimal("1000.00")) == [
        ("X-1", "挖掘机", Decimal(2), Decimal("600.00")),
        ("安装", "安装", Decimal(1), Decimal("200.00")),
        ("培训", "培训", Decimal(1), Decimal("200.00")),
    ]
    # 100 over three unpriced lines: 33.33, 33.33 and the remainder 33.34.
    thirds = _line_items([{"name": "a"}, {"name": "b"}, {"name": "c"}], Decimal("100.00"))
    assert [a for *_, a in thirds] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    # Every line priced but short of the revenue: the rest is left unattributed.
    assert _line_items([{"name": "a", "quantity": 1, "unit_price": 80}], Decimal("100")) == [
        ("a", "a", Decimal(1), Decimal("80.00")),
        ("(no line items)", "(no line items)", Decimal(0), Decimal("20"))]


def test_registered_job_reports_and_demo_step(analytics_app: App) -> None:
    import random

    from guanxi_analytics import scorecard

    registry = analytics_app.registry
    assert "analytics.scorecard_snapshot" in registry.jobs
    assert {"analytics.scorecard", "analytics.seven_p"} <= set(registry.reports)
    shop(analytics_app)
    with analytics_app.transaction(now=at("2026-04-02")) as uow:
        scorecard.demo_data(uow, random.Random(1), [])
        [row] = history(uow, MARCH, kpi="scorecard.revenue")
    assert row.value == pytest.approx(450.0)


def test_a_snapshot_computes_the_period_only(make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings={"analytics": {"scorecard": {
        "financial": [{"kpi": "t.x"}], "customer": [], "process": [], "learning": []}}})
    asked: list[Period] = []

    def compute(uow: object, period: Period) -> float:
        asked.append(period)
        return 1.0

    from guanxi_analytics.kpi import Kpi

    with app.transaction() as uow:
        take_snapshot(uow, MARCH, kpis={"t.x": Kpi("t.x", "x", "count", True, compute)})
    assert asked == [MARCH]  # no previous period: a snapshot stores no trend


def test_bad_settings_on_the_command_line(analytics_app: App, tmp_path: Path,
                                          database_url: str) -> None:
    (tmp_path / "guanxi.toml").write_text(
        '[analytics.scorecard]\ndiscipline = "cheapest"\n', encoding="utf-8")
    gx = GuanxiCli(tmp_path, database_url, plugins=["analytics"])
    assert "discipline" in gx.fails("analytics", "scorecard", "show")
    (tmp_path / "guanxi.toml").write_text(
        '[[analytics.scorecard.customer]]\nkpi = "churn.retention_rte"\n', encoding="utf-8")
    error = gx.fails("analytics", "scorecard", "show")
    assert "analytics.scorecard.customer[0].kpi: unknown KPI 'churn.retention_rte'" in error
    assert snapshot_count(analytics_app) == 0
