"""Bad input to the core API: a clear JSON error naming the field, and nothing stored."""

from __future__ import annotations

import pytest

from guanxi.web.pagination import encode_cursor
from tests.web.test_api_access import counts


@pytest.fixture
def api(guanxi_web):
    return guanxi_web.api("boss", role="admin")


def _error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    if field is not None:
        assert error.get("field") == field, error
    return error


def test_bad_customer_bodies(api, guanxi_app):
    before = counts(guanxi_app)
    raw = api.post("/api/customers", content=b'{"name": "x",',
                   headers={"Content-Type": "application/json"})
    assert _error(raw, 400)["code"] == "malformed"
    assert _error(api.post("/api/customers", json={"name": "x", "colour": "red"}), 422,
                  "colour")["message"] == "unknown field"
    _error(api.post("/api/customers", json={"name": ["not", "a", "string"]}), 422, "name")
    _error(api.post("/api/customers", json={"name": "x", "tags": "vip"}), 422, "tags")
    _error(api.post("/api/customers", json={}), 422, "name")
    _error(api.post("/api/customers", json={"name": "x", "emails": ["a@b@c"]}), 422,
           "emails.0")
    _error(api.post("/api/customers", json={"name": "x", "phones": ["12"]}), 422, "phones.0")
    _error(api.post("/api/customers", json={
        "name": "x", "contact_points": [{"kind": "email", "value": "nope"}]}), 422,
        "contact_points.0")
    _error(api.post("/api/customers", json={"name": "x", "roles": ["emperor"]}), 422, "roles")
    _error(api.post("/api/customers", json={"name": "x\x00y"}), 422, "name")
    _error(api.post("/api/customers", json={"name": "x", "organization_id": 2**70}), 422,
           "organization_id")
    assert counts(guanxi_app) == before


def test_bad_interactions(api, guanxi_app, guanxi_customers):
    cid = guanxi_customers.create()
    before = counts(guanxi_app)
    error = _error(api.post("/api/interactions", json={"customer_id": cid, "kind": "nope"}),
                   422, "kind")
    assert "unknown interaction kind" in error["message"]
    _error(api.post("/api/interactions", json={
        "customer_id": cid, "kind": "core.purchase",
        "payload": {"lines": [{"name": "茶", "quantity": -1}]}}), 422, "payload.lines.0.quantity")
    _error(api.post("/api/interactions", json={
        "customer_id": cid, "kind": "core.contact", "revenue": "lots"}), 422, "revenue")
    _error(api.post("/api/interactions", json={
        "customer_id": cid, "kind": "core.contact", "occurred_at": "2999-01-01T00:00:00Z"}),
        422, "occurred_at")
    _error(api.post("/api/interactions", json={"kind": "core.contact"}), 422, "customer_id")
    _error(api.post("/api/interactions", json={
        "customer": "nobody@example.com", "kind": "core.contact"}), 422, "customer")
    _error(api.post("/api/interactions", json={
        "customer_id": cid, "kind": "core.contact", "direction": "sideways"}), 422, "direction")
    assert counts(guanxi_app) == before


def test_bad_listing_parameters(api, guanxi_customers):
    cid = guanxi_customers.create()
    for path in ["/api/customers", "/api/tasks", f"/api/customers/{cid}/timeline"]:
        _error(api.get(path, params={"after": "not-a-cursor"}), 422, "after")
        _error(api.get(path, params={"after": encode_cursor([1, 2, 3])}), 422, "after")
        _error(api.get(path, params={"limit": 0}), 422, "limit")
        _error(api.get(path, params={"limit": 501}), 422, "limit")
        _error(api.get(path, params={"limit": "many"}), 422, "limit")
    _error(api.get("/api/customers", params={"after": encode_cursor([10**30])}), 422, "after")
    _error(api.get("/api/tasks", params={"after": encode_cursor(["yesterday", 1])}), 422,
           "after")
    _error(api.get("/api/tasks", params={"status": "someday"}), 422, "status")
    _error(api.get("/api/tasks", params={"due_before": "tomorrow"}), 422, "due_before")
    _error(api.get("/api/tasks", params={"assignee": "nobody"}), 422, "assignee")


def test_bad_ids(api):
    _error(api.get("/api/customers/abc"), 422, "customer_id")
    _error(api.get("/api/customers/0"), 422, "customer_id")
    _error(api.get(f"/api/customers/{2**64}"), 422, "customer_id")
    _error(api.get("/api/tasks/12345"), 404)
    _error(api.get("/api/interactions/12345"), 404)


def test_null_only_where_a_customer_may_lack_the_field(api, guanxi_customers):
    cid = guanxi_customers.create(name="周杰", gender="male")
    before = api.get(f"/api/customers/{cid}").json()
    for field in ["add_addresses", "add_tags", "name", "tags", "contact_points"]:
        _error(api.patch(f"/api/customers/{cid}", json={field: None}), 422, field)
    assert api.get(f"/api/customers/{cid}").json() == before
    cleared = api.patch(f"/api/customers/{cid}", json={"gender": None})
    assert cleared.status_code == 200 and cleared.json()["gender"] is None
