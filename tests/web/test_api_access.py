"""Permissions and record policies on every core API route: a customer the user may
not see is 404 everywhere (never 403), listings leave it out, a missing permission is
403, and a refused request changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import select

from guanxi.models import Customer, CustomerMerge, Interaction, Task


def count_rows(app, model) -> int:
    """How many rows of ``model`` the database holds (as the system: unfiltered)."""
    with app.transaction() as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def counts(app) -> tuple[int, ...]:
    """Customers, interactions, tasks and merges stored."""
    return tuple(count_rows(app, m) for m in (Customer, Interaction, Task, CustomerMerge))


@pytest.fixture
def world(guanxi_web, guanxi_customers, guanxi_interactions):
    """Agent zhang (team north), agent wu (team south), viewer qian; a customer of each
    agent, one of nobody; an interaction and a task on wu's customer."""
    guanxi_web.staff("zhang", role="agent", team="north")
    guanxi_web.staff("wu", role="agent", team="south")
    guanxi_web.staff("qian", role="viewer")
    mine = guanxi_customers.create(name="张的客户", owner="zhang")
    theirs = guanxi_customers.create(name="吴的客户", owner="wu", tags=["vip"])
    pool = guanxi_customers.create(name="公共客户")
    logged = guanxi_interactions.log(theirs)
    with guanxi_web.app.transaction() as uow:
        from guanxi.services.tasks import create_task

        task = create_task(uow, customer_id=theirs, title="回访", assignee="wu",
                           due_at=dt.datetime(2026, 12, 1, 10, 0))
    return {"mine": mine, "theirs": theirs, "pool": pool, "interaction": logged,
            "task": task.id}


def test_another_teams_customer_is_404_on_every_route(guanxi_web, world):
    api = guanxi_web.api("zhang")
    theirs = world["theirs"]
    before = counts(guanxi_web.app)
    for method, path, body in [
        ("GET", f"/api/customers/{theirs}", None),
        ("GET", f"/api/customers/{theirs}/360", None),
        ("GET", f"/api/customers/{theirs}/timeline", None),
        ("PATCH", f"/api/customers/{theirs}", {"name": "改名"}),
        ("GET", f"/api/tasks?customer={theirs}", None),
        ("GET", f"/api/interactions/{world['interaction']}", None),
        ("GET", f"/api/tasks/{world['task']}", None),
        ("POST", f"/api/tasks/{world['task']}/complete", None),
        ("POST", f"/api/tasks/{world['task']}/cancel", None),
    ]:
        response = api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_found"
        assert "吴" not in response.text  # nothing of the record leaks
    # The same answer as an id that does not exist at all.
    assert api.get("/api/customers/999999").json()["error"]["message"] == (
        "no customer with id 999999")
    assert counts(guanxi_web.app) == before
    with guanxi_web.app.transaction() as uow:
        assert uow.session.get(Customer, theirs).name == "吴的客户"


def test_writes_naming_an_invisible_customer_are_refused_alike(guanxi_web, world):
    api = guanxi_web.api("zhang")
    before = counts(guanxi_web.app)
    for path, body in [
        ("/api/interactions", {"customer_id": world["theirs"], "kind": "core.contact"}),
        ("/api/tasks", {"customer_id": world["theirs"], "title": "x",
                        "due_at": "2026-12-01T10:00:00+08:00"}),
    ]:
        hidden = api.post(path, json=body)
        absent = api.post(path, json={**body, "customer_id": 999999})
        assert hidden.status_code == absent.status_code == 422, hidden.text
        assert hidden.json()["error"]["field"] == "customer_id"
    assert counts(guanxi_web.app) == before


def test_listings_never_include_invisible_rows(guanxi_web, world):
    api = guanxi_web.api("zhang")
    ids = {c["id"] for c in api.get("/api/customers").json()["items"]}
    assert ids == {world["mine"], world["pool"]}
    assert api.get("/api/customers?tag=vip").json()["items"] == []
    assert api.get("/api/customers?q=吴").json()["items"] == []
    assert api.get("/api/tasks").json()["items"] == []
    # wu sees his customer and the task assigned to him; zhang's stays hidden.
    wu = guanxi_web.api("wu")
    assert {c["id"] for c in wu.get("/api/customers").json()["items"]} == {
        world["theirs"], world["pool"]}
    assert [t["id"] for t in wu.get("/api/tasks").json()["items"]] == [world["task"]]


def test_viewer_may_read_his_own_but_not_create(guanxi_web, world):
    viewer = guanxi_web.api("qian")
    before = counts(guanxi_web.app)
    refused = viewer.post("/api/customers", json={"name": "新客户"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert viewer.post("/api/interactions", json={
        "customer_id": world["pool"], "kind": "core.contact"}).status_code == 403
    assert viewer.post("/api/tasks", json={
        "customer_id": world["pool"], "title": "x", "due_at": "2026-12-01T10:00:00"}
    ).status_code == 403
    assert viewer.get("/api/customers").json()["items"] == []  # owns none
    assert viewer.get(f"/api/customers/{world['pool']}").status_code == 404
    assert counts(guanxi_web.app) == before


def test_merge_needs_its_permission(guanxi_web, world):
    api = guanxi_web.api("zhang")
    before = counts(guanxi_web.app)
    response = api.post(f"/api/customers/{world['mine']}/merge",
                        json={"merged_ids": [world["pool"]]})
    assert response.status_code == 403
    assert counts(guanxi_web.app) == before


def test_merging_an_invisible_customer_is_404(guanxi_web, world):
    guanxi_web.staff("boss", role="manager", team="north")
    api = guanxi_web.api("boss")
    before = counts(guanxi_web.app)
    response = api.post(f"/api/customers/{world['mine']}/merge",
                        json={"merged_ids": [world["theirs"]]})
    assert response.status_code == 404
    assert counts(guanxi_web.app) == before


def test_missing_expired_and_revoked_tokens_are_401(guanxi_web, guanxi_app, world):
    from guanxi.services.credentials import issue_token, revoke_token

    guanxi_web.staff("zhao", role="admin")
    with guanxi_app.transaction() as uow:
        revoked = issue_token(uow, "zhao")
        revoke_token(uow, revoked.token.id)
    with guanxi_app.transaction(now=guanxi_app.now() - dt.timedelta(days=3)) as uow:
        expired = issue_token(uow, "zhao", lifetime=dt.timedelta(days=1)).secret
    before = counts(guanxi_app)
    client = guanxi_web.anonymous()
    for headers in [{}, {"Authorization": f"Bearer {revoked.secret}"},
                    {"Authorization": f"Bearer {expired}"}, {"Authorization": "Bearer nope"}]:
        for method, path, body in [("GET", f"/api/customers/{world['pool']}", None),
                                   ("POST", "/api/customers", {"name": "x"}),
                                   ("GET", "/api/tasks", None)]:
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (headers, path)
            assert response.json()["error"]["code"] == "not_authenticated"
    assert counts(guanxi_app) == before
