"""Campaign and service KPIs over a handful of logged entries, computed by hand.

Campaigns (March 2026, UTC; 1 春季促销 costs 100 per message sent, logged on the sent
entries; 2 会员日 has its cost, 200, in the settings):

* sent: 1 → A B C (03-01), 2 → A B (03-05); 1 → H (03-01, a customer agent cannot see).
* responded: 1 ← A 03-03, B 03-04, H 03-02; 2 ← A 03-06. Converted: 1 ← A 03-10.
* purchases: A 600 on 03-08, B 300 on 03-20, C 100 on 03-12 (C never responded), H 1000
  on 03-05, and A 50 on 04-20 (outside March).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from guanxi.app import App
from guanxi.errors import ConfigError, ValidationError
from guanxi_analytics.common import Period
from guanxi_analytics.kpis.campaigns import attribute, campaign_kpis, overall_roi
from guanxi_analytics.kpis.service import service_kpis, sla_compliance
from tests.analytics.kpis_support import (
    NOW,
    campaign,
    log,
    people,
    purchase,
    repair,
    survey,
    ticket,
)

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))


@pytest.fixture
def marketing_app(make_analytics_app: Callable[..., App]) -> tuple[App, dict[str, int]]:
    app = make_analytics_app(enable=["marketing"], settings={
        "core": {"timezone": "UTC"},
        "analytics": {"kpis": {"campaign_costs": {"2": "200"}}}})
    ids = people(app)
    a, b, c, h = ids["A"], ids["B"], ids["C"], ids["H"]
    log(app, [
        *[campaign("sent", x, 1, "03-01", cost="100.00", direction="outbound")
          for x in (a, b, c, h)],
        *[campaign("sent", x, 2, "03-05", direction="outbound") for x in (a, b)],
        campaign("responded", a, 1, "03-03"), campaign("responded", b, 1, "03-04"),
        campaign("responded", h, 1, "03-02"), campaign("responded", a, 2, "03-06"),
        campaign("converted", a, 1, "03-10"),
        purchase(a, "03-08", "600"), purchase(b, "03-20", "300"), purchase(c, "03-12", "100"),
        purchase(h, "03-05", "1000"), purchase(a, "04-20", "50"),
    ])
    return app, ids


def test_campaign_rates_cost_attribution_and_roi(marketing_app: tuple[App, dict]) -> None:
    app, _ = marketing_app
    with app.transaction(as_user="agent", now=NOW) as uow:
        rows = {r.campaign_id: r for r in campaign_kpis(uow, MARCH)}
        overall = overall_roi(uow, MARCH)
    one, two = rows[1], rows[2]
    # 1: members A B C, responded A B (2/3), converted A (1/3); cost 3 × 100.
    assert (one.campaign, one.members, one.responded, one.converted) == ("春季促销", 3, 2, 1)
    assert (one.response_rate, one.conversion_rate, one.cost) == (0.6667, 0.3333, Decimal("300"))
    # 2: members A B, responded A (1/2), none converted; cost 200 from the settings.
    assert (two.members, two.response_rate, two.conversion_rate, two.cost) == (
        2, 0.5, 0.0, Decimal("200"))
    # A's 600 on 03-08 has touches 1 (03-03) and 2 (03-06; the conversion of 03-10 is
    # after it): first → 1, last → 2, linear 300 each. B's 300 (03-20) has 1 (03-04, 16
    # days, inside 30) only. C's 100 has no touch; A's 04-20 is outside March.
    assert one.attributed == {"first_touch": Decimal("900.00"), "last_touch": Decimal("300.00"),
                              "linear": Decimal("600.00")}
    assert two.attributed == {"first_touch": Decimal("0.00"), "last_touch": Decimal("600.00"),
                              "linear": Decimal("300.00")}
    # ROI (linear): 1 (600 − 300) / 300 = 1.0; 2 (300 − 200) / 200 = 0.5;
    # together (900 − 500) / 500 = 0.8.
    assert (one.roi, two.roi, overall) == (1.0, 0.5, 0.8)


def test_attribution_window_and_record_policies(marketing_app: tuple[App, dict]) -> None:
    app, _ = marketing_app
    with app.transaction(as_user="agent", now=NOW) as uow:
        # With 10 days B's purchase (16 days after its touch) is credited to nobody.
        assert attribute(uow, MARCH, "first_touch", window_days=10) == {1: Decimal("600.00")}
        with pytest.raises(ValidationError, match="model"):
            attribute(uow, MARCH, "u_shaped")
    with app.transaction(as_user="other", now=NOW) as uow:
        [theirs] = campaign_kpis(uow, MARCH)
    # "other" sees H only: member of 1, responded 03-02, bought 1000 on 03-05.
    assert (theirs.members, theirs.responded, theirs.cost) == (1, 1, Decimal("100.00"))
    assert theirs.attributed["linear"] == Decimal("1000.00") and theirs.roi == 9.0
    with app.transaction(now=NOW) as uow:
        assert {r.campaign_id: r.members for r in campaign_kpis(uow, MARCH)} == {1: 4, 2: 2}


@pytest.fixture
def service_app(make_analytics_app: Callable[..., App]) -> tuple[App, dict[str, int]]:
    # No surveys sent after a closed ticket: the tickets here exist only in the log.
    app = make_analytics_app(enable=["service"], settings={
        "core": {"timezone": "UTC"}, "service": {"surveys": {"send_after": []}}})
    ids = people(app)
    a, b, c, h = ids["A"], ids["B"], ids["C"], ids["H"]
    log(app, [
        # T1 urgent: 3 hours (target 4: met).
        ticket("opened", a, 1, "03-02", priority="urgent"),
        ticket("resolved", a, 1, "03-02 03:00", priority="urgent"),
        # T2 normal: 96 hours (target 72: missed), reopened afterwards (not first contact).
        ticket("opened", a, 2, "03-02"), ticket("resolved", a, 2, "03-06"),
        ticket("reopened", a, 2, "03-07"),
        # T3 normal complaint: closed without a resolved entry after 24 hours (met); the
        # customer wrote back before (not first contact).
        ticket("opened", b, 3, "03-03", type_="complaint"),
        ticket("customer_reply", b, 3, "03-03 12:00", type_="complaint"),
        ticket("closed", b, 3, "03-04", type_="complaint"),
        # T4 high complaint, still open.
        ticket("opened", b, 4, "03-10", type_="complaint", priority="high"),
        # T5 low, opened in February: 96 hours (target 120: met).
        ticket("opened", c, 5, "02-25", priority="low"),
        ticket("resolved", c, 5, "03-01", priority="low"),
        # T6 of a priority without a target: counted, not measured.
        ticket("opened", c, 6, "03-05", priority="vip"),
        ticket("resolved", c, 6, "03-05 06:00", priority="vip"),
        # T7 of a customer agent cannot see: a complaint resolved in an hour.
        ticket("opened", h, 7, "03-05", type_="complaint"),
        ticket("resolved", h, 7, "03-05 01:00", type_="complaint"),
        # Surveys: about the complaint T3 one satisfied (5), one poor (2); T1 is no complaint.
        survey(b, 1, 3, "03-05", 5), survey(b, 2, 3, "03-06", 2, poor=True),
        survey(a, 3, 1, "03-03", 5),
        # Repairs delivered in March: on time, late, on time; April's is outside.
        repair(a, 1, "03-05", True), repair(b, 2, "03-06", False), repair(c, 3, "03-20", True),
        repair(c, 4, "04-02", True),
    ])
    return app, ids


def test_service_kpis_by_hand(service_app: tuple[App, dict]) -> None:
    app, _ = service_app
    with app.transaction(as_user="agent", now=NOW) as uow:
        rows = {r.priority: (r.resolved, r.measured, r.met, r.compliance, r.mean_hours)
                for r in sla_compliance(uow, MARCH)}
        kpis = service_kpis(uow, MARCH)
    # Resolved in March: T1 urgent met; T2 and T3 normal, 96 h missed and 24 h met (mean
    # 60); T5 low met; T6 vip without a target.
    assert rows == {"urgent": (1, 1, 1, 1.0, 3.0), "normal": (2, 2, 1, 0.5, 60.0),
                    "low": (1, 1, 1, 1.0, 96.0), "vip": (1, 0, 0, None, 6.0)}
    assert list(rows) == ["urgent", "normal", "low", "vip"]  # the settings' order first
    # SLA 3 met of 4 measured; FCR: 5 resolved, T2 reopened and T3 answered → 3/5.
    assert (kpis.resolved, kpis.sla_measured, kpis.sla_met, kpis.sla_compliance) == (
        5, 4, 3, 0.75)
    assert (kpis.first_contact_resolved, kpis.first_contact_resolution_rate) == (3, 0.6)
    # Repairs: 2 of 3 on time. Complaints opened in March: T3 (resolved), T4 (open) → 1/2;
    # surveys about T3: 5 (satisfied) and 2 (poor) → 1/2.
    assert (kpis.repairs_completed, kpis.repairs_on_time, kpis.repair_on_time_rate) == (
        3, 2, 0.6667)
    assert (kpis.complaints_opened, kpis.complaints_resolved,
            kpis.complaint_resolution_rate) == (2, 1, 0.5)
    assert (kpis.complaint_surveys, kpis.complaint_satisfied,
            kpis.complaint_satisfaction_rate) == (2, 1, 0.5)
    with app.transaction(as_user="other", now=NOW) as uow:
        theirs = service_kpis(uow, MARCH)
    assert (theirs.resolved, theirs.complaints_opened, theirs.complaints_resolved,
            theirs.repairs_completed) == (1, 1, 1, 0)
    assert theirs.repair_on_time_rate is None


def test_an_sla_result_in_the_payload_is_taken_at_its_word(
        make_analytics_app: Callable[..., App]) -> None:
    from pydantic import BaseModel, ConfigDict

    import guanxi

    class Loose(BaseModel):
        model_config = ConfigDict(extra="allow")

    class Acme:
        plugin = guanxi.Plugin(name="acme", version="1.0")

        @staticmethod
        @guanxi.hookimpl
        def register_interaction_kinds(register):  # type: ignore[no-untyped-def]
            for kind in ("acme.opened", "acme.done"):
                register(kind, schema=Loose, description=kind)

    app = make_analytics_app(plugins=[Acme], enable=["acme"], settings={
        "core": {"timezone": "UTC"},
        "analytics": {"kpis": {"ticket_opened_kind": "acme.opened",
                               "resolved_kinds": ["acme.done"], "sla_met_field": "ok"}}})
    ids = people(app)
    base = {"customer_id": ids["A"]}
    log(app, [
        # 1: one hour, but the entry says the SLA was missed; 2: 200 hours, said met;
        # 3: 100 hours (normal: 72, missed) and nothing said.
        {**base, "kind": "acme.opened", "when": "03-01", "payload": {"ticket_id": 1}},
        {**base, "kind": "acme.done", "when": "03-01 01:00",
         "payload": {"ticket_id": 1, "priority": "normal", "ok": False}},
        {**base, "kind": "acme.opened", "when": "03-01", "payload": {"ticket_id": 2}},
        {**base, "kind": "acme.done", "when": "03-09 08:00",
         "payload": {"ticket_id": 2, "priority": "normal", "ok": True}},
        {**base, "kind": "acme.opened", "when": "03-01", "payload": {"ticket_id": 3}},
        {**base, "kind": "acme.done", "when": "03-05 04:00",
         "payload": {"ticket_id": 3, "priority": "normal"}},
    ])
    with app.transaction(now=NOW) as uow:
        [row] = sla_compliance(uow, MARCH)
    assert (row.resolved, row.measured, row.met, row.from_payload, row.mean_hours) == (
        3, 3, 1, 2, 100.33)  # (1 + 200 + 100) / 3 = 100.33 hours


def test_analytics_alone_says_no_data(analytics_app: App) -> None:
    with analytics_app.transaction() as uow:
        assert campaign_kpis(uow, MARCH) == []
        assert overall_roi(uow, MARCH) is None
        kpis = service_kpis(uow, MARCH)
        assert sla_compliance(uow, MARCH) == []
    assert (kpis.sla_compliance, kpis.repair_on_time_rate, kpis.complaint_resolution_rate,
            kpis.first_contact_resolution_rate) == (None, None, None, None)


def test_without_costs_the_roi_section_compares_rates(
        make_analytics_app: Callable[..., App]) -> None:
    from guanxi_analytics.kpis import html_sections, kpis

    app = make_analytics_app(enable=["marketing"], settings={"core": {"timezone": "UTC"}})
    ids = people(app)
    # Campaign 1 reaches A, B and C; A and B respond, A converts; no cost anywhere.
    log(app, [*[campaign("sent", ids[x], 1, "03-01") for x in "ABC"],
              campaign("responded", ids["A"], 1, "03-02"),
              campaign("responded", ids["B"], 1, "03-03"),
              campaign("converted", ids["A"], 1, "03-04")])
    with app.transaction(now=NOW) as uow:
        sections = {s.key: s for s in html_sections(uow, MARCH)}
        roi = {k.key: k for k in kpis()}["kpis.campaign_roi"].compute(uow, MARCH)
    section = sections["kpis.campaign_roi"]
    assert roi is None and "cannot be computed" in section.summary
    assert section.chart is not None and section.chart.series == {
        "response rate": [66.7], "conversion rate": [33.3]}  # 2/3 and 1/3
    assert sections["kpis.service"].empty.startswith("no ticket resolutions")


@pytest.mark.parametrize(("kpis_settings", "message"), [
    ({"campaign_costs": {"1": "-5"}}, "cannot be negative"),
    ({"campaign_costs": {"spring": "5"}}, "not a campaign id"),
    ({"resolution_hours": {"urgent": 0}}, "must be positive"),
    ({"attribution_window_days": 0}, "attribution_window_days"),
    ({"roi_model": "u_shaped"}, "roi_model"),
])
def test_bad_settings_are_refused_naming_them(
        make_analytics_app: Callable[..., App], kpis_settings: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_analytics_app(settings={"analytics": {"kpis": kpis_settings}})
