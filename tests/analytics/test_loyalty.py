"""Satisfaction and loyalty: NPS and CSAT from an edition's own survey kind and from the
service plugin's, repeat purchase, referrals and programme participation (figures
computed by hand in the comments), record policies, bad input, KPIs and report sections."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.services.customers import add_customer
from guanxi_analytics.common import Period
from guanxi_analytics.loyalty import html_sections, kpis
from guanxi_analytics.loyalty.behaviour import membership, referrals, repeat
from guanxi_analytics.loyalty.surveys import csat, nps
from tests.analytics.delivered_support import NOW, Kit, at, buy, log, people

H1 = Period(dt.date(2026, 1, 1), dt.date(2026, 7, 1))  # 2026-01-01 – 2026-06-30

SETTINGS: dict[str, Any] = {"analytics": {"loyalty": {
    "survey_kinds": ["kit.survey"], "nps_field": "score", "csat_field": "stars",
    "team_field": "team",
    "referrals": [{"kind": "kit.referral", "referrer_field": "referrer"}],
    "membership_kinds": ["kit.joined"], "membership_end_kinds": ["kit.left"],
}}}


@pytest.fixture
def app(make_analytics_app: Callable[..., App]) -> App:
    return make_analytics_app(plugins=[Kit], enable=["kit"], settings=copy.deepcopy(SETTINGS))


def survey(customer_id: int, when: str, hour: int = 10, channel: str | None = None,
           **payload: Any) -> dict[str, Any]:
    row = {"customer_id": customer_id, "kind": "kit.survey", "when": at(when, hour),
           "payload": payload}
    return {**row, "channel": channel} if channel else row


@pytest.fixture
def world(app: App) -> dict[str, int]:
    """A, B, C are the agent's, H the other agent's."""
    ids = people(app, ["A", "B", "C"], hidden=["H"])
    a, b, c, h = ids["A"], ids["B"], ids["C"], ids["H"]
    log(app, [
        survey(a, "2025-12-31", score=0),  # before the period
        survey(a, "2026-01-15", score=10, stars=5, team="north"),
        survey(b, "2026-01-20", score=9, stars=4, team="north"),
        survey(c, "2026-01-25", score=6, stars=2, team="south"),
        survey(a, "2026-02-10", score=7, stars=3, team="south"),
        survey(b, "2026-02-12", channel="phone", score=3, stars=1),
        survey(c, "2026-02-14", score=11),  # off the scale: left out
        # Midnight in Shanghai on 1 March / 1 April is still February / March in UTC.
        survey(h, "2026-03-01", hour=0, score=0, stars=1, team="north"),
        survey(c, "2026-04-01", hour=0, score=10, stars=5),
        buy(a, "2026-01-10", "10"), buy(a, "2026-02-09", "10"), buy(a, "2026-03-10", "10"),
        buy(b, "2026-04-01", "10"), buy(b, "2026-04-11", "10"), buy(c, "2026-05-05", "10"),
        buy(h, "2026-01-01", "10"), buy(h, "2026-01-31", "10"),
        {"customer_id": b, "kind": "kit.referral", "when": "2026-02-01",
         "payload": {"referrer": a}},
        {"customer_id": c, "kind": "kit.referral", "when": "2026-03-01",
         "payload": {"referrer": a}},
        {"customer_id": a, "kind": "kit.referral", "when": "2026-03-02",
         "payload": {"referrer": h}},
        {"customer_id": a, "kind": "kit.joined", "when": "2026-01-05"},
        {"customer_id": b, "kind": "kit.joined", "when": "2026-01-05"},
        {"customer_id": b, "kind": "kit.left", "when": "2026-03-01"},
        {"customer_id": c, "kind": "kit.joined", "when": "2025-12-01"},
    ])
    with app.transaction(now=at("2026-05-01")) as uow:  # referred by B, created in May
        ids["E"] = add_customer(uow, name="E", owner="agent", custom={"referred_by": b}).id
    return ids


def test_nps_by_month_is_what_the_hand_computes(app: App, world: dict) -> None:
    # Jan 10, 9, 6: 2 promoters, 1 detractor of 3 → 100 × 1/3 = 33.3. Feb 7, 3 (11 left
    # out) → 0 − 1 of 2 = −50. Apr 10 → 100. Total 10 9 6 7 3 10: (3 − 2)/6 = 16.7.
    with app.transaction(as_user="agent", now=NOW) as uow:
        rows = nps(uow, H1)
    assert [(r.group, r.answers, r.promoters, r.passives, r.detractors, r.nps)
            for r in rows] == [
        ("2026-01", 3, 2, 0, 1, 33.3), ("2026-02", 2, 0, 1, 1, -50.0),
        ("2026-04", 1, 1, 0, 0, 100.0), ("total", 6, 3, 1, 2, 16.7)]
    assert (rows[0].promoter_pct, rows[0].detractor_pct) == (66.7, 33.3)
    # The system also sees H's 0 at 00:00 on 1 March (March): total (3 − 3)/7 = 0.
    with app.transaction(now=NOW) as uow:
        rows = nps(uow, H1)
    assert [(r.group, r.nps) for r in rows][2:] == [
        ("2026-03", -100.0), ("2026-04", 100.0), ("total", 0.0)]


def test_csat_by_month_team_and_channel(app: App, world: dict) -> None:
    # Jan 5 4 2: 2 of 3 satisfied, mean 11/3. Feb 3 1: none, mean 2. Apr 5.
    # Total 5 4 2 3 1 5: 3 of 6 = 0.5, mean 20/6 = 3.333.
    with app.transaction(as_user="agent", now=NOW) as uow:
        rows = csat(uow, H1)
        teams = nps(uow, H1, by="team")
        channels = nps(uow, H1, by="channel")
    assert [(r.group, r.answers, r.satisfied, r.satisfied_share, r.mean) for r in rows] == [
        ("2026-01", 3, 2, 0.6667, 3.667), ("2026-02", 2, 0, 0.0, 2.0),
        ("2026-04", 1, 1, 1.0, 5.0), ("total", 6, 3, 0.5, 3.333)]
    # north 10 9 → 100; south 6 7 → −50; no team 3 10 → 0.
    assert [(r.group, r.answers, r.nps) for r in teams] == [
        ("north", 2, 100.0), ("south", 2, -50.0), ("(none)", 2, 0.0), ("total", 6, 16.7)]
    # phone 3 → −100; web 10 9 6 7 10 → (3 − 1)/5 = 40.
    assert [(r.group, r.nps) for r in channels] == [
        ("phone", -100.0), ("web", 40.0), ("total", 16.7)]


def test_repeat_purchase(app: App, world: dict) -> None:
    # A: 3 purchases 10 Jan – 10 Mar (59 days, 2 gaps: 29.5 each); B: 2, 10 days apart;
    # C: 1. Rate 2/3; interval (59 + 10)/(2 + 1) = 23; median of 29.5 and 10 = 19.75.
    with app.transaction(as_user="agent", now=NOW) as uow:
        mine = repeat(uow, H1)
    assert (mine.customers, mine.repeaters, mine.purchases, mine.repeat_rate,
            mine.mean_interval_days, mine.median_interval_days) == (3, 2, 6, 0.6667, 23.0, 19.75)
    # With H (2 purchases 30 days apart): 3/4; 99/4 = 24.75; median(29.5, 10, 30) = 29.5.
    with app.transaction(now=NOW) as uow:
        every = repeat(uow, H1)
    assert (every.repeat_rate, every.mean_interval_days, every.median_interval_days) == (
        0.75, 24.75, 29.5)


def test_referrals_and_membership(app: App, world: dict) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        found = referrals(uow, H1)
        members = membership(uow, H1)
    # Three logged (two by A, one by H whom the agent may not see), one customer (E)
    # created in May with referred_by = B.
    assert (found.total, found.by_source) == (
        4, {"kit.referral": 3, "custom field referred_by": 1})
    assert [(r["customer"], r["referrals"]) for r in found.top_referrers] == [("A", 2), ("B", 1)]
    # Enrolled in the period: A, B; B left in March; C joined in 2025. Members at the end:
    # A, C; purchasers A, B, C → 2/3.
    assert (members.enrolled, members.ended, members.members, members.purchasers,
            members.purchasing_members, members.participation) == (2, 1, 2, 3, 2, 0.6667)


def test_kpis_and_report_sections(app: App, world: dict) -> None:
    by_key = {k.key: k for k in kpis()}
    with app.transaction(as_user="agent", now=NOW) as uow:
        values = {key: k.compute(uow, H1) for key, k in by_key.items()}
        empty = {key: k.compute(uow, Period(dt.date(2024, 1, 1), dt.date(2024, 2, 1)))
                 for key, k in by_key.items()}
        sections = {s.key: s for s in html_sections(uow, H1)}
    assert values == {"loyalty.nps": 16.7, "loyalty.csat": 0.5, "loyalty.csat_mean": 3.333,
                      "loyalty.repeat_rate": 0.6667, "loyalty.referrals": 4.0}
    assert empty == {"loyalty.nps": None, "loyalty.csat": None, "loyalty.csat_mean": None,
                     "loyalty.repeat_rate": None, "loyalty.referrals": 0.0}
    trend = sections["loyalty.trend"].chart
    assert trend is not None and trend.kind == "line"
    assert list(trend.labels) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
                                  "2026-06"]
    assert list(trend.series["NPS"]) == [33.3, -50.0, None, 100.0, None, None]
    composition = sections["loyalty.nps_composition"].chart
    assert composition is not None and composition.kind == "stacked_bar"
    assert list(composition.series["promoters"]) == [66.7, 0.0, 100.0]
    assert sections["loyalty.indicators"].table is not None


@pytest.mark.parametrize(("options", "field"), [({"by": "year"}, "by")])
def test_bad_grouping_names_the_field(app: App, options: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught, app.transaction(now=NOW) as uow:
        nps(uow, H1, **options)
    assert caught.value.field == field


def test_without_a_team_field_by_team_is_refused_and_no_surveys_say_so(
        make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app()  # analytics alone: service.survey_answered is unknown
    with pytest.raises(ValidationError) as caught, app.transaction(now=NOW) as uow:
        nps(uow, H1, by="team")
    assert caught.value.field == "by"
    with app.transaction(now=NOW) as uow:
        assert nps(uow, H1) == [] and csat(uow, H1) == []
        sections = {s.key: s for s in html_sections(uow, H1)}
        values = {k.key: k.compute(uow, H1) for k in kpis()}
    assert "survey kinds (service.survey_answered)" in sections["loyalty.trend"].empty
    assert sections["loyalty.indicators"].empty == "no purchases in the period"
    # Nothing could record a referral: no data rather than a misleading zero.
    assert values["loyalty.referrals"] is None and values["loyalty.nps"] is None


def test_the_service_plugins_survey_answers(make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(enable=["service"])
    ids = people(app, ["A", "B"])
    # NPS 10 and 5 → (1 − 1)/2 = 0; CSAT 5 and 3 → 1 of 2 satisfied, mean 4.
    log(app, [
        {"customer_id": ids["A"], "kind": "service.survey_answered", "when": "2026-03-01",
         "payload": {"survey_id": 1, "csat": 5, "nps": 10}},
        {"customer_id": ids["B"], "kind": "service.survey_answered", "when": "2026-03-02",
         "payload": {"survey_id": 2, "csat": 3, "nps": 5, "poor": True}},
    ])
    with app.transaction(now=NOW) as uow:
        assert [(r.group, r.nps) for r in nps(uow, H1, by="total")] == [("total", 0.0)]
        assert [(r.satisfied_share, r.mean) for r in csat(uow, H1, by="total")] == [(0.5, 4.0)]


def test_the_marketing_plugins_referrals_and_members_with_the_defaults(
        make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(enable=["marketing"])
    ids = people(app, ["A", "B", "C"])
    converted = {"lead_id": 1, "score": 40, "captured_at": "2026-02-01T00:00:00+00:00",
                 "touches": 2, "created_customer": True}
    member = {"membership_id": 1, "member_number": "M0001", "tier": "silver"}
    log(app, [
        # Two converted leads: one came by referral (counted), one from a form (not).
        {"customer_id": ids["B"], "kind": "marketing.lead_converted", "when": "2026-02-03",
         "payload": {**converted, "source": "referral"}},
        {"customer_id": ids["C"], "kind": "marketing.lead_converted", "when": "2026-02-04",
         "payload": {**converted, "lead_id": 2, "source": "form"}},
        {"customer_id": ids["A"], "kind": "marketing.member_enrolled", "when": "2026-01-02",
         "payload": member},
        {"customer_id": ids["B"], "kind": "marketing.member_enrolled", "when": "2026-01-02",
         "payload": {**member, "membership_id": 2, "member_number": "M0002"}},
        {"customer_id": ids["B"], "kind": "marketing.member_cancelled", "when": "2026-06-02",
         "payload": {**member, "membership_id": 2, "member_number": "M0002"}},
        buy(ids["A"], "2026-03-01", "10"), buy(ids["C"], "2026-03-01", "10"),
    ])
    with app.transaction(now=NOW) as uow:
        found = referrals(uow, H1)
        members = membership(uow, H1)
    assert (found.total, found.by_source, found.top_referrers) == (
        1, {"marketing.lead_converted": 1}, [])
    # Enrolled A and B, B cancelled: one member (A); purchasers A and C → 1/2.
    assert (members.enrolled, members.ended, members.members, members.participation) == (
        2, 1, 1, 0.5)


def test_nps_by_value_tier(app: App, world: dict) -> None:
    from guanxi_analytics.value.models import CustomerValue

    with app.transaction(now=NOW) as uow:
        for name, tier in (("A", "high"), ("B", "low")):  # C not classified
            uow.session.add(CustomerValue(customer_id=world[name], period_start=H1.start,
                                          period_end=H1.end, tier=tier, computed_at=NOW))
    with app.transaction(as_user="agent", now=NOW) as uow:
        rows = nps(uow, H1, by="tier")
    # high (A): 10, 7 → (1 − 0)/2 = 50; low (B): 9, 3 → 0; none (C): 6, 10 → 0.
    assert [(r.group, r.answers, r.nps) for r in rows] == [
        ("high", 2, 50.0), ("low", 2, 0.0), ("(none)", 2, 0.0), ("total", 6, 16.7)]
