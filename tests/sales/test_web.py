"""The sales plugin's JSON API (/api/sales): opportunities, stage moves, paging, forecast.

Runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL. Every refused
request is followed by a look at the database: nothing changed. The console's pipeline
board and opportunity page are tested in test_web_console.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi_sales.models import Opportunity, StageChange
from guanxi_sales.opportunities import create_opportunity

CLOSE = (dt.date.today() + dt.timedelta(days=90)).isoformat()


@pytest.fixture
def guanxi_settings() -> dict[str, Any]:
    # Roles granted during a test must count at once, not after the token cache expires.
    return {"web": {"auth_cache_seconds": 0}}


def open_opportunity(app: App, customer_id: int, name: str, **extra: Any) -> int:
    """An opportunity opened by the system (the owner defaults to the account's)."""
    with app.transaction() as uow:
        opp = create_opportunity(uow, customer_id=customer_id, name=name,
                                 amount=extra.pop("amount", "1000.00"),
                                 expected_close=extra.pop("expected_close", CLOSE), **extra)
        assert opp.id is not None
        return opp.id


def state(app: App, opportunity_id: int) -> tuple[Any, ...]:
    """What a refused request must leave alone: the row's fields and its stage changes."""
    with app.engine.connect() as connection:
        row = connection.execute(select(
            Opportunity.stage, Opportunity.status, Opportunity.amount, Opportunity.probability,
            Opportunity.expected_close, Opportunity.owner_id, Opportunity.name,
        ).where(Opportunity.id == opportunity_id)).one()
        changes = connection.execute(select(func.count()).select_from(StageChange).where(
            StageChange.opportunity_id == opportunity_id)).scalar_one()
    return (*row, changes)


@pytest.fixture
def world(guanxi_web: Any, guanxi_customers: Any, guanxi_app: App) -> dict[str, int]:
    """wang and li agents in team east, zhao an agent in team north, zhou a viewer;
    an account of each agent, an unowned one, and an opportunity on each owned one."""
    guanxi_web.staff("wang", role="agent", team="east")
    guanxi_web.staff("li", role="agent", team="east")
    guanxi_web.staff("zhao", role="agent", team="north")
    guanxi_web.staff("zhou", role="viewer")
    ids = {
        "wang_account": guanxi_customers.create(kind="organization", name="恒通机械", owner="wang"),
        "li_account": guanxi_customers.create(kind="organization", name="宏达建设", owner="li"),
        "zhao_account": guanxi_customers.create(kind="organization", name="北方重工", owner="zhao"),
        "zhou_account": guanxi_customers.create(kind="organization", name="周氏贸易", owner="zhou"),
        "pool": guanxi_customers.create(kind="organization", name="无主公司"),
    }
    ids["wang_opp"] = open_opportunity(guanxi_app, ids["wang_account"], "挖掘机", amount="1200.50")
    ids["li_opp"] = open_opportunity(guanxi_app, ids["li_account"], "塔吊", stage="proposal")
    ids["zhao_opp"] = open_opportunity(guanxi_app, ids["zhao_account"], "北方项目")
    ids["zhou_opp"] = open_opportunity(guanxi_app, ids["zhou_account"], "周氏项目")
    return ids


def test_create_get_and_update_an_opportunity(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.api("wang")
    created = client.post("/api/sales/opportunities", json={
        "customer_id": world["pool"], "name": "叉车 5 台", "amount": "88000.10",
        "expected_close": CLOSE, "source": "referral", "approach": "试用"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["stage"], body["probability"], body["status"]) == ("qualification", 10, "open")
    assert body["amount"] == "88000.10" and body["owner"] == "wang"  # nobody owned the account
    assert body["customer"] == "无主公司"
    assert [(s["from_stage"], s["to_stage"]) for s in body["history"]] == [(None, "qualification")]
    got = client.get(f"/api/sales/opportunities/{body['id']}")
    assert got.status_code == 200 and got.json()["approach"] == "试用"

    later = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    changed = client.patch(f"/api/sales/opportunities/{body['id']}", json={
        "amount": 90000, "expected_close": later, "probability": 30, "owner": "li"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["amount"], changed.json()["probability"]) == ("90000.00", 30)
    assert changed.json()["expected_close"] == later and changed.json()["owner"] == "li"
    row = state(guanxi_app, body["id"])
    assert row[2:5] == (Decimal("90000.00"), 30, dt.date.fromisoformat(later))


def test_bad_updates_name_the_field_and_change_nothing(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.api("wang")
    before = state(guanxi_app, world["wang_opp"])
    for payload, field in [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"probability": 101}, "probability"),
        ({"expected_close": "1999-12-31"}, "expected_close"),
        ({"expected_close": "soon"}, "expected_close"),
        ({"name": ""}, "name"),
        ({"owner": "nobody"}, "owner"),
        ({"owner": None}, "owner"),
        ({"owner": "99999999999999999999999"}, "owner"),
        ({"amount": "10", "colour": "red"}, "colour"),
        ({"contact_id": 0}, "contact_id"),
        ({"contact_id": world["li_account"]}, "contact"),  # not a person of the account
        ({"competitors": [10**30]}, "competitors.0"),
        ({"amount": "5", "probability": 20, "owner": "ghost"}, "owner"),  # all or nothing
    ]:
        response = client.patch(f"/api/sales/opportunities/{world['wang_opp']}", json=payload)
        assert response.status_code == 422, (payload, response.text)
        assert response.json()["error"]["field"] == field, payload
    assert state(guanxi_app, world["wang_opp"]) == before


def test_bad_creations_store_nothing(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.api("wang")

    def opportunities() -> int:
        with guanxi_app.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(Opportunity)).scalar_one()

    before = opportunities()
    good = {"customer_id": world["wang_account"], "name": "x", "amount": "1",
            "expected_close": CLOSE}
    for change, status, field in [
        ({"stage": "won"}, 422, "stage"),
        ({"pipeline": "nope"}, 422, "pipeline"),
        ({"customer_id": world["zhao_account"]}, 422, "customer_id"),  # not his to see
        ({"customer_id": 2**63}, 422, "customer_id"),
        ({"amount": "lots"}, 422, "amount"),
        ({"currency": "E1"}, 422, "currency"),
    ]:
        response = client.post("/api/sales/opportunities", json={**good, **change})
        assert response.status_code == status, (change, response.text)
        assert response.json()["error"]["field"] == field, change
    malformed = client.post("/api/sales/opportunities", content=b"{not json",
                            headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert opportunities() == before


def test_moving_through_stages_to_won_and_lost(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.api("wang")
    url = f"/api/sales/opportunities/{world['wang_opp']}/stage"
    moved = client.post(url, json={"stage": "negotiation"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["stage"], moved.json()["probability"]) == ("negotiation", 75)
    assert [s["to_stage"] for s in moved.json()["history"]] == ["qualification", "negotiation"]
    assert moved.json()["history"][-1]["actor"] == "wang"

    before = state(guanxi_app, world["wang_opp"])
    for payload, field in [({"stage": "closing"}, "stage"), ({"stage": "negotiation"}, "stage"),
                           ({"stage": "lost"}, "reason"), ({"stage": "lost", "reason": "meh"},
                                                           "reason"),
                           ({"stage": "proposal", "probability": 150}, "probability"),
                           ({"stage": "proposal", "extra": 1}, "extra"), ({}, "stage")]:
        refused = client.post(url, json=payload)
        assert refused.status_code == 422, (payload, refused.text)
        assert refused.json()["error"]["field"] == field, payload
    assert state(guanxi_app, world["wang_opp"]) == before

    won = client.post(url, json={"stage": "won", "amount": "1100.00"})
    assert won.status_code == 200, won.text
    assert (won.json()["status"], won.json()["stage"], won.json()["amount"]) == (
        "won", "won", "1100.00")
    again = client.post(url, json={"stage": "proposal"})
    assert again.status_code == 422 and again.json()["error"]["field"] == "status"
    closed = client.patch(f"/api/sales/opportunities/{world['wang_opp']}", json={"amount": 5})
    assert closed.status_code == 422 and closed.json()["error"]["field"] == "status"

    lost = client.post(f"/api/sales/opportunities/{world['li_opp']}/stage",
                       json={"stage": "lost", "reason": "price"})  # li is in his team
    assert lost.status_code == 200, lost.text
    assert (lost.json()["status"], lost.json()["lost_reason"]) == ("lost", "price")


def test_listing_pages_and_filters(guanxi_web, guanxi_app, world) -> None:
    for number in range(5):
        open_opportunity(guanxi_app, world["wang_account"], f"批量 {number}")
    client = guanxi_web.api("wang")
    seen: list[int] = []
    after = None
    while True:
        page = client.get("/api/sales/opportunities",
                          params={"limit": 2, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [item["id"] for item in page.json()["items"]]
        after = page.json()["next"]
        if after is None:
            break
    # His own six and li's (same team); never zhao's or the viewer's.
    assert world["zhao_opp"] not in seen and world["zhou_opp"] not in seen
    assert len(seen) == 7 and seen == sorted(seen)

    def ids(**params: Any) -> list[int]:
        response = client.get("/api/sales/opportunities", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(stage="proposal") == [world["li_opp"]]
    assert ids(owner="li") == [world["li_opp"]]
    assert ids(customer_id=world["li_account"]) == [world["li_opp"]]
    assert ids(owner="zhao") == []  # filtering by another team's owner reveals nothing
    assert ids(status="won") == []
    assert len(ids(status="all")) == 7
    for params, field in [({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
                          ({"after": "garbage!"}, "after"), ({"after": "WyJ4Il0"}, "after"),
                          ({"status": "maybe"}, "status"), ({"owner": "ghost"}, "owner")]:
        response = client.get("/api/sales/opportunities", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["field"] == field


def test_an_invisible_opportunity_is_not_found(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.api("wang")
    hidden = world["zhao_opp"]
    before = state(guanxi_app, hidden)
    for method, path, payload in [
        ("GET", f"/api/sales/opportunities/{hidden}", None),
        ("PATCH", f"/api/sales/opportunities/{hidden}", {"amount": "1"}),
        ("POST", f"/api/sales/opportunities/{hidden}/stage", {"stage": "proposal"}),
        ("POST", f"/api/sales/opportunities/{hidden}/stage", {"stage": "nope"}),
        ("GET", "/api/sales/opportunities/999999", None),
    ]:
        response = client.request(method, path, json=payload)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_found"
    assert state(guanxi_app, hidden) == before
    assert guanxi_web.api("zhao").get(f"/api/sales/opportunities/{hidden}").status_code == 200


def test_a_viewer_reads_his_own_but_cannot_change_it(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.api("zhou")
    mine = world["zhou_opp"]
    assert client.get(f"/api/sales/opportunities/{mine}").status_code == 200
    assert [i["id"] for i in client.get("/api/sales/opportunities").json()["items"]] == [mine]
    before = state(guanxi_app, mine)
    for method, path, payload in [
        ("POST", f"/api/sales/opportunities/{mine}/stage", {"stage": "proposal"}),
        ("PATCH", f"/api/sales/opportunities/{mine}", {"amount": "1"}),
        ("POST", "/api/sales/opportunities", {"customer_id": world["zhou_account"], "name": "x",
                                              "amount": "1", "expected_close": CLOSE}),
    ]:
        response = client.request(method, path, json=payload)
        assert response.status_code == 403, (method, path, response.text)
    assert state(guanxi_app, mine) == before
    # No token at all: 401, and still nothing changes.
    anonymous = guanxi_web.anonymous().post(f"/api/sales/opportunities/{mine}/stage",
                                            json={"stage": "proposal"})
    assert anonymous.status_code == 401
    assert state(guanxi_app, mine) == before


def test_pipelines_and_the_forecast_cover_what_the_user_sees(guanxi_web, world) -> None:
    client = guanxi_web.api("wang")
    pipelines = client.get("/api/sales/pipelines").json()
    assert [p["name"] for p in pipelines] == ["default"] and pipelines[0]["default"]
    assert [s["name"] for s in pipelines[0]["stages"]][-2:] == ["won", "lost"]

    rows = client.get("/api/sales/forecast", params={"by": "none"})
    assert rows.status_code == 200, rows.text
    # wang sees his 1200.50 at 10 % and li's 1000.00 at 50 %: not zhao's nor zhou's.
    assert sum(r["open_count"] for r in rows.json()) == 2
    assert {r["currency"] for r in rows.json()} == {"CNY"}  # one row per currency
    assert sum(Decimal(r["pipeline"]) for r in rows.json()) == Decimal("2200.50")
    assert sum(Decimal(r["weighted"]) for r in rows.json()) == Decimal("620.05")
    everything = guanxi_web.api("boss", role="admin").get("/api/sales/forecast",
                                                          params={"by": "none"}).json()
    assert sum(r["open_count"] for r in everything) == 4
    for params, field in [({"period": "week"}, "period"), ({"by": "colour"}, "by"),
                          ({"start": "yesterday"}, "start")]:
        response = client.get("/api/sales/forecast", params=params)
        assert response.status_code == 422 and response.json()["error"]["field"] == field
