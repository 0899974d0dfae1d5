"""The marketing plugin's HTTP API (/api/marketing) and console pages (/marketing).

The API must answer what the services answer for the same user (campaign counts only
over the members he may see, only the leads he may see), page with cursors, answer 404
for what the user may not see, and change nothing on bad input.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi_marketing.campaigns.service import (
    add_cost,
    add_members,
    campaign_detail,
    create_campaign,
    list_campaigns,
)
from guanxi_marketing.leads.models import Lead
from guanxi_marketing.leads.service import capture, list_leads
from guanxi_marketing.segments.service import count_members, create_segment, get_segment


def lead_count(app: App) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Lead.__table__)).scalar_one()


@pytest.fixture
def world(guanxi_app: App, guanxi_web: Any) -> dict[str, Any]:
    """Agents wang and li (each with a customer and a lead), a viewer, three campaigns
    (the first with both customers as members, a cost, and a segment), an admin."""
    for name in ("wang", "li"):
        guanxi_web.staff(name, role="agent")
    guanxi_web.staff("boss", role="admin")
    guanxi_web.staff("zhao", role="viewer")
    guanxi_web.staff("nobody", role=None)
    with guanxi_app.transaction() as uow:
        ids = {owner: add_customer(uow, name=f"客户{owner}", owner=owner,
                                   emails=[f"{owner}@example.com"]).id
               for owner in ("wang", "li")}
        segment = create_segment(uow, name="北京客户", expression='name contains "客户"')
        first = create_campaign(uow, name="春季促销", type="sms", segment=segment.id,
                                budget="5000", starts_on="2026-03-01", ends_on="2026-03-31")
        add_members(uow, first.id, ids.values())
        add_cost(uow, first.id, "1200.50", note="短信费")
        second = create_campaign(uow, name="夏季邮件", type="email")
        third = create_campaign(uow, name="秋季活动", type="event")
        leads = {owner: capture(uow, name=f"线索{owner}", source="cli", owner=owner,
                                email=f"lead-{owner}@example.com").lead.id
                 for owner in ("wang", "li")}
    return {"customers": ids, "segment": segment.id, "leads": leads,
            "campaigns": [first.id, second.id, third.id]}


def as_json(value: Any) -> Any:
    from guanxi.cli.output import to_jsonable

    return to_jsonable(value)


def test_campaigns_list_and_detail_match_the_service_per_user(
    guanxi_app: App, guanxi_web: Any, world: dict
) -> None:
    first = world["campaigns"][0]
    for user in ("boss", "wang"):
        client = guanxi_web.api(user)
        listed = client.get("/api/marketing/campaigns").json()
        with guanxi_app.transaction(as_user=user) as uow:
            rows = list_campaigns(uow)
            detail = campaign_detail(uow, first)
        assert [c["id"] for c in listed["items"]] == [r.id for r in rows]
        assert listed["next"] is None
        counts = {c["id"]: (c["members"], c["sent"], c["responded"], c["converted"])
                  for c in listed["items"]}
        assert counts == {r.id: (r.members, r.sent, r.responded, r.converted) for r in rows}
        one = client.get(f"/api/marketing/campaigns/{first}").json()
        assert one["members"] == detail.campaign.members
        assert one["segment"] == "北京客户" and one["segment_id"] == world["segment"]
        assert one["budget"] == "5000.00" and one["actual_cost"] == "1200.50"
        assert one["costs"] == as_json([{**c, "amount": str(c["amount"])}
                                        for c in detail.costs])
        assert (one["starts_on"], one["ends_on"], one["type"]) == ("2026-03-01", "2026-03-31",
                                                                   "sms")
    # An agent counts only the members he may see: li's customer is not his.
    assert guanxi_web.api("wang").get(f"/api/marketing/campaigns/{first}").json()[
        "members"] == 1
    assert guanxi_web.api("boss").get(f"/api/marketing/campaigns/{first}").json()[
        "members"] == 2


def test_campaign_pages_follow_the_cursor_and_filters(guanxi_web: Any, world: dict) -> None:
    client = guanxi_web.api("wang")
    seen, after = [], None
    while True:
        params = {"limit": 2} | ({"after": after} if after else {})
        page = client.get("/api/marketing/campaigns", params=params).json()
        seen += [c["id"] for c in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == world["campaigns"]
    drafts = client.get("/api/marketing/campaigns", params={"status": "draft"}).json()
    assert len(drafts["items"]) == 3
    assert client.get("/api/marketing/campaigns", params={"status": "running"}).json()[
        "items"] == []
    for params, field in [({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
                          ({"after": "nonsense"}, "after"), ({"status": "bogus"}, "status"),
                          ({"type": "pigeon"}, "type")]:
        response = client.get("/api/marketing/campaigns", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["field"] == field
    for bad in ("999999", "0", str(2**70), "abc"):
        response = client.get(f"/api/marketing/campaigns/{bad}")
        assert response.status_code in (404, 422), bad
    assert client.get("/api/marketing/campaigns/999999").status_code == 404


def test_leads_are_listed_and_shown_only_to_who_may_see_them(
    guanxi_app: App, guanxi_web: Any, world: dict
) -> None:
    wang, li = world["leads"]["wang"], world["leads"]["li"]
    client = guanxi_web.api("wang")
    listed = client.get("/api/marketing/leads").json()
    with guanxi_app.transaction(as_user="wang") as uow:
        expected = [lead.id for lead in list_leads(uow)]
    assert [lead["id"] for lead in listed["items"]] == expected == [wang]
    assert listed["items"][0]["owner"] == "wang"
    # li's lead exists, but to wang it does not: 404, the same as an id nobody has.
    mine = client.get(f"/api/marketing/leads/{wang}")
    assert mine.status_code == 200 and mine.json()["touches"]
    theirs = client.get(f"/api/marketing/leads/{li}")
    nobody = client.get("/api/marketing/leads/987654")
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json()["error"]["code"] == nobody.json()["error"]["code"] == "not_found"
    admin = guanxi_web.api("boss").get("/api/marketing/leads", params={"limit": 1}).json()
    assert [lead["id"] for lead in admin["items"]] == [wang] and admin["next"]
    rest = guanxi_web.api("boss").get("/api/marketing/leads",
                                      params={"limit": 1, "after": admin["next"]}).json()
    assert [lead["id"] for lead in rest["items"]] == [li] and rest["next"] is None
    scored = guanxi_web.api("boss").get("/api/marketing/leads",
                                        params={"min_score": 10_000}).json()
    assert scored["items"] == []
    assert guanxi_web.api("boss").get("/api/marketing/leads",
                                      params={"status": "converted"}).json()["items"] == []
    assert client.get("/api/marketing/leads", params={"status": "won"}).status_code == 422


def test_capturing_a_lead_validates_like_the_cli_and_changes_nothing_on_bad_input(
    guanxi_app: App, guanxi_web: Any, world: dict
) -> None:
    client = guanxi_web.api("boss")
    before = lead_count(guanxi_app)
    bad: list[tuple[Any, str]] = [
        ({"source": "web"}, "name"),
        ({"name": "  ", "source": "web"}, "name"),
        ({"name": "张", "email": "not-an-email"}, "email"),
        ({"name": "张", "source": "carrier pigeon"}, "source"),
        ({"name": "张", "estimated_value": "-5"}, "estimated_value"),
        ({"name": "张", "campaign_id": 999999}, "campaign_id"),
        ({"name": "张", "colour": "red"}, "colour"),
        ({"name": ["张"]}, "name"),
        ({"name": "张\x00"}, "name"),
    ]
    for body, field in bad:
        response = client.post("/api/marketing/leads", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"] == field, body
    malformed = client.post("/api/marketing/leads", content=b"{name:",
                            headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert lead_count(guanxi_app) == before

    created = client.post("/api/marketing/leads", json={
        "name": "赵六", "email": "ZHAO6@Example.com", "company": "华兴", "interest": "体检",
        "campaign_id": world["campaigns"][0], "estimated_value": "800.5"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["outcome"] == "created" and body["lead"]["email"] == "zhao6@example.com"
    assert body["lead"]["source"] == guanxi_app.settings_for("marketing").leads.form_source
    assert body["lead"]["estimated_value"] == "800.50"
    again = client.post("/api/marketing/leads", json={"name": "赵六", "phone": "13800138000",
                                                      "email": "zhao6@example.com"})
    assert again.json()["outcome"] == "merged"
    assert again.json()["lead"]["id"] == body["lead"]["id"]
    assert lead_count(guanxi_app) == before + 1


def test_a_capture_merged_into_a_lead_the_caller_may_not_see_shows_nothing_of_it(
    guanxi_app: App, guanxi_web: Any, world: dict
) -> None:
    client = guanxi_web.api("wang")
    merged = client.post("/api/marketing/leads",
                         json={"name": "线索li", "email": "lead-li@example.com"})
    assert merged.status_code == 201
    assert merged.json() == {"outcome": "merged", "lead": None, "match": None}
    # A viewer may not create leads at all: refused, nothing stored.
    before = lead_count(guanxi_app)
    refused = guanxi_web.api("zhao").post("/api/marketing/leads", json={"name": "某人"})
    assert refused.status_code == 403
    assert lead_count(guanxi_app) == before


def test_segment_count_is_the_services_count_for_the_user(
    guanxi_app: App, guanxi_web: Any, world: dict
) -> None:
    for user, expected in (("boss", 2), ("wang", 1)):
        response = guanxi_web.api(user).get(
            f"/api/marketing/segments/{world['segment']}/count")
        with guanxi_app.transaction(as_user=user) as uow:
            assert count_members(uow, get_segment(uow, world["segment"])) == expected
        assert response.json() == {"segment_id": world["segment"], "name": "北京客户",
                                   "kind": "dynamic", "count": expected}
    assert guanxi_web.api("wang").get("/api/marketing/segments/4242/count").status_code == 404


def test_a_user_without_marketing_rights_is_refused(guanxi_web: Any, world: dict) -> None:
    client = guanxi_web.api("nobody")
    for path in ("/api/marketing/campaigns", "/api/marketing/leads",
                 f"/api/marketing/campaigns/{world['campaigns'][0]}"):
        assert client.get(path).status_code == 403, path
    assert guanxi_web.anonymous().get("/api/marketing/campaigns").status_code == 401


def test_console_campaign_list_and_page(guanxi_web: Any, world: dict) -> None:
    first = world["campaigns"][0]
    console = guanxi_web.console("wang")
    page = console.get("/marketing/campaigns")
    assert page.status_code == 200
    for campaign_id in world["campaigns"]:
        assert f'data-testid="campaign-{campaign_id}"' in page.text
    assert "春季促销" in page.text and "短信" in page.text and "北京客户" in page.text
    assert 'class="table-wrap"' in page.text
    assert 'href="/marketing/campaigns"' in page.text  # in the menu
    english = console.get("/marketing/campaigns?lang=en")
    assert "Campaigns" in english.text and "Draft" in english.text
    assert "营销活动" not in english.text
    one = console.get(f"/marketing/campaigns/{first}?lang=zh")
    assert one.status_code == 200 and "1200.50" in one.text and "短信费" in one.text
    assert console.get("/marketing/campaigns/999999").status_code == 404
    filtered = console.get("/marketing/campaigns?status=running")
    assert not any(f'data-testid="campaign-{i}"' in filtered.text for i in world["campaigns"])


def test_console_leads_show_only_what_the_user_may_see(guanxi_web: Any, world: dict) -> None:
    wang, li = world["leads"]["wang"], world["leads"]["li"]
    console = guanxi_web.console("wang")
    page = console.get("/marketing/leads")
    assert f'data-testid="lead-{wang}"' in page.text
    assert f'data-testid="lead-{li}"' not in page.text
    assert console.get(f"/marketing/leads/{wang}").status_code == 200
    assert console.get(f"/marketing/leads/{li}").status_code == 404


def test_console_hides_marketing_from_users_without_rights(guanxi_web: Any, world: dict) -> None:
    console = guanxi_web.console("nobody")
    home = console.get("/")
    assert 'href="/marketing/campaigns"' not in home.text
    assert console.get("/marketing/campaigns").status_code == 403


def test_every_message_is_in_both_languages() -> None:
    from guanxi_marketing.web import MESSAGES, NAV

    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])
    assert all(item.label in MESSAGES["zh"] for item in NAV)
    assert all(MESSAGES["zh"][key] != MESSAGES["en"][key] for key in MESSAGES["zh"])

