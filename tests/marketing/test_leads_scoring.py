"""Lead scoring: fit rules, engagement with decay and caps, explanations, the daily job."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from guanxi.app import App
from guanxi.errors import ConfigError, NotFoundError
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.jobs import run_due
from guanxi_marketing.leads.models import Lead
from guanxi_marketing.leads.scoring import (
    RESCORE_JOB,
    Event,
    contributions,
    decay,
    explain,
    fit_matches,
    grade_for,
    rescore_leads,
)
from guanxi_marketing.leads.settings import FitRule, LeadSettings
from tests.marketing.test_leads import T0, add_user, new_lead

NOTE_RULES = {"marketing": {"leads": {
    "fit_rules": [{"name": "has company", "field": "company", "points": 10}],
    "engagement_rules": [{"name": "notes", "kind": "core.*", "points": 8, "cap": 12}],
    "half_life_days": 10,
    "grades": {"hot": 20, "warm": 10},
}}}


def lead_of(**fields: Any) -> Lead:
    """A lead that is never stored (for the rule functions)."""
    return Lead(name="x", source="web", estimated_value=Decimal("0"), **fields)


@pytest.mark.parametrize(
    ("rule", "fields", "met"),
    [
        ({"field": "company"}, {"company": "恒通"}, True),
        ({"field": "company"}, {"company": "  "}, False),
        ({"field": "estimated_value"}, {}, False),  # 0 counts as not given
        ({"field": "source", "op": "equals", "value": "WEB"}, {}, True),
        ({"field": "source", "op": "in", "value": ["event", "form"]}, {}, False),
        ({"field": "interest", "op": "contains", "value": ["体检", "CT"]}, {"interest": "年度体检"},
         True),
        ({"field": "interest", "op": "contains", "value": "ct"}, {"interest": "CT scan"}, True),
        ({"field": "interest", "op": "contains", "value": "ct"}, {}, False),
        ({"field": "estimated_value", "op": "gte", "value": 1000},
         {"estimated_value": Decimal("1000")}, True),
        ({"field": "estimated_value", "op": "lte", "value": 999},
         {"estimated_value": Decimal("1000")}, False),
    ],
)
def test_fit_rules(rule: dict[str, Any], fields: dict[str, Any], met: bool) -> None:
    lead = lead_of(**{k: v for k, v in fields.items() if k != "estimated_value"})
    if "estimated_value" in fields:
        lead.estimated_value = fields["estimated_value"]
    assert fit_matches(FitRule(name="r", points=1, **rule), lead)[0] is met


def test_a_rule_without_the_value_its_op_needs_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="needs a number"):
        FitRule(name="big", field="estimated_value", op="gte", value="lots", points=1)
    with pytest.raises(ValueError, match="needs a value"):
        FitRule(name="src", field="source", op="in", points=1)


def test_bad_settings_stop_the_application(make_marketing_app: Callable[..., App]) -> None:
    with pytest.raises(ConfigError):
        make_marketing_app(settings={"marketing": {"leads": {"half_life_days": 0}}})


def test_engagement_halves_every_half_life_and_is_capped() -> None:
    assert decay(0, 10) == 1 and decay(10, 10) == 0.5 and decay(30, 10) == 0.125
    settings = LeadSettings.model_validate(NOTE_RULES["marketing"]["leads"])
    now = T0
    one_old = [Event("core.note", now - dt.timedelta(days=10))]
    parts = contributions(settings, lead_of(), one_old, now)
    assert [(p.rule, p.points) for p in parts] == [("notes", 4.0)]
    many = [Event("core.note", now)] * 3 + [Event("sales.order", now)]  # not core.*
    parts = contributions(settings, lead_of(company="c"), many, now)
    assert [(p.rule, p.points) for p in parts] == [("has company", 10.0), ("notes", 12.0)]
    assert "capped at 12" in parts[1].detail
    too_old = [Event("core.note", now - dt.timedelta(days=settings.lookback_days + 1))]
    assert contributions(settings, lead_of(), too_old, now) == []
    assert grade_for(settings, 25) == "hot" and grade_for(settings, 9) is None


@pytest.fixture
def noted_app(make_marketing_app: Callable[..., App]) -> App:
    return make_marketing_app(settings=copy.deepcopy(NOTE_RULES))  # make_app adds to it


def test_the_customer_log_counts_and_rescores_at_once(noted_app: App) -> None:
    with noted_app.transaction(now=T0) as uow:
        customer = add_customer(uow, name="陈静", emails=["c@x.cn"])
    lead = new_lead(noted_app, email="c@x.cn", company="恒通")
    assert lead.matched_customer_id == customer.id and lead.score == 10
    with noted_app.transaction(now=T0) as uow:
        log_interaction(uow, customer_id=customer.id, kind="core.note", occurred_at=T0,
                        payload={"text": "called back"})
    with noted_app.transaction(now=T0) as uow:
        explanation = explain(uow, lead.id)  # type: ignore[arg-type]
    assert explanation.score == 18 and explanation.grade == "warm"
    assert [c["rule"] for c in explanation.components] == ["has company", "notes"]


def test_the_daily_job_lets_engagement_decay(noted_app: App) -> None:
    with noted_app.transaction(now=T0) as uow:
        customer = add_customer(uow, name="陈静", emails=["c@x.cn"])
        log_interaction(uow, customer_id=customer.id, kind="core.note", occurred_at=T0,
                        payload={"text": "hello"})
    lead = new_lead(noted_app, email="c@x.cn")
    assert lead.score == 8
    assert run_due(noted_app, now=T0, only=RESCORE_JOB) == []  # first due tonight at 03:00
    outcomes = run_due(noted_app, now=T0 + dt.timedelta(days=20), only=RESCORE_JOB)
    assert [o.status for o in outcomes] == ["ok"] and "re-scored 1" in outcomes[0].detail
    with noted_app.transaction() as uow:
        explanation = explain(uow, lead.id)  # type: ignore[arg-type]
    # Twenty days after the note, two half-lives: a quarter of its 8 points is left.
    assert explanation.score == 2
    assert "8 decayed to 2.0" in explanation.components[0]["detail"]


def test_rescoring_covers_only_open_visible_leads(noted_app: App) -> None:
    add_user(noted_app, "wang", "agent")
    mine = new_lead(noted_app, as_user="wang", email="w@x.cn")
    new_lead(noted_app, email="o@x.cn")
    with noted_app.transaction(as_user="wang") as uow:
        assert rescore_leads(uow) == 1
        assert rescore_leads(uow, lead_ids=[mine.id]) == 1  # type: ignore[list-item]
    with noted_app.transaction() as uow:
        assert rescore_leads(uow) == 2
        with pytest.raises(NotFoundError):
            explain(uow, 999)
