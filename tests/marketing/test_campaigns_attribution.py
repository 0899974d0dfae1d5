"""Attribution, ROI and the success/failure study of campaigns, on a hand-computed scenario.

The scenario (window 90 days, days counted from T0):

* customer A: C1 sent d0; C2 sent d10, responded d12; C3 sent d20. Purchases: 1000.00
  on d30 (touched by C1, C2, C3), 300.00 on d100 (C1's touch is 100 days old: C2, C3
  only), 50.00 on d200 (no touch in 90 days: unattributed).
* customer B: purchase 500.00 on d-5, before any touch (unattributed); C1 sent d0,
  responded d1, converted d2; purchase 200.00 on d3 (C1 only).
* customer C: targeted by C2 but never sent (no touch); a log entry naming C3 on d4
  (a touch without membership); purchase 80.00 on d5 (C3 only).

By hand:

=========  ===========  ==========  ===================================
campaign   first-touch  last-touch  linear
=========  ===========  ==========  ===================================
C1         1000 + 200   200         1000/3 + 200       = 533.33
C2         300          0           1000/3 + 300/2     = 483.33
C3         80           1000+300+80 1000/3 + 300/2 + 80 = 563.33
=========  ===========  ==========  ===================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from guanxi.app import App, UnitOfWork
from guanxi.errors import ValidationError
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.staff import add_staff, grant_role
from guanxi_marketing.campaigns.attribution import attribute, window_for
from guanxi_marketing.campaigns.reports import attribution_report, roi_report
from guanxi_marketing.campaigns.roi import attribution, campaign_roi
from guanxi_marketing.campaigns.service import (
    add_cost,
    add_members,
    advance_member,
    create_campaign,
    record_sent,
)
from guanxi_marketing.campaigns.study import campaign_study

T0 = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
NOW = T0 + dt.timedelta(days=300)


def day(n: float) -> dt.datetime:
    """``n`` days after T0."""
    return T0 + dt.timedelta(days=n)


def purchase(uow: UnitOfWork, customer_id: int, amount: str, when: dt.datetime) -> None:
    log_interaction(uow, customer_id=customer_id, kind="core.purchase", revenue=Decimal(amount),
                    occurred_at=when)


@pytest.fixture
def scenario(marketing_app: App) -> dict[str, int]:
    """The scenario of the module docstring; ids by name."""
    with marketing_app.transaction(now=NOW) as uow:
        add_staff(uow, username="wang", display_name="王芳")
        add_staff(uow, username="li", display_name="李强")
        grant_role(uow, staff="wang", role="agent")
        grant_role(uow, staff="li", role="agent")
        a = add_customer(uow, name="客户甲", owner="wang").id
        b = add_customer(uow, name="客户乙", owner="wang").id
        c = add_customer(uow, name="客户丙", owner="li").id
        c1 = create_campaign(uow, name="春季邮件", type="email", owner="wang").id
        c2 = create_campaign(uow, name="短信提醒", type="sms", owner="wang").id
        c3 = create_campaign(uow, name="新品发布会", type="event", owner="wang").id
        add_members(uow, c1, [a, b])
        add_members(uow, c2, [a, c])
        add_members(uow, c3, [a])
        record_sent(uow, c1, [a, b], at=day(0))
        record_sent(uow, c2, [a], at=day(10))
        advance_member(uow, c2, a, "responded", response="想了解价格", at=day(12))
        record_sent(uow, c3, [a], at=day(20))
        advance_member(uow, c1, b, "responded", response="感兴趣", at=day(1))
        advance_member(uow, c1, b, "converted", at=day(2))
        log_interaction(uow, customer_id=c, kind="marketing.campaign_sent", occurred_at=day(4),
                        payload={"campaign_id": c3, "campaign": "新品发布会", "type": "event",
                                 "status": "sent"})
        for customer, amount, when in ((a, "1000.00", 30), (a, "300.00", 100),
                                       (a, "50.00", 200), (b, "500.00", -5), (b, "200.00", 3),
                                       (c, "80.00", 5)):
            purchase(uow, customer, amount, day(when))
        add_cost(uow, c1, "400.00", incurred_on="2026-01-04", note="设计")
        add_cost(uow, c2, "600.00", incurred_on="2026-01-10")
        add_cost(uow, c2, "400.00", incurred_on="2026-01-20", note="短信费")
    return {"a": a, "b": b, "c": c, "c1": c1, "c2": c2, "c3": c3}


def test_each_model_credits_what_was_computed_by_hand(marketing_app: App, scenario: dict) -> None:
    c1, c2, c3 = scenario["c1"], scenario["c2"], scenario["c3"]
    with marketing_app.transaction(now=NOW) as uow:
        window = window_for(uow)
        first = attribute(uow, "first_touch", window)
        last = attribute(uow, "last_touch", window)
        linear = attribute(uow, "linear", window)
    assert first == {c1: (Decimal("1200.00"), 2), c2: (Decimal("300.00"), 1),
                     c3: (Decimal("80.00"), 1)}
    assert last == {c1: (Decimal("200.00"), 1), c3: (Decimal("1380.00"), 3)}
    assert linear == {c1: (Decimal("533.33"), 2), c2: (Decimal("483.33"), 2),
                      c3: (Decimal("563.33"), 3)}


def test_the_window_and_the_period_decide_what_counts(marketing_app: App, scenario: dict) -> None:
    c1, c2, c3 = scenario["c1"], scenario["c2"], scenario["c3"]
    with marketing_app.transaction(now=NOW) as uow:
        # 190 days: C1's touch counts for the 300.00 of d100; for the 50.00 of d200 only
        # C2 (d10, d12) and C3 (d20) do, C1's touch of d0 is 200 days old.
        wide = attribute(uow, "first_touch", window_for(uow, days=190))
        # Only purchases of January 2026 (local dates): d30 = 4 February is out.
        january = attribute(uow, "linear", window_for(uow, start="2026-01-01", end="2026-01-31"))
        result = attribution(uow, window=190)
    assert wide == {c1: (Decimal("1500.00"), 3), c2: (Decimal("50.00"), 1),
                    c3: (Decimal("80.00"), 1)}
    assert january == {c1: (Decimal("200.00"), 1), c3: (Decimal("80.00"), 1)}
    assert result.window_days == 190
    assert result.touched_revenue == Decimal("2130.00")  # every purchase of A, B and C
    assert [(r.name, r.first_touch, r.last_touch) for r in result.rows] == [
        ("春季邮件", Decimal("1500.00"), Decimal("200.00")),
        ("短信提醒", Decimal("50.00"), Decimal("0.00")),
        ("新品发布会", Decimal("80.00"), Decimal("1430.00"))]
    assert [r.id for r in result.rows] == [c1, c2, c3]


def test_a_settings_window_and_model_apply(make_marketing_app: Callable[..., App]) -> None:
    app = make_marketing_app(settings={"marketing": {"campaigns": {
        "attribution_window_days": 5, "attribution_model": "last_touch",
        "revenue_kinds": ["sales.order"]}}})
    with app.transaction(now=NOW) as uow:
        person = add_customer(uow, name="张三").id
        campaign = create_campaign(uow, name="x", type="sms").id
        add_members(uow, campaign, [person])
        record_sent(uow, campaign, at=day(0))
        purchase(uow, person, "10.00", day(1))  # core.purchase: not a revenue kind here
        assert window_for(uow).days == 5
        assert attribute(uow, "linear", window_for(uow)) == {}
        assert campaign_roi(uow)[0].model == "last_touch"


def test_roi_rates_and_cost_per_result(marketing_app: App, scenario: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        linear = {p.name: p for p in campaign_roi(uow)}
        first = campaign_roi(uow, campaign=scenario["c1"], model="first_touch")
    c1, c2, c3 = linear["春季邮件"], linear["短信提醒"], linear["新品发布会"]
    assert (c1.members, c1.reached, c1.responded, c1.converted) == (2, 2, 1, 1)
    assert (c1.response_rate, c1.conversion_rate) == (0.5, 0.5)
    assert (c1.actual_cost, c1.cost_per_response, c1.cost_per_conversion) == (
        Decimal("400.00"), Decimal("400.00"), Decimal("400.00"))
    assert (c1.attributed_revenue, c1.roi) == (Decimal("533.33"), 0.3333)  # 133.33 / 400
    assert (c2.members, c2.reached, c2.responded, c2.response_rate) == (2, 1, 1, 1.0)
    assert (c2.actual_cost, c2.roi, c2.cost_per_conversion) == (Decimal("1000.00"), -0.5167, None)
    assert (c3.actual_cost, c3.roi, c3.attributed_revenue) == (
        Decimal("0.00"), None, Decimal("563.33"))
    assert [(p.model, p.attributed_revenue, p.roi) for p in first] == [
        ("first_touch", Decimal("1200.00"), 2.0)]


def test_reports_are_registered_and_json_ready(marketing_app: App, scenario: dict) -> None:
    reports = marketing_app.registry.reports
    assert reports["marketing.campaign_roi"].func is roi_report
    assert reports["marketing.attribution"].func is attribution_report
    with marketing_app.transaction(now=NOW) as uow:
        roi = reports["marketing.campaign_roi"].func(uow, model="last_touch")
        attributed = reports["marketing.attribution"].func(uow, start="2026-01-01")
        study = reports["marketing.campaign_study"].func(uow, by="type")
    assert [(r["name"], r["attributed_revenue"]) for r in roi["rows"]] == [
        ("春季邮件", "200.00"), ("短信提醒", "0.00"), ("新品发布会", "1380.00")]
    assert attributed["touched_revenue"] == "1630.00"  # B's 500.00 of 31 Dec. is before it
    assert attributed["rows"][0]["linear"] == "533.33"
    assert {r["label"]: r["converted"] for r in study["rows"]} == {"email": 1, "sms": 0,
                                                                   "event": 0}


def test_bad_options_name_the_field(marketing_app: App, scenario: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        for options, field in (({"model": "u-shaped"}, "model"), ({"window": "0"}, "window"),
                               ({"window": "x"}, "window"), ({"start": "2026-13-01"}, "start"),
                               ({"start": "2026-02-01", "end": "2026-01-01"}, "end")):
            with pytest.raises(ValidationError) as caught:
                campaign_roi(uow, **options)
            assert caught.value.field == field


def test_the_study_compares_converted_and_not(marketing_app: App, scenario: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        by_campaign = campaign_study(uow)
        by_kind = campaign_study(uow, by="customer_kind", campaign=scenario["c1"])
        by_segment = campaign_study(uow, by="segment")
        with pytest.raises(ValidationError):
            campaign_study(uow, by="weather")
    assert [(r.label, r.members, r.reached, r.responded, r.converted, r.not_converted,
             r.conversion_rate) for r in by_campaign] == [
        ("春季邮件", 2, 2, 1, 1, 1, 0.5), ("新品发布会", 1, 1, 0, 0, 1, 0.0),
        ("短信提醒", 2, 1, 1, 0, 2, 0.0)]
    assert [(r.label, r.members, r.converted) for r in by_kind] == [("person", 2, 1)]
    assert [(r.label, r.members) for r in by_segment] == [("(no segment)", 5)]


def test_an_agent_is_credited_only_with_what_he_may_see(
    marketing_app: App, scenario: dict
) -> None:
    # wang owns the campaigns and customers A and B; C belongs to li.
    with marketing_app.transaction(now=NOW, as_user="wang") as uow:
        linear = attribute(uow, "linear", window_for(uow))
        result = attribution(uow)
        roi = {p.name: p.members for p in campaign_roi(uow)}
    assert linear[scenario["c3"]] == (Decimal("483.33"), 2)  # without C's 80.00
    assert result.touched_revenue == Decimal("2050.00")
    assert roi == {"春季邮件": 2, "短信提醒": 1, "新品发布会": 1}
    with marketing_app.transaction(now=NOW, as_user="li") as uow:
        # He sees every campaign, but of the members only C (targeted by 短信提醒, never
        # sent); C's 80.00 goes to 新品发布会, whose log entry touched C on day 4.
        roi = {p.name: (p.members, p.attributed_revenue) for p in campaign_roi(uow)}
        linear = attribute(uow, "linear", window_for(uow))
        result = attribution(uow)
    assert roi == {"春季邮件": (0, Decimal("0.00")), "短信提醒": (1, Decimal("0.00")),
                   "新品发布会": (0, Decimal("80.00"))}
    assert linear == {scenario["c3"]: (Decimal("80.00"), 1)}
    assert result.touched_revenue == Decimal("80.00")
