"""The balanced scorecard: status colouring, attainment, the discipline → processes
mapping, the previous-period comparison, the area's own KPIs (worked out by hand in
tests/analytics/scorecard_support.py) and bad settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guanxi.app import App
from guanxi.errors import ConfigError
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi_analytics.kpi import Kpi, collect_kpis
from guanxi_analytics.scorecard import kpis as own_kpis
from guanxi_analytics.scorecard.basics import previous_period
from guanxi_analytics.scorecard.card import (
    attainment_of,
    build_scorecard,
    check_settings,
    scorecard_json,
    status_of,
    trend_of,
)
from tests.analytics.scorecard_support import (
    BEFORE_MARCH,
    MARCH,
    at,
    failing_kpi,
    fake_kpi,
    shop,
)

FAKES = {k.key: k for k in (
    fake_kpi("t.up", 0.85, 0.80),
    fake_kpi("t.red", 0.5, 0.6),
    fake_kpi("t.down", 40, 50, unit="days", higher_is_better=False),
    fake_kpi("t.none", None, None),
    fake_kpi("t.flat", 5, 5, unit="count"),
    failing_kpi("t.fail"),
)}

CARD = {
    "discipline": "product_leadership",
    "financial": [{"kpi": "t.red", "target": 0.8, "warn": 0.7}],
    "customer": [{"kpi": "t.up", "target": 0.8, "warn": 0.7, "weight": 2},
                 {"kpi": "t.red", "target": 0.8, "warn": 0.7, "label": "复购"}],
    "process": [{"kpi": "t.down", "target": 30, "warn": 45, "process": "acquisition",
                 "subprocess": "lead_management"},
                {"kpi": "t.none", "target": 1, "process": "selection"},
                {"kpi": "t.up", "target": 0.8, "process": "retention"}],
    "learning": [{"kpi": "t.fail"}, {"kpi": "t.flat", "target": 5}],
    "seven_p": {},
}

# Every app here may name test KPIs; the start-up check is tested with it put back.
pytestmark = pytest.mark.usefixtures("start_up_check_off")


def scorecard_app(make_analytics_app: Callable[..., App], **card: Any) -> App:
    return make_analytics_app(settings={"analytics": {"scorecard": card}})


@pytest.mark.parametrize(("value", "target", "warn", "higher", "status"), [
    (0.80, 0.80, 0.70, True, "green"),  # on target is green
    (0.75, 0.80, 0.70, True, "amber"),
    (0.70, 0.80, 0.70, True, "amber"),  # on the threshold is amber
    (0.69, 0.80, 0.70, True, "red"),
    (0.75, 0.80, None, True, "red"),  # no amber band without warn
    (30.0, 30.0, 45.0, False, "green"),  # lower is better: at or below
    (44.0, 30.0, 45.0, False, "amber"),
    (46.0, 30.0, 45.0, False, "red"),
    (None, 0.80, 0.70, True, "no data"),
    (0.50, None, None, True, "none"),
])
def test_status_follows_the_kpis_direction(value: float | None, target: float | None,
                                           warn: float | None, higher: bool,
                                           status: str) -> None:
    assert status_of(value, target, warn, higher) == status


def test_attainment_and_trend() -> None:
    assert attainment_of(0.6, 0.8, True) == pytest.approx(0.75)  # 0.6 / 0.8
    assert attainment_of(40, 30, False) == pytest.approx(0.75)  # 30 / 40
    assert attainment_of(-0.02, 0.0, True) == 0.0  # a zero target: met or not
    assert attainment_of(0.01, 0.0, True) == 1.0
    assert attainment_of(None, 0.8, True) is None
    assert attainment_of(-0.935, 0.05, True) == 0.0  # a fall attains nothing, not −1870%
    assert trend_of(0.85, 0.80, True) == (pytest.approx(0.05), "↑", True)
    assert trend_of(40, 50, False) == (-10, "↓", True)  # fewer days is better
    assert trend_of(5, 5, True) == (0.0, "→", None)
    assert trend_of(5, None, True) == (None, "", None)


def test_previous_period_has_the_same_length() -> None:
    assert previous_period(MARCH) == BEFORE_MARCH  # 31 days: 29 Jan – 28 Feb


def test_the_card_with_test_kpis(make_analytics_app: Callable[..., App]) -> None:
    app = scorecard_app(make_analytics_app, **CARD)
    with app.transaction() as uow:
        card = build_scorecard(uow, MARCH, FAKES)
    assert [p.name for p in card.perspectives] == ["learning", "process", "customer",
                                                   "financial"]
    assert [p.leads_to for p in card.perspectives] == ["process", "customer", "financial",
                                                       None]
    learning, process, customer, financial = card.perspectives
    # t.red: 0.5 < warn 0.7 → red; attainment 0.5 / 0.8 = 0.625; 0.6 → 0.5 is worse.
    [red] = financial.lines
    assert (red.status, red.attainment, red.trend, red.improved) == (
        "red", pytest.approx(0.625), "↓", False)
    assert red.change == pytest.approx(-0.1)
    # customer: t.up 0.85 ≥ 0.8 green, attainment 1.0625 capped at 1 (weight 2);
    # t.red 0.625 (weight 1): (2 × 1 + 1 × 0.625) / 3 = 0.875; worst status red.
    assert [(line.kpi, line.status) for line in customer.lines] == [
        ("t.up", "green"), ("t.red", "red")]
    assert customer.lines[1].label == "复购"
    assert customer.attainment == pytest.approx(0.875)
    assert customer.status == "red"
    # process, product leadership: selection and acquisition only (retention's t.up is
    # not shown), in value-chain order; t.down 40 days: > 30, ≤ 45 → amber, 30 / 40.
    assert [(line.process, line.kpi, line.status) for line in process.lines] == [
        ("selection", "t.none", "no data"), ("acquisition", "t.down", "amber")]
    assert process.lines[1].attainment == pytest.approx(0.75)
    assert (process.lines[1].trend, process.lines[1].improved) == ("↓", True)
    assert process.attainment == pytest.approx(0.75)  # no data is not a zero
    assert process.status == "amber"
    assert [p["process"] for p in card.processes] == ["selection", "acquisition"]
    # learning: the refusing KPI is "no data" with the area's reason; 5 = 5 is green, flat.
    fail, flat = learning.lines
    assert (fail.value, fail.status) == (None, "no data")
    assert "too few repeat purchases" in fail.note
    assert (flat.status, flat.trend, flat.change, flat.attainment) == ("green", "→", 0.0, 1.0)
    assert learning.status == "green"
    shown = scorecard_json(card)
    assert shown["chain"] == "learning → process → customer → financial"
    assert shown["previous"] == {"from": "2026-01-29", "to": "2026-02-28"}
    assert shown["perspectives"][3]["lines"][0]["value"] == 0.5


@pytest.mark.parametrize(("discipline", "processes"), [
    ("product_leadership", ["selection", "acquisition"]),
    ("customer_intimacy", ["acquisition", "retention", "development"]),
    ("operational_excellence", ["acquisition", "retention"]),
])
def test_the_discipline_picks_the_key_processes(
    make_analytics_app: Callable[..., App], discipline: str, processes: list[str],
) -> None:
    # REQUIREMENTS §7.4.6 [S003:47–55]; one KPI per process, listed out of order.
    entries = [{"kpi": "t.up", "process": p}
               for p in ("development", "retention", "acquisition", "selection")]
    app = scorecard_app(make_analytics_app, discipline=discipline, process=entries)
    with app.transaction() as uow:
        card = build_scorecard(uow, MARCH, FAKES)
    process = card.perspectives[1]
    assert [line.process for line in process.lines] == processes
    assert [p["process"] for p in card.processes] == processes
    assert card.processes[0]["subprocesses"]  # the sub-processes of [S003:38–45]


def test_a_key_process_without_a_kpi_is_named(make_analytics_app: Callable[..., App]) -> None:
    app = scorecard_app(make_analytics_app, discipline="customer_intimacy",
                        process=[{"kpi": "t.up", "process": "retention"}])
    with app.transaction() as uow:
        card = build_scorecard(uow, MARCH, FAKES)
    assert [(p["process"], p["has_kpis"]) for p in card.processes] == [
        ("acquisition", False), ("retention", True), ("development", False)]


def test_optional_entries_without_a_kpi_are_left_out(
    make_analytics_app: Callable[..., App],
) -> None:
    app = scorecard_app(make_analytics_app, financial=[
        {"kpi": "t.up"}, {"kpi": "nobody.provides", "optional": True}])
    with app.transaction() as uow:
        card = build_scorecard(uow, MARCH, FAKES)
    assert [line.kpi for line in card.perspectives[3].lines] == ["t.up"]
    assert "nobody.provides" in card.missing


def test_an_unknown_required_kpi_is_a_one_line_config_error(
    make_analytics_app: Callable[..., App],
) -> None:
    app = scorecard_app(make_analytics_app, customer=[{"kpi": "churn.retention_rte"}])
    with pytest.raises(ConfigError) as caught:
        check_settings(app)
    message = str(caught.value)
    assert "analytics.scorecard.customer[0].kpi" in message and "churn.retention_rte" in message
    assert "\n" not in message
    with pytest.raises(ConfigError), app.transaction() as uow:
        build_scorecard(uow, MARCH, FAKES)


def test_the_start_up_check_refuses_an_unknown_kpi(
    make_analytics_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the check as the plugin runs it at app_ready
    unknown = r"customer\[0\]\.kpi: unknown KPI 'churn\.retention_rte'"
    with pytest.raises(ConfigError, match=unknown):
        scorecard_app(make_analytics_app, customer=[{"kpi": "churn.retention_rte"}])


def test_the_default_settings_pass_the_start_up_check(analytics_app: App) -> None:
    check_settings(analytics_app)  # optional entries: whichever areas are installed


@pytest.mark.parametrize(("card", "words"), [
    ({"discipline": "cheapest"}, "discipline"),
    ({"process": [{"kpi": "t.up"}]}, "names its process"),
    ({"process": [{"kpi": "t.up", "process": "retention", "subprocess": "segmentation"}]},
     "not a sub-process of retention"),
    ({"customer": [{"kpi": "t.up", "process": "retention"}]}, "only process entries"),
    ({"customer": [{"kpi": "t.up", "weight": 0}]}, "weight"),
    ({"seven_p": {"price": []}}, "unknown P"),
    ({"financial": [{"kpi": "t.up", "colour": "red"}]}, "colour"),
])
def test_bad_settings_are_refused_at_start_up(
    make_analytics_app: Callable[..., App], card: dict, words: str,
) -> None:
    with pytest.raises(ConfigError, match=words):
        scorecard_app(make_analytics_app, **card)


def test_the_areas_own_kpis_by_hand(analytics_app: App) -> None:
    shop(analytics_app)
    found = {k.key: k for k in own_kpis()}

    def values(period: Any, user: str | None = None) -> dict[str, float | None]:
        with analytics_app.transaction(as_user=user) as uow:
            return {key: kpi.compute(uow, period) for key, kpi in found.items()}

    march = values(MARCH)
    # revenue 200 + 150 + 90 + 60 − 50 (correction) = 450; before: 100 + 300 = 400.
    assert march["scorecard.revenue"] == pytest.approx(450.0)
    assert march["scorecard.revenue_growth"] == pytest.approx(0.125)  # (450 − 400) / 400
    assert march["scorecard.average_order_value"] == pytest.approx(112.5)  # 450 / 4
    assert march["scorecard.active_customers"] == 4  # A, B, C, D
    assert march["scorecard.new_customers"] == 2  # first purchases: B, D (A, C: February)
    assert march["scorecard.contactable_share"] == pytest.approx(0.4)  # A, B of 5
    assert march["scorecard.touched_share"] == pytest.approx(0.8)  # A, B, C, D of 5
    before = values(BEFORE_MARCH)
    assert before["scorecard.revenue"] == pytest.approx(400.0)
    assert before["scorecard.new_customers"] == 2  # A, C
    # By 1 March D did not exist: A, B of A, B, C, E reachable; A, C touched.
    assert before["scorecard.contactable_share"] == pytest.approx(0.5)
    assert before["scorecard.touched_share"] == pytest.approx(0.5)
    assert before["scorecard.revenue_growth"] is None  # nothing before 29 January
    assert march["scorecard.new_leads"] is None  # no lead ever logged (no marketing)


def test_new_leads_of_the_configured_kinds(make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings={"analytics": {"scorecard": {
        "lead_kinds": ["core.contact"]}}})
    shop(app)  # one core.contact: A, 15 March
    lead = {k.key: k for k in own_kpis()}["scorecard.new_leads"]
    with app.transaction() as uow:
        assert lead.compute(uow, MARCH) == 1
        assert lead.compute(uow, BEFORE_MARCH) == 0  # leads exist, none in February


def test_own_kpis_follow_the_record_policies(analytics_app: App) -> None:
    shop(analytics_app)
    found = {k.key: k for k in own_kpis()}
    with analytics_app.transaction(as_user="agent") as uow:
        mine = {key: kpi.compute(uow, MARCH) for key, kpi in found.items()}
    with analytics_app.transaction(as_user="other") as uow:
        theirs = {key: kpi.compute(uow, MARCH) for key, kpi in found.items()}
    # The agent sees A, B, D, E: 200 + 150 + 90 − 50 = 390 (February: A's 100).
    assert mine["scorecard.revenue"] == pytest.approx(390.0)
    assert mine["scorecard.revenue_growth"] == pytest.approx(2.9)  # (390 − 100) / 100
    assert mine["scorecard.average_order_value"] == pytest.approx(130.0)  # 390 / 3
    assert mine["scorecard.contactable_share"] == pytest.approx(0.5)  # A, B of 4
    assert mine["scorecard.touched_share"] == pytest.approx(0.75)  # A, B, D of 4
    # "other" sees C alone: 60 in March, 300 before.
    assert theirs["scorecard.revenue"] == pytest.approx(60.0)
    assert theirs["scorecard.revenue_growth"] == pytest.approx(-0.8)
    assert theirs["scorecard.contactable_share"] == 0.0


def test_imported_customers_count_from_their_first_interaction(analytics_app: App) -> None:
    """A record created (imported) in April with a call logged in March is a March
    customer: 1 of 1 in touch, 0 of 1 reachable (not "no customers", not 100% + 1)."""
    with analytics_app.transaction(now=at("2026-04-10")) as uow:
        late = add_customer(uow, name="周八").id
        log_interactions(uow, [{"customer_id": late, "kind": "core.contact",
                                "occurred_at": at("2026-03-10"), "channel": "phone"}])
    found = {k.key: k for k in own_kpis()}
    with analytics_app.transaction() as uow:
        assert found["scorecard.touched_share"].compute(uow, MARCH) == 1.0
        assert found["scorecard.contactable_share"].compute(uow, MARCH) == 0.0
        assert found["scorecard.touched_share"].compute(uow, BEFORE_MARCH) is None


def test_no_data_is_none_not_zero(analytics_app: App) -> None:
    with analytics_app.transaction() as uow:
        assert {k.key: k.compute(uow, MARCH) for k in own_kpis()} == {
            k.key: None for k in own_kpis()}


def test_the_default_card_over_real_kpis(analytics_app: App) -> None:
    shop(analytics_app)
    kpis: dict[str, Kpi] = {k.key: k for k in own_kpis()}
    with analytics_app.transaction() as uow:
        card = build_scorecard(uow, MARCH, kpis)
    lines = {line.kpi: line for line in card.lines()}
    # revenue growth 12.5% against a 5% target: green; contactable 40% < 75%: red;
    # in touch 80% ≥ 50%: green; revenue has no target: no status, 400 → 450 ↑.
    assert lines["scorecard.revenue_growth"].status == "green"
    assert lines["scorecard.contactable_share"].status == "red"
    assert lines["scorecard.touched_share"].status == "green"
    assert (lines["scorecard.revenue"].status, lines["scorecard.revenue"].trend) == ("none", "↑")
    assert card.discipline == "customer_intimacy"
    # The learning perspective: (min(0.4 / 0.9, 1) + min(0.8 / 0.5, 1)) / 2.
    assert card.perspectives[0].attainment == pytest.approx((0.4 / 0.9 + 1) / 2)


def test_every_installed_kpi_runs_on_the_card(analytics_app: App) -> None:
    """The default card over whatever KPIs the areas provide: no crash, no NaN."""
    shop(analytics_app)
    with analytics_app.transaction() as uow:
        card = build_scorecard(uow, MARCH)
    assert set(k.key for k in own_kpis()) <= set(collect_kpis())
    for line in card.lines():
        assert line.value is None or line.value == line.value  # never NaN
