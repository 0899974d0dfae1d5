"""Customer delivered value: every source of a component, per customer and segment (figures
computed by hand in the comments), the guard rule, assessments, record policies, bad input
and the personal-data parts."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from guanxi.app import App
from guanxi.errors import AccessDenied, ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi_analytics.common import Period
from guanxi_analytics.delivered.service import (
    assess,
    customer_cdv,
    guard,
    guard_segments,
    list_assessments,
    mean_cdv,
    segment_cdv,
)
from guanxi_analytics.value.models import CustomerValue
from tests.analytics.delivered_support import NOW, Kit, at, buy, count, log, people

H1 = Period(dt.date(2026, 1, 1), dt.date(2026, 7, 1))  # 2026-01-01 – 2026-06-30

# Every source once: revenue, survey (mean × 10), assessment, derived (image = 0.1 × the
# other three), count (× 20), custom fields (insurance × −1 offsets the cost).
SETTINGS: dict[str, Any] = {"analytics": {"delivered": {
    "value": {
        "product": {"source": "revenue"},
        "service": {"source": "survey", "kinds": ["kit.survey"], "field": "stars",
                    "factor": 10},
        "personnel": {"source": "assessment"},
        "image": {"source": "derived", "of": ["product", "service", "personnel"],
                  "factor": 0.1},
    },
    "cost": {
        "price": {"source": "revenue"},
        "time": {"source": "count", "kinds": ["core.contact"], "factor": 20},
        "travel": {"source": "field", "field": "travel_cost"},
        "insurance": {"source": "field", "field": "insurance_cover", "factor": -1},
    },
    "expected": {"source": "field", "field": "expected_value"},
    "group_by": "tag",
}}}


@pytest.fixture
def app(make_analytics_app: Callable[..., App]) -> App:
    return make_analytics_app(plugins=[Kit], enable=["kit"], settings=copy.deepcopy(SETTINGS))


@pytest.fixture
def world(app: App) -> dict[str, int]:
    """张三 (vip) and 李四 (vip, new) are the agent's; 王五 is the other agent's; 赵六 has
    no data at all."""
    ids = people(app, ["张三", "李四", "赵六"], hidden=["王五"],
                 custom={"张三": {"travel_cost": 15, "insurance_cover": 5,
                                  "expected_value": 200},
                         "李四": {"expected_value": 300}},
                 tags={"张三": ["vip"], "李四": ["vip", "new"]})
    a, b, h = ids["张三"], ids["李四"], ids["王五"]
    log(app, [
        buy(a, "2025-12-20", "999.00"),  # before the period
        buy(a, "2026-02-10", "100.00"), buy(a, "2026-03-05", "50.00"),
        {"customer_id": a, "kind": "kit.survey", "when": "2026-02-11", "payload": {"stars": 4}},
        {"customer_id": a, "kind": "kit.survey", "when": "2026-03-06", "payload": {"stars": 2}},
        {"customer_id": a, "kind": "kit.survey", "when": "2026-03-07", "payload": {"score": 9}},
        {"customer_id": a, "kind": "core.contact", "when": "2026-02-01"},
        {"customer_id": a, "kind": "core.contact", "when": "2026-05-01"},
        buy(b, "2026-04-01", "80.00"),
        buy(h, "2026-04-01", "1000.00"),
    ])
    with app.transaction(now=NOW) as uow:
        assess(uow, a, "personnel", "20", at=at("2026-04-01"))
        assess(uow, b, "personnel", "10", at=at("2026-03-01"))
        assess(uow, b, "personnel", "60", at=at("2026-05-01"), note="王经理很耐心")
        # After the period's end (2026-06-30 local) and before now: not counted.
        assess(uow, b, "personnel", "500", at=at("2026-07-01", 8))
    return ids


def test_every_source_per_customer_is_what_the_hand_computes(app: App, world: dict) -> None:
    # 张三: product 100 + 50 = 150; service mean(4, 2) × 10 = 30 (the answer without
    # stars left out); personnel 20; image 0.1 × (150 + 30 + 20) = 20 → value 220.
    # cost: price 150; time 2 contacts × 20 = 40; travel 15; insurance −5 → 200. CDV 20;
    # expected 200 < 220: satisfied.
    # 李四: product 80, service 0, personnel 60 (latest by the period's end), image
    # 0.1 × 140 = 14 → 154; cost: price 80 → CDV 74; expected 300 > 154: not satisfied.
    with app.transaction(as_user="agent", now=NOW) as uow:
        rows = {r.name: r for r in customer_cdv(uow, H1)}
    assert set(rows) == {"张三", "李四"}  # 王五 hidden, 赵六 without data
    a, b = rows["张三"], rows["李四"]
    assert a.value == {"product": Decimal("150.00"), "service": Decimal("30.00"),
                       "personnel": Decimal("20.00"), "image": Decimal("20.00")}
    assert a.cost == {"price": Decimal("150.00"), "time": Decimal("40.00"),
                      "travel": Decimal("15.00"), "insurance": Decimal("-5.00")}
    assert (a.total_value, a.total_cost, a.cdv, a.expected, a.satisfied) == (
        Decimal("220.00"), Decimal("200.00"), Decimal("20.00"), Decimal("200.00"), True)
    assert (b.value["personnel"], b.value["image"], b.total_value, b.cdv, b.satisfied) == (
        Decimal("60.00"), Decimal("14.00"), Decimal("154.00"), Decimal("74.00"), False)
    assert b.segments == ["new", "vip"]


def test_segments_by_tag_and_by_value_tier(app: App, world: dict) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        by_tag = {s.segment: s for s in segment_cdv(uow, H1)}
    # vip: 张三 20 and 李四 74 → mean 47, total 94, product mean (150 + 80) / 2 = 115;
    # one of the two satisfied. new: 李四 alone.
    vip = by_tag["vip"]
    assert (vip.customers, vip.mean_cdv, vip.total_cdv, vip.value["product"],
            vip.satisfied_share) == (2, Decimal("47.00"), Decimal("94.00"),
                                     Decimal("115.00"), 0.5)
    assert list(by_tag) == ["new", "vip"]  # by mean CDV, highest first: 74 then 47
    with app.transaction(now=NOW) as uow:
        for name, tier in (("张三", "high"), ("李四", "low"), ("王五", "high")):
            uow.session.add(CustomerValue(
                customer_id=world[name], period_start=H1.start, period_end=H1.end,
                tier=tier, computed_at=NOW))
    with app.transaction(as_user="agent", now=NOW) as uow:
        tiers = [(s.segment, s.customers, s.mean_cdv)
                 for s in segment_cdv(uow, H1, group_by="tier")]
    assert tiers == [("high", 1, Decimal("20.00")), ("low", 1, Decimal("74.00"))]
    with app.transaction(now=NOW) as uow:  # the system sees 王五 too: CDV 1100 − 1000
        tiers = [(s.segment, s.customers, s.mean_cdv)
                 for s in segment_cdv(uow, H1, group_by="tier")]
    assert tiers == [("high", 2, Decimal("60.00")), ("low", 1, Decimal("74.00"))]


def test_the_mean_cdv_kpi_and_no_data(app: App, world: dict) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        assert mean_cdv(uow, H1) == 47.0  # (20 + 74) / 2
        assert mean_cdv(uow, Period(dt.date(2024, 1, 1), dt.date(2024, 2, 1))) is None


def test_the_guard_rule(app: App, world: dict) -> None:
    assert guard("1000", "999.99").acceptable
    assert not guard("100", "100").acceptable  # benefit must exceed the cost
    assert guard("150", "100").ratio == 1.5
    # Per tag, uplift 10 %, 10 yuan per customer: vip revenue 150 + 80 = 230 → benefit
    # 23.00 > cost 20.00 (net 3); new: 80 → 8.00 < 10.00 (net −2).
    with app.transaction(as_user="agent", now=NOW) as uow:
        verdicts = [(v.segment, v.customers, v.benefit, v.cost, v.net, v.acceptable)
                    for v in guard_segments(uow, H1, uplift=0.1, cost_per_customer="10")]
    assert verdicts == [
        ("vip", 2, Decimal("23.00"), Decimal("20.00"), Decimal("3.00"), True),
        ("new", 1, Decimal("8.00"), Decimal("10.00"), Decimal("-2.00"), False)]


@pytest.mark.parametrize(("call", "field"), [
    (lambda uow, ids: guard("-1", "5"), "benefit"),
    (lambda uow, ids: guard("10", "ten"), "cost"),
    (lambda uow, ids: guard_segments(uow, H1, uplift=0, cost_per_customer="1"), "uplift"),
    (lambda uow, ids: customer_cdv(uow, H1, group_by="colour"), "group_by"),
    (lambda uow, ids: assess(uow, ids["张三"], "product", "5"), "component"),
    (lambda uow, ids: assess(uow, ids["张三"], "personnel", "-5"), "value"),
    (lambda uow, ids: assess(uow, ids["张三"], "personnel", "5",
                             at=NOW + dt.timedelta(days=1)), "at"),
    (lambda uow, ids: assess(uow, 999_999, "personnel", "5"), "customer"),
])
def test_bad_input_names_the_field_and_stores_nothing(
        app: App, world: dict, call: Callable[..., Any], field: str) -> None:
    before = count(app, "analytics_cdv_assessment")
    with pytest.raises(ValidationError) as caught, app.transaction(now=NOW) as uow:
        call(uow, world)
    assert caught.value.field == field
    assert count(app, "analytics_cdv_assessment") == before


def test_agents_read_assessments_of_their_customers_and_may_not_record_them(
        app: App, world: dict) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        seen = {a.customer_id for a in list_assessments(uow)}
    assert seen == {world["张三"], world["李四"]}
    with app.transaction(now=NOW) as uow:
        assess(uow, world["王五"], "personnel", "5")
    with app.transaction(as_user="agent", now=NOW) as uow:
        assert world["王五"] not in {a.customer_id for a in list_assessments(uow)}
    with pytest.raises(AccessDenied), app.transaction(as_user="agent", now=NOW) as uow:
        assess(uow, world["张三"], "personnel", "5")


def test_a_derived_component_must_name_earlier_ones(
        make_analytics_app: Callable[..., App]) -> None:
    bad = {"analytics": {"delivered": {"value": {
        "image": {"source": "derived", "of": ["product"]},
        "product": {"source": "revenue"}}}}}
    with pytest.raises(Exception, match="image.*'of' names product"):
        make_analytics_app(settings=bad)


def test_personal_data_export_and_erasure(app: App, world: dict) -> None:
    b = world["李四"]
    with app.transaction(now=NOW) as uow:
        exported = export_personal_data(uow, b)
    rows = exported["plugins"]["analytics"]["analytics_cdv_assessments"]
    assert [(r["value"], r["note"]) for r in rows] == [
        (Decimal("10.00"), None), (Decimal("60.00"), "王经理很耐心"), (Decimal("500.00"), None)]
    with app.transaction(now=NOW) as uow:
        erase_customer(uow, b, reason="request")
    assert count(app, "analytics_cdv_assessment", "note IS NOT NULL") == 0
    assert count(app, "analytics_cdv_assessment", f"customer_id = {b}") == 3


def test_report_sections_and_reports(app: App, world: dict) -> None:
    from guanxi_analytics.delivered import html_sections, kpis
    from guanxi_analytics.delivered.reports import cdv_customers_report

    with app.transaction(as_user="agent", now=NOW) as uow:
        sections = {s.key: s for s in html_sections(uow, H1)}
        empty = html_sections(uow, Period(dt.date(2024, 1, 1), dt.date(2024, 2, 1)))
        report = cdv_customers_report(uow, **{"from": "2026-01-01", "to": "2026-06-30"})
        assert [k.compute(uow, H1) for k in kpis()] == [47.0]
    bars = sections["delivered.by_segment"].chart
    assert bars is not None and bars.kind == "bar"
    assert (list(bars.labels), list(bars.series["mean CDV"])) == (["new", "vip"], [74.0, 47.0])
    stacked = sections["delivered.components"].chart
    assert stacked is not None and stacked.kind == "stacked_bar"
    # Costs below the axis: vip's mean price (150 + 80)/2 = 115 drawn as −115.
    assert list(stacked.series["cost: price"]) == [-80.0, -115.0]
    assert list(stacked.series["value: personnel"]) == [60.0, 40.0]
    assert all(s.empty and s.chart is None for s in empty)
    assert sections["delivered.by_segment"].summary == (
        "2 segments; the highest mean CDV is new (74.00), the lowest vip (47.00).")
    assert [(r["customer"], r["cdv"]) for r in report["rows"]] == [("李四", "74.00"),
                                                                   ("张三", "20.00")]
    with pytest.raises(ValidationError) as caught, app.transaction(now=NOW) as uow:
        cdv_customers_report(uow, colour="red")
    assert caught.value.field == "colour"


def test_demo_step_assesses_a_tenth_of_the_customers(app: App, world: dict) -> None:
    import random
    from types import SimpleNamespace

    from guanxi_analytics.delivered import demo_data

    before = count(app, "analytics_cdv_assessment")
    # The step reads only the records' ids.
    customers: Any = [SimpleNamespace(id=cid) for cid in world.values()]
    with app.transaction(now=NOW) as uow:
        demo_data(uow, random.Random(7), customers)
    # 4 customers → max(1, 4 // 10) = 1 assessed, on the one assessed component.
    assert count(app, "analytics_cdv_assessment") == before + 1


@pytest.mark.parametrize(("field", "reason"), [
    ("region", "custom field 'region' is not a number"),
    ("shoe_size", "no custom field 'shoe_size' is declared")])
def test_a_field_component_must_be_a_declared_number(
        make_analytics_app: Callable[..., App], field: str, reason: str) -> None:
    settings = {"analytics": {"delivered": {"cost": {
        "travel": {"source": "field", "field": field}}}}}
    app = make_analytics_app(plugins=[Kit], enable=["kit"], settings=settings)
    with pytest.raises(ValidationError) as caught, app.transaction(now=NOW) as uow:
        customer_cdv(uow, H1)
    assert (caught.value.field, caught.value.reason) == ("delivered.travel.field", reason)


def test_the_expected_value_may_be_assessed(make_analytics_app: Callable[..., App]) -> None:
    settings = {"analytics": {"delivered": {"expected": {"source": "assessment"}}}}
    app = make_analytics_app(settings=settings)
    ids = people(app, ["张三", "李四"])
    log(app, [buy(ids["张三"], "2026-02-10", "100.00"), buy(ids["李四"], "2026-02-10", "50.00")])
    with app.transaction(now=NOW) as uow:
        when = at("2026-06-01")
        assess(uow, ids["张三"], "service", "30", at=when)
        assess(uow, ids["张三"], "expected", "120", at=when)
        assess(uow, ids["李四"], "expected", "60", at=when)
        rows = {r.name: (r.total_value, r.expected, r.satisfied) for r in customer_cdv(uow, H1)}
    # 张三: perceived 100 + 30 = 130 > 120; 李四: 50 < 60.
    assert rows == {"张三": (Decimal("130.00"), Decimal("120.00"), True),
                    "李四": (Decimal("50.00"), Decimal("60.00"), False)}
