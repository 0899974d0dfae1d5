"""The customers API: create, read, update, list and search, 360, timeline, merge."""

from __future__ import annotations

import datetime as dt

from guanxi.models import Customer, CustomerMerge
from tests.web.test_api_access import count_rows


def test_create_read_and_update(guanxi_web, guanxi_app):
    api = guanxi_web.api("boss", role="admin")
    created = api.post("/api/customers", json={
        "name": "李娜", "emails": ["Li.Na@Example.com"], "phones": ["13800138000"],
        "tags": ["vip"], "identities": [{"source": "wechat", "external_id": "wx1"}],
        "owner": "boss",
    })
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["name"] == "李娜" and record["tags"] == ["vip"]
    assert record["roles"] == ["customer"] and record["owner_id"] is not None
    assert {p["normalized"] for p in record["contact_points"]} == {
        "li.na@example.com", "+8613800138000"}
    assert api.get(f"/api/customers/{record['id']}").json() == record

    changed = api.patch(f"/api/customers/{record['id']}", json={
        "lifecycle_stage": "customer", "add_tags": ["new"], "remove_tags": ["vip"],
        "add_emails": ["second@example.com"]})
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert after["lifecycle_stage"] == "customer" and after["tags"] == ["new"]
    assert len(after["contact_points"]) == 3
    with guanxi_app.transaction() as uow:
        assert uow.session.get(Customer, record["id"]).lifecycle_stage == "customer"


def test_a_refused_update_changes_nothing(guanxi_web, guanxi_customers, guanxi_app):
    api = guanxi_web.api("boss", role="admin")
    cid = guanxi_customers.create(name="王芳")
    before = api.get(f"/api/customers/{cid}").json()
    for body, field in [({"name": "新名字", "emails": ["not-an-email"]}, "emails.0"),
                        ({"name": "新名字", "nickname": "x"}, "nickname"),
                        ({"lifecycle_stage": "nonsense"}, "lifecycle_stage"),
                        ({"owner": "nobody"}, "owner")]:
        response = api.patch(f"/api/customers/{cid}", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    assert api.get(f"/api/customers/{cid}").json() == before


def test_listing_filters_search_and_pages(guanxi_web, guanxi_customers):
    api = guanxi_web.api("boss", role="admin")
    ids = guanxi_customers.create_many(5, tags=["batch"])
    other = guanxi_customers.create(name="赵敏", emails=["zhao.min@example.com"],
                                    lifecycle_stage="customer", owner="boss")
    seen, after = [], None
    while True:
        page = api.get("/api/customers", params={"tag": "batch", "limit": 2,
                                                 **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [c["id"] for c in body["items"]]
        after = body["next"]
        if after is None:
            break
    assert seen == ids  # by id, each once
    assert [c["id"] for c in api.get("/api/customers?q=zhao.min@example.com").json()[
        "items"]] == [other]
    assert [c["id"] for c in api.get("/api/customers?q=赵").json()["items"]] == [other]
    assert [c["id"] for c in api.get("/api/customers?stage=customer").json()["items"]] == [
        other]
    assert [c["id"] for c in api.get("/api/customers?owner=boss").json()["items"]] == [other]
    unknown = api.get("/api/customers?owner=nobody")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "owner"


def test_360_view(guanxi_web, guanxi_customers, guanxi_interactions):
    api = guanxi_web.api("boss", role="admin")
    cid = guanxi_customers.create(name="陈静")
    guanxi_interactions.log(cid, kind="core.purchase", revenue="88.50",
                            payload={"lines": [{"name": "茶叶", "quantity": 1}]})
    guanxi_web.staff("li", role="agent")
    api.post("/api/tasks", json={"customer_id": cid, "title": "回访", "assignee": "li",
                                 "due_at": "2026-12-01T10:00:00+08:00"})
    view = api.get(f"/api/customers/{cid}/360")
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["customer"]["id"] == cid
    assert body["rollup"]["interaction_count"] == 1 and body["rollup"]["revenue"] == "88.50"
    assert [i["kind"] for i in body["recent"]] == ["core.purchase"]
    assert [(t["title"], t["assignee"], t["created_by"]) for t in body["open_tasks"]] == [
        ("回访", "li", "boss")]
    assert body["sections"] == []  # no plugin enabled in this test


def test_timeline_pages_newest_first(guanxi_web, guanxi_customers, guanxi_interactions):
    api = guanxi_web.api("boss", role="admin")
    cid = guanxi_customers.create()
    at = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
    # Two at the same moment: the id breaks the tie, nothing repeats or is skipped.
    logged = [guanxi_interactions.log(cid, occurred_at=at + dt.timedelta(hours=h))
              for h in (0, 1, 1, 2, 3)]
    seen, after = [], None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        body = api.get(f"/api/customers/{cid}/timeline", params=params).json()
        seen += [i["id"] for i in body["items"]]
        after = body["next"]
        if after is None:
            break
    assert seen == [logged[4], logged[3], logged[2], logged[1], logged[0]]
    only = api.get(f"/api/customers/{cid}/timeline?kind=sales.").json()
    assert only["items"] == []


def test_merge_then_the_merged_id_says_where_it_went(guanxi_web, guanxi_customers,
                                                     guanxi_interactions, guanxi_app):
    api = guanxi_web.api("boss", role="admin")
    keep = guanxi_customers.create(name="刘洋")
    gone = guanxi_customers.create(name="刘洋")
    guanxi_interactions.log(gone)
    merged = api.post(f"/api/customers/{keep}/merge",
                      json={"merged_ids": [gone], "reason": "same person"})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["survivor_id"] == keep and body["merged_ids"] == [gone]
    assert len(body["customer"]["contact_points"]) == 2
    answer = api.get(f"/api/customers/{gone}")
    assert answer.status_code == 404
    assert f"merged into {keep}" in answer.json()["error"]["message"]
    assert api.get(f"/api/customers/{keep}/360").json()["rollup"]["interaction_count"] == 1
    # Merging into itself or an unknown id is refused and stores no merge.
    for ids, status in [([keep], 422), ([999999], 404), ([], 422)]:
        response = api.post(f"/api/customers/{keep}/merge", json={"merged_ids": ids})
        assert response.status_code == status, response.text
    assert count_rows(guanxi_app, CustomerMerge) == 1
