"""The interactions API: log one (by id or reference), log a batch all or nothing."""

from __future__ import annotations

from guanxi.models import Interaction
from tests.web.test_api_access import count_rows


def test_log_one_by_reference_and_read_it(guanxi_web, guanxi_customers):
    api = guanxi_web.api("boss", role="admin")
    cid = guanxi_customers.create(emails=["ma.li@example.com"])
    logged = api.post("/api/interactions", json={
        "customer": "ma.li@example.com", "kind": "core.purchase", "channel": "visit",
        "occurred_at": "2026-05-01T10:00:00", "revenue": "120.00", "subject": "茶叶",
        "payload": {"lines": [{"name": "茶叶", "quantity": 2}]}})
    assert logged.status_code == 201, logged.text
    body = logged.json()
    assert body["customer_id"] == cid and body["revenue"] == "120.00"
    assert body["occurred_at"] == "2026-05-01T02:00:00Z"  # naive = the edition's zone
    assert body["actor_id"] is not None  # the token's user by default
    assert api.get(f"/api/interactions/{body['id']}").json() == body
    rollup = api.get(f"/api/customers/{cid}/360").json()["rollup"]
    assert rollup["revenue"] == "120.00"


def test_batch_is_all_or_nothing(guanxi_web, guanxi_customers, guanxi_app):
    api = guanxi_web.api("boss", role="admin")
    cid = guanxi_customers.create()
    good = {"customer_id": cid, "kind": "core.contact", "subject": "电话"}
    bad = [
        ({"customer_id": cid, "kind": "core.purchase",
          "payload": {"lines": [{"quantity": 1}]}}, "1.payload.lines.0.name"),
        ({"customer_id": cid, "kind": "core.nothing"}, "1.kind"),
        ({"customer_id": 999999, "kind": "core.contact"}, "1.customer_id"),
        ({"customer": "nobody@example.com", "kind": "core.contact"}, "1.customer"),
        ({"customer_id": cid, "kind": "core.contact", "extra": 1}, "1.extra"),
    ]
    for row, field in bad:
        response = api.post("/api/interactions/batch", json=[good, row, good])
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    assert count_rows(guanxi_app, Interaction) == 0
    assert api.post("/api/interactions/batch", json=[]).status_code == 422
    stored = api.post("/api/interactions/batch", json=[good, good, good])
    assert stored.status_code == 201, stored.text
    assert len({i["id"] for i in stored.json()}) == 3
    assert count_rows(guanxi_app, Interaction) == 3
