"""Survey reports with hand-computed figures: satisfaction (CSAT, % satisfied, NPS,
response rate) by period, team and channel; the factor analysis; complaint resolution."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.services.staff import add_team
from guanxi_service.surveys.answers import answer
from guanxi_service.surveys.models import Survey
from guanxi_service.surveys.reports import (
    complaint_resolution,
    nps_of,
    satisfaction,
    satisfaction_factors,
)
from guanxi_service.surveys.service import new_token, request_survey
from tests.service.surveys_support import T0, build_world, close_ticket

MARCH = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
APRIL = dt.datetime(2026, 4, 3, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(service_app: App) -> dict[str, int]:
    """Seven surveys (hand-made rows) over teams A (售后一组) and B (安装组):

    ======  =====  ====  ======  ========  ====  ===  =====  ========
    survey  month  team  chan.   status    CSAT  NPS  speed  attitude
    ======  =====  ====  ======  ========  ====  ===  =====  ========
    1       03     A     email   answered  5     10   5      5
    2       03     A     email   answered  4     9    4      5
    3       03     A     sms     answered  3     7    2      4
    4       03     B     email   answered  2     3    1      4
    5       03     B     email   sent
    6       03     B     sms     expired
    7       04     B     email   answered  1     0    1      2
    ======  =====  ====  ======  ========  ====  ===  =====  ========
    """
    ids = build_world(service_app)
    with service_app.transaction(now=T0) as uow:
        ids["team_b"] = add_team(uow, name="安装组").id
    a, b = ids["team"], ids["team_b"]
    rows = [(MARCH, a, "email", "answered", 5, 10, {"speed": 5, "attitude": 5}),
            (MARCH, a, "email", "answered", 4, 9, {"speed": 4, "attitude": 5}),
            (MARCH, a, "sms", "answered", 3, 7, {"speed": 2, "attitude": 4}),
            (MARCH, b, "email", "answered", 2, 3, {"speed": 1, "attitude": 4}),
            (MARCH, b, "email", "sent", None, None, {}),
            (MARCH, b, "sms", "expired", None, None, {}),
            (APRIL, b, "email", "answered", 1, 0, {"speed": 1, "attitude": 2})]
    with service_app.transaction(now=APRIL) as uow:
        for number, (sent, team, channel, status, csat, nps, factors) in enumerate(rows, 1):
            answered = sent + dt.timedelta(hours=5) if status == "answered" else None
            uow.session.add(Survey(
                token=new_token(), customer_id=ids["zhang" if number % 2 else "wang_wu"],
                source="visit", source_id=number, visit_id=number, team_id=team,
                channel=channel, status=status, created_at=sent, send_at=sent, sent_at=sent,
                answered_at=answered, csat=csat, nps=nps, factors=factors,
                poor=csat is not None and csat <= 2))
    return ids


def test_nps_is_promoters_minus_detractors() -> None:
    assert nps_of([10, 9, 7, 3]) == 25.0  # (2 − 1) / 4
    assert nps_of([9, 9, 8, 6, 0]) == 0.0  # (2 − 2) / 5
    assert nps_of([6]) == -100.0 and nps_of([10, 10]) == 100.0 and nps_of([]) is None
    assert nps_of([10, 8, 8]) == 33.3


def test_satisfaction_by_period(service_app: App, world: dict) -> None:
    with service_app.transaction() as uow:
        result = satisfaction(uow)
    march, april = result["rows"]
    assert (march["group"], march["sent"], march["answered"], march["expired"]) == (
        "2026-03", 6, 4, 1)
    # 4 of 6 answered; CSAT (5+4+3+2)/4; 2 of 4 at ≥ 4; NPS (2 promoters − 1 detractor)/4.
    assert (march["response_rate"], march["csat_average"], march["satisfied_pct"]) == (
        66.7, 3.5, 50.0)
    assert (march["promoters"], march["passives"], march["detractors"], march["nps"]) == (
        2, 1, 1, 25.0)
    assert (april["group"], april["csat_average"], april["nps"], april["poor"]) == (
        "2026-04", 1.0, -100.0, 1)
    total = result["total"]
    # 5 of 7; CSAT 15/5; 2 of 5 satisfied; NPS (2 − 2)/5.
    assert (total["response_rate"], total["csat_average"], total["satisfied_pct"],
            total["nps"], total["poor"]) == (71.4, 3.0, 40.0, 0.0, 2)


def test_satisfaction_by_team_channel_and_filtered(service_app: App, world: dict) -> None:
    with service_app.transaction() as uow:
        teams = {r["group"]: r for r in satisfaction(uow, by="team")["rows"]}
        channels = {r["group"]: r for r in satisfaction(uow, by="channel")["rows"]}
        march_b = satisfaction(uow, by="total", team="安装组", end="2026-03-31")["total"]
        weeks = [r["group"] for r in satisfaction(uow, period="week")["rows"]]
    a, b = teams["售后一组"], teams["安装组"]
    # A: 3 of 3, CSAT 4.0, 2 of 3 satisfied, NPS (2 − 0)/3. B: 2 of 4, CSAT 1.5, NPS −100.
    assert (a["sent"], a["response_rate"], a["csat_average"], a["satisfied_pct"], a["nps"]) == (
        3, 100.0, 4.0, 66.7, 66.7)
    assert (b["sent"], b["response_rate"], b["csat_average"], b["nps"]) == (4, 50.0, 1.5, -100.0)
    assert (channels["email"]["sent"], channels["email"]["answered"]) == (5, 4)
    assert (channels["sms"]["sent"], channels["sms"]["answered"]) == (2, 1)
    assert (march_b["sent"], march_b["answered"], march_b["csat_average"]) == (3, 1, 2.0)
    assert weeks == ["2026-W11", "2026-W14"]


def test_the_factor_analysis(service_app: App, world: dict) -> None:
    with service_app.transaction() as uow:
        result = satisfaction_factors(uow)
        march = satisfaction_factors(uow, start="2026-03-01", end="2026-03-31")
    assert (result["answers"], result["satisfied"]) == (5, 2)
    speed, attitude, *unrated = result["factors"]
    # speed 5,4,2,1,1 against CSAT 5,4,3,2,1: satisfied mean 4.5, others 4/3,
    # r = 11 / √(13.2 · 10) = 0.957.
    assert (speed["factor"], speed["label"], speed["answers"], speed["average"]) == (
        "speed", "响应速度", 5, 2.6)
    assert (speed["satisfied_average"], speed["dissatisfied_average"], speed["difference"],
            speed["correlation"]) == (4.5, 1.333, 3.167, 0.957)
    # attitude 5,5,4,4,2: satisfied 5.0, others 10/3, r = 7 / √(6 · 10) = 0.904.
    assert (attitude["factor"], attitude["average"], attitude["difference"],
            attitude["correlation"]) == ("attitude", 4.0, 1.667, 0.904)
    assert [(f["factor"], f["answers"], f["correlation"]) for f in unrated] == [
        ("professionalism", 0, None), ("result", 0, None)]
    assert march["answers"] == 4


def test_complaints_resolved_to_satisfaction(service_app: App, world: dict) -> None:
    """March: three complaints resolved, two answered (CSAT 5 and 3): 1 of 2 = 50 %.
    April: one, answered 4. An inquiry answered 5 does not count."""
    plan = [(MARCH, "complaint", 5), (MARCH, "complaint", 3), (MARCH, "complaint", None),
            (APRIL, "complaint", 4), (MARCH, "inquiry", 5)]
    for when, kind, csat in plan:
        with service_app.transaction(now=when, as_user="wang") as uow:
            ticket = close_ticket(uow, world["zhang"], "投诉：上门迟到", type=kind,
                                  status="resolved")
            if csat is not None:
                survey = request_survey(uow, ticket=ticket)
                answer(uow, survey.id, csat=csat)
    with service_app.transaction(now=APRIL) as uow:
        result = complaint_resolution(uow)
        quarter = complaint_resolution(uow, period="quarter", start="2026-03-01")
    assert [(r["group"], r["resolved"], r["answered"], r["satisfied"], r["rate"])
            for r in result["rows"]] == [("2026-03", 3, 2, 1, 50.0), ("2026-04", 1, 1, 1, 100.0)]
    assert (result["total"]["resolved"], result["total"]["rate"]) == (4, 66.7)
    assert [r["group"] for r in quarter["rows"]] == ["2026-Q1", "2026-Q2"]


def test_reports_see_only_the_visible_customers(service_app: App, world: dict) -> None:
    with service_app.transaction(as_user="li") as uow:  # li sees 王五's surveys: 2, 4, 6
        total = satisfaction(uow)["total"]
        factors = satisfaction_factors(uow)
    assert (total["sent"], total["answered"], total["csat_average"]) == (3, 2, 3.0)
    assert factors["answers"] == 2


@pytest.mark.parametrize(("options", "field"), [
    ({"by": "weather"}, "by"), ({"period": "decade"}, "period"), ({"start": "2026-13-01"}, "start"),
    ({"start": "2026-03-10", "end": "2026-03-01"}, "end"), ({"team": "没有这个组"}, "team"),
])
def test_bad_report_options_name_the_field(service_app: App, world: dict, options: dict,
                                           field: str) -> None:
    with pytest.raises(ValidationError) as caught, service_app.transaction() as uow:
        satisfaction(uow, **options)
    assert caught.value.field == field


def test_the_reports_are_registered(service_app: App, world: dict) -> None:
    reports = service_app.registry.reports
    with service_app.transaction() as uow:
        result = reports["service.satisfaction"].func(uow, by="team", start="2026-03-01")
        assert reports["service.satisfaction_factors"].func(uow)["answers"] == 5
        assert reports["service.complaint_resolution"].func(uow)["total"]["resolved"] == 0
    assert result["start"] == "2026-03-01" and len(result["rows"]) == 2
