"""Converting leads to customers; the conversion hook; reports, privacy and demo data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text

import guanxi
from guanxi.app import App
from guanxi.errors import NotFoundError, ValidationError
from guanxi.privacy import ERASED_NAME, erase_customer, export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.interactions import timeline
from guanxi.services.lookup import get_customer, list_customers
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.leads.common import get_lead
from guanxi_marketing.leads.conversion import convert_lead
from guanxi_marketing.leads.demo import generate_demo
from guanxi_marketing.leads.models import Lead
from guanxi_marketing.leads.reports import (
    conversion_rates,
    conversion_report,
    funnel_report,
    lead_funnel,
)
from guanxi_marketing.leads.service import capture_lead, qualify_lead
from tests.marketing.test_leads import T0, add_user, lead_count, new_lead


class Recorder:
    """A plugin answering ``marketing_lead_converted`` (or failing, when told to)."""

    plugin = guanxi.Plugin(name="recorder", version="1.0")
    calls: list[tuple[dict[str, Any], int]] = []
    fail = False

    @staticmethod
    @guanxi.hookimpl(optionalhook=True)
    def marketing_lead_converted(uow, lead, customer_id):  # type: ignore[no-untyped-def]
        if Recorder.fail:
            raise ValidationError("hook", "the recorder refuses")
        Recorder.calls.append((lead, customer_id))
        return {"recorded": lead["id"]}


@pytest.fixture
def app(make_marketing_app: Callable[..., App]) -> App:
    """Marketing without sales, with the recorder answering the conversion hook."""
    Recorder.calls, Recorder.fail = [], False
    built = make_marketing_app(disable=["sales"], plugins=[Recorder], enable=["recorder"])
    add_user(built, "wang", "agent")
    add_user(built, "li", "agent")
    return built


def qualified(app: App, **fields: Any) -> Lead:
    """A qualified lead owned by wang."""
    fields.setdefault("owner", "wang")
    lead = new_lead(app, **fields)
    with app.transaction(now=T0) as uow:
        return qualify_lead(uow, lead.id)  # type: ignore[arg-type]


def test_conversion_makes_a_person_in_an_organisation_and_calls_the_hook(app: App) -> None:
    lead = qualified(app, company="恒通机械", email="w@ht.cn", phone="13912345678",
                     interest="挖掘机", estimated_value="80000")
    with app.transaction(as_user="wang", now=T0 + dt.timedelta(days=3)) as uow:
        converted = convert_lead(uow, lead.id)  # type: ignore[arg-type]
        person = get_customer(uow, converted.customer_id)  # type: ignore[arg-type]
        assert (person.name, person.primary_email, person.primary_phone) == (
            "王伟", "w@ht.cn", "+8613912345678")
        assert person.owner_id == converted.owner_id
        organisation = get_customer(uow, person.organization_id)  # type: ignore[arg-type]
        assert (organisation.kind, organisation.name) == ("organization", "恒通机械")
        logged = [i for i in timeline(uow, person.id) if i.kind == "marketing.lead_converted"]  # type: ignore[arg-type]
    assert converted.status == "converted" and converted.converted_at is not None
    assert converted.conversion == {"customer_id": person.id, "created_customer": True,
                                    "organization_id": organisation.id,
                                    "results": [{"recorded": lead.id}]}
    hook_lead, hook_customer = Recorder.calls[0]
    assert hook_customer == person.id and hook_lead["interest"] == "挖掘机"
    assert str(hook_lead["estimated_value"]) == "80000.00"
    payload = logged[0].payload
    assert (payload["lead_id"], payload["touches"], payload["created_customer"]) == (
        lead.id, 1, True)
    assert payload["results"] == [{"recorded": lead.id}]


def test_a_lead_of_a_known_person_is_linked_not_duplicated(app: App) -> None:
    with app.transaction(now=T0) as uow:
        known = add_customer(uow, name="老客户", emails=["old@x.cn"], owner="wang")
        organisation = add_customer(uow, kind="organization", name="恒通机械")
    lead = qualified(app, email="OLD@x.cn")
    other = qualified(app, email="new@x.cn", company="恒通机械")
    before = _customers(app)
    with app.transaction(as_user="wang") as uow:
        assert convert_lead(uow, lead.id).customer_id == known.id  # type: ignore[arg-type]
        made = convert_lead(uow, other.id)  # type: ignore[arg-type]
        assert made.conversion["organization_id"] == organisation.id  # reused
    assert _customers(app) == before + 1  # only the new person


def _customers(app: App) -> int:
    with app.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM customer")).scalar_one()


def test_conversion_to_a_named_customer(app: App) -> None:
    with app.transaction(now=T0) as uow:
        chosen = add_customer(uow, name="指定客户", owner="wang")
        hidden = add_customer(uow, name="别人的客户", owner="li")
    lead = qualified(app)
    with pytest.raises(ValidationError) as caught, app.transaction(as_user="wang") as uow:
        convert_lead(uow, lead.id, customer_id=hidden.id)  # type: ignore[arg-type]
    assert caught.value.field == "customer_id"
    with app.transaction(as_user="wang") as uow:
        assert convert_lead(uow, lead.id, customer_id=chosen.id).customer_id == chosen.id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("setup", "field"),
    [("new", "status"), ("unowned", "owner"), ("converted", "status")],
)
def test_conversion_is_refused_before_qualification_without_owner_or_twice(
    app: App, setup: str, field: str
) -> None:
    if setup == "new":
        lead = new_lead(app, owner="wang")
    elif setup == "unowned":
        lead = qualified(app, owner=None)
    else:
        lead = qualified(app)
        with app.transaction() as uow:
            convert_lead(uow, lead.id)  # type: ignore[arg-type]
    customers, calls = _customers(app), len(Recorder.calls)
    with pytest.raises(ValidationError) as caught, app.transaction() as uow:
        convert_lead(uow, lead.id)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert (_customers(app), len(Recorder.calls)) == (customers, calls)


def test_a_failing_hook_undoes_the_whole_conversion(app: App) -> None:
    lead = qualified(app, company="新公司")
    Recorder.fail = True
    customers = _customers(app)
    with pytest.raises(ValidationError, match="recorder refuses"), app.transaction() as uow:
        convert_lead(uow, lead.id)  # type: ignore[arg-type]
    assert _customers(app) == customers
    with app.transaction() as uow:
        assert get_lead(uow, lead.id).status == "qualified"  # type: ignore[arg-type]


def test_only_the_owner_or_an_assigner_converts(app: App) -> None:
    lead = qualified(app)
    add_user(app, "root", "admin")
    with pytest.raises(NotFoundError), app.transaction(as_user="li") as uow:
        convert_lead(uow, lead.id)  # type: ignore[arg-type]  # wang's lead: li cannot see it
    with app.transaction(as_user="root") as uow:
        assert convert_lead(uow, lead.id).status == "converted"  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- reports


def test_funnel_and_conversion_rates(app: App) -> None:
    with app.transaction(now=T0) as uow:
        campaign = Campaign(name="春季展会", type="event", created_at=T0, updated_at=T0)
        uow.session.add(campaign)
        uow.session.flush()
    for number, source in enumerate(["event", "event", "event", "web"]):
        lead = qualified(app, source=source, email=f"f{number}@x.cn",
                         campaign_id=campaign.id if source == "event" else None,
                         estimated_value=str(1000 * (number + 1)))
        if number < 2:
            with app.transaction() as uow:
                convert_lead(uow, lead.id)  # type: ignore[arg-type]
    new_lead(app, source="web", email="open@x.cn")
    with app.transaction() as uow:
        funnel = {row.source: row for row in lead_funnel(uow)}
        by_source = {row.key: row for row in conversion_rates(uow)}
        by_campaign = {row.key: row for row in conversion_rates(uow, by="campaign")}
        assert funnel_report(uow)["rows"][0]["source"] == "event"
        assert conversion_report(uow, by="campaign")["by"] == "campaign"
        with pytest.raises(ValidationError):
            conversion_rates(uow, by="owner")
    assert (funnel["event"].converted, funnel["event"].qualified, funnel["web"].total) == (2, 1, 2)
    assert (funnel["web"].new, funnel["web"].qualified) == (1, 1)
    assert by_source["event"].rate == pytest.approx(2 / 3, abs=1e-4)
    assert str(by_source["event"].converted_value) == "3000.00"  # 1000 + 2000
    assert by_source["web"].rate == 0
    assert by_campaign[f"{campaign.id} 春季展会"].converted == 2
    assert by_campaign["-"].leads == 2


# ----------------------------------------------------------------------------- privacy


def test_export_and_erasure_of_a_converted_leads_customer(app: App) -> None:
    lead = qualified(app, email="e@x.cn", phone="13900001111", company="恒通",
                     notes="likes tea", estimated_value="500")
    with app.transaction() as uow:
        customer_id = convert_lead(uow, lead.id).customer_id  # type: ignore[arg-type]
    matched = new_lead(app, email="e@x.cn", notes="came again")  # flagged: matches him
    assert matched.matched_customer_id == customer_id
    with app.transaction() as uow:
        exported = export_personal_data(uow, customer_id)  # type: ignore[arg-type]
    leads = exported["plugins"]["marketing"]["leads"]
    assert [(row["id"], row["notes"]) for row in leads] == [
        (lead.id, "likes tea"), (matched.id, "came again")]
    with app.transaction() as uow:
        erase_customer(uow, customer_id, reason="request")  # type: ignore[arg-type]
    with app.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT name, company, email, phone, interest, notes, touches, score, estimated_value,"
            " status FROM marketing_lead ORDER BY id")).all()
    for row in rows:
        assert row.name == ERASED_NAME
        assert (row.company, row.email, row.phone, row.notes, row.interest) == (None,) * 5
        assert row.touches in ([], "[]")
    assert [(r.status, r.score > 0) for r in rows] == [("converted", True), ("new", True)]
    assert rows[0].estimated_value == 50000  # hundredths: aggregates keep their amounts


# ----------------------------------------------------------------------------- demo


def test_demo_leads_are_scored_and_some_converted(app: App) -> None:
    with app.transaction(now=T0) as uow:
        customers = list_customers(uow, limit=10)
        generate_demo(uow, random.Random(7), customers)
    assert 30 <= lead_count(app) <= 40
    with app.transaction() as uow:
        statuses = {row.source: row for row in lead_funnel(uow)}
        leads = uow.session.exec(select(Lead)).scalars().all()
    assert len(statuses) >= 4
    assert sum(row.converted for row in statuses.values()) >= 2
    assert all(lead.score_components for lead in leads)
    assert len({lead.score for lead in leads}) > 5  # decay and engagement spread them
    assert all(lead.customer_id for lead in leads if lead.status == "converted")


def test_the_lead_capture_contract(app: App) -> None:
    with app.transaction() as uow:
        lead = capture_lead(uow, name="合同", source="event", email="c@x.cn", interest="展会")
    assert isinstance(lead, Lead) and lead.id and lead.source == "event"


def test_erasure_finds_unlinked_leads_by_email_and_phone(app: App) -> None:
    by_email = new_lead(app, name="王先生", email="Wang@Example.cn", notes="早先的咨询")
    by_phone = new_lead(app, name="王总", phone="139 0000 2222")
    stranger = new_lead(app, name="陌生人", email="other@example.cn", notes="无关")
    with app.transaction() as uow:  # he becomes a customer later, never linked to them
        customer_id = add_customer(uow, name="王五", emails=["wang@example.cn"],
                                   phones=["13900002222"]).id
    assert by_email.matched_customer_id is None and by_phone.matched_customer_id is None
    with app.transaction() as uow:
        erase_customer(uow, customer_id, reason="request")  # type: ignore[arg-type]
    with app.transaction() as uow:
        names = {lead.id: (lead.name, lead.email, lead.phone, lead.notes)
                 for lead in uow.session.exec(select(Lead)).scalars()}
    assert names[by_email.id] == (ERASED_NAME, None, None, None)
    assert names[by_phone.id] == (ERASED_NAME, None, None, None)
    assert names[stranger.id] == ("陌生人", "other@example.cn", None, "无关")
