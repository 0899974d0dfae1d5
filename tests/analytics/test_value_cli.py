"""The value area on the command line, as reports, KPIs, report sections, job and in the
privacy hooks, over the world of ``test_value`` (figures worked out there)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.testing import GuanxiCli
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import collect_kpis
from guanxi_analytics.value import html_sections
from guanxi_analytics.value.models import CustomerValue
from guanxi_analytics.value.reports import run_refresh
from guanxi_analytics.value.store import refresh_values, stored_values
from tests.analytics.test_value import PERIOD, build_world, value_settings
from tests.analytics.value_support import NOW, buy, customers

DATES = ("--from", "2026-01-01", "--to", "2026-05-31")
BEFORE = Period(dt.date(2025, 1, 1), dt.date(2025, 6, 1))  # before the world's first purchase


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> tuple[GuanxiCli, dict[str, int]]:
    """A project with analytics, the world of test_value logged through the services."""
    from guanxi.app import create_app

    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics"])
    cli("init", "--db", database_url)
    config = tmp_path / "crm" / "guanxi.toml"
    config.write_text(config.read_text(encoding="utf-8") + """
[analytics.value]
unit_costs = [
  { kind = "core.contact", channel = "visit", cost = 50 },
  { kind = "core.contact", cost = 5 },
]
""", encoding="utf-8")
    app = create_app(tmp_path / "crm", settings={"core": {"database_url": database_url}},
                     enable=["analytics"], environ={})
    try:
        ids = build_world(app)
    finally:
        app.close()
    return cli, ids


def test_tiers_segments_and_customers_on_the_command_line(gx: tuple) -> None:
    cli, _ = gx
    tiers = cli.json("analytics", "value", "tiers", *DATES)
    assert [(r["tier"], r["customers"], r["margin"]) for r in tiers] == [
        ("high", 1, "3000.00"), ("medium", 1, "2000.00"), ("low", 2, "550.00"),
        ("zero", 2, "0.00"), ("negative", 2, "-255.00")]
    table = cli("analytics", "value", "tiers", *DATES).stdout
    assert "Value tiers, 2026-01-01 – 2026-05-31" in table and "52.6%" in table
    assert "tier_high_margin 2400.00" in table
    rfm = {r["segment"]: r["customers"] for r in cli.json("analytics", "value", "rfm", *DATES)}
    assert rfm["champions"] == 1 and rfm["at_risk"] == 1 and rfm["lost"] == 0
    members = cli("analytics", "value", "members", *DATES).stdout
    assert "知己 confidant" in members and "藤壶 barnacle" in members
    quadrants = cli.json("analytics", "value", "quadrants", *DATES)
    assert [r["customers"] for r in quadrants] == [2, 1, 1, 2]
    assert [r["customers"] for r in cli.json("analytics", "value", "abc", *DATES)] == [2, 2, 1]
    champions = cli.json("analytics", "value", "customers", *DATES, "--by", "segment",
                         "--group", "champions")
    assert [(c["name"], c["r"], c["f"], c["m"]) for c in champions] == [("A", 4, 5, 4)]
    negative = cli("analytics", "value", "customers", *DATES, "--by", "tier", "--group",
                   "negative", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(negative)))
    assert [(r["name"], r["margin"]) for r in rows] == [("G", "-55.00"), ("D", "-200.00")]


def test_concentration_csv_is_the_lorenz_curve(gx: tuple) -> None:
    cli, _ = gx
    result = cli.json("analytics", "value", "concentration", *DATES)
    assert result["top_customers"] == 1 and result["revenue"] == "5700.00"
    assert result["gini"] == pytest.approx(49400 / 28500 - 1.2)
    lines = cli("analytics", "value", "concentration", *DATES, "--csv").stdout.splitlines()
    assert lines[0] == "customer_share,revenue_share" and len(lines) == 22
    assert "Gini coefficient" in cli("analytics", "value", "concentration", *DATES).stdout


def test_refresh_and_stored_on_the_command_line(gx: tuple) -> None:
    cli, ids = gx
    assert cli.json("analytics", "value", "refresh", *DATES)["stored"] == 8
    [b] = cli.json("analytics", "value", "stored", "--customer", str(ids["B"]))
    assert (b["tier"], b["rfm"], b["segment"]) == ("high", "115", "at_risk")
    assert [r["name"] for r in cli.json("analytics", "value", "stored", "--tier",
                                        "negative")] == ["G", "D"]


def test_bad_input_is_one_line_and_a_non_zero_exit(gx: tuple) -> None:
    cli, _ = gx
    assert "before it starts" in cli.fails("analytics", "value", "tiers", "--from",
                                           "2026-05-01", "--to", "2026-04-01")
    assert "tier" in cli.fails("analytics", "value", "customers", "--by", "tier",
                               "--group", "golden")
    error = cli("analytics", "value", "customers", "--by", "tier", ok=False)
    assert error.exit_code == 2 and "--group" in error.output
    error = cli("analytics", "value", "tiers", "--from", "yesterday", ok=False)
    assert error.exit_code == 2
    assert "by" in cli.fails("report", "run", "analytics.value_distribution", "--option",
                             "by=colour")
    assert "from" in cli.fails("report", "run", "analytics.value_distribution", "--option",
                               "from=2026-13-01")


def test_reports_are_json_with_the_period(gx: tuple) -> None:
    cli, _ = gx
    report = cli.json("report", "run", "analytics.value_distribution", "--option",
                      "from=2026-01-01", "--option", "to=2026-05-31", "--option", "by=member")
    assert report["period"] == {"from": "2026-01-01", "to": "2026-05-31"}
    assert [(r["group"], r["customers"]) for r in report["rows"]] == [
        ("confidant", 1), ("butterfly", 1), ("barnacle", 1), ("passer_by", 2)]
    assert report["cuts"]["member_spend"] == "400.00"
    concentration = cli.json("report", "run", "analytics.value_concentration", "--option",
                             "from=2026-01-01", "--option", "to=2026-05-31")
    assert concentration["top_revenue_share"] == pytest.approx(3000 / 5700)


@pytest.fixture
def app(make_analytics_app: Callable[..., App]) -> App:
    return make_analytics_app(settings=value_settings())


def test_kpis_over_the_world(app: App) -> None:
    build_world(app)
    kpis = collect_kpis()
    with app.transaction(now=NOW) as uow:
        got = {key: kpis[key].compute(uow, PERIOD) for key in kpis if key.startswith("value.")}
    # Active (revenue or cost): A B C D G H; margins 2000 + 3000 + 200 − 200 − 55 + 350.
    assert got == {
        "value.top20_revenue_share": pytest.approx(3000 / 5700),
        "value.margin_per_customer": pytest.approx(5295 / 6),
        "value.high_value_share": pytest.approx(1 / 6),
        "value.negative_value_share": pytest.approx(2 / 6),
    }
    with app.transaction(now=NOW) as uow:  # before anything was bought: no data
        empty = {key: kpis[key].compute(uow, BEFORE) for key in got}
    assert set(empty.values()) == {None}


def test_html_sections_draw_tiers_lorenz_quadrants_members_and_segments(app: App) -> None:
    with app.transaction(now=NOW) as uow:
        [empty] = html_sections(uow, PERIOD)
    assert "no customer has revenue or cost" in empty.empty and empty.chart is None
    build_world(app)
    with app.transaction(now=NOW) as uow:
        sections = {s.key: s for s in html_sections(uow, PERIOD)}
    assert list(sections) == ["value.tiers", "value.abc", "value.quadrants", "value.members",
                              "value.rfm"]
    tiers = sections["value.tiers"].chart
    assert tiers is not None and tiers.kind == "bar"
    assert list(tiers.series["share of customers"]) == [1 / 8, 1 / 8, 2 / 8, 2 / 8, 2 / 8]
    assert list(tiers.series["share of revenue"]) == pytest.approx(
        [3000 / 5700, 2000 / 5700, 600 / 5700, 0, 100 / 5700])
    lorenz = sections["value.abc"].chart
    assert lorenz is not None and lorenz.kind == "line"
    assert list(lorenz.series["Lorenz curve"])[-1] == pytest.approx(1.0)
    quadrants = sections["value.quadrants"].chart
    assert quadrants is not None and quadrants.kind == "scatter" and len(quadrants.points) == 6
    assert (quadrants.x_cut, quadrants.y_cut) == (300.0, 25.0)
    assert all(s.formula for s in sections.values())


def test_the_job_refreshes_the_default_period_and_is_idempotent(app: App) -> None:
    ids = customers(app, ["甲", "乙"])
    buy(app, ids["甲"], ("2026-05-01", 100))
    assert app.registry.jobs["analytics.value_refresh"].daily_at is not None
    for _ in range(2):
        with app.transaction(now=NOW) as uow:
            assert run_refresh(uow, NOW) == "2 customer values stored"
    with app.transaction(now=NOW) as uow:
        rows = stored_values(uow)
    assert [(r.name, r.tier, r.period) for r in rows] == [
        ("甲", "high", "2025-07-01 – 2026-06-01"), ("乙", "zero", "2025-07-01 – 2026-06-01")]


def test_personal_data_export_and_erasure(app: App) -> None:
    ids = build_world(app)
    with app.transaction(now=NOW) as uow:
        refresh_values(uow, PERIOD)
    with app.transaction(now=NOW) as uow:
        exported = export_personal_data(uow, ids["A"])
    part = exported["plugins"]["analytics"]["analytics_customer_value"]
    assert (part["tier"], part["rfm_segment"], part["margin"]) == (
        "medium", "champions", Decimal("2000.00"))
    with app.transaction(now=NOW) as uow:
        erase_customer(uow, ids["A"], reason="客户要求删除")
    with app.transaction(now=NOW) as uow:
        assert uow.session.get(CustomerValue, ids["A"]) is None
        assert export_personal_data(uow, ids["A"])["plugins"].get("analytics", {}).get(
            "analytics_customer_value") is None
        # The next refresh leaves the erased customer out (the others are all there).
        assert refresh_values(uow, PERIOD) == 7
        assert uow.session.get(CustomerValue, ids["A"]) is None


def test_an_unknown_report_option_is_refused(app: App) -> None:
    from guanxi_analytics.value.reports import distribution_report

    with pytest.raises(ValidationError, match="colour"), app.transaction(now=NOW) as uow:
        distribution_report(uow, colour="red")
