"""``/api/webhooks``: endpoints, the delivery log with keyset pages, replay; admins only."""

from __future__ import annotations

from sqlalchemy import func, select

from guanxi.models import WebhookDelivery, WebhookEndpoint


def count(app, model):
    with app.transaction() as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_admin_manages_endpoints(guanxi_web, guanxi_app):
    admin = guanxi_web.api("wang", role="admin")
    response = admin.post("/api/webhooks/endpoints", json={
        "url": "https://erp.example.com/hook", "events": ["customer.*"],
        "description": "ERP"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_") and created["events"] == ["customer.*"]
    endpoint_id = created["id"]
    listed = admin.get("/api/webhooks/endpoints").json()
    assert [e["id"] for e in listed] == [endpoint_id]
    assert "secret" not in listed[0]
    assert "secret" not in admin.get(f"/api/webhooks/endpoints/{endpoint_id}").json()
    changed = admin.patch(f"/api/webhooks/endpoints/{endpoint_id}", json={"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    removed = admin.delete(f"/api/webhooks/endpoints/{endpoint_id}")
    assert removed.json() == {"id": endpoint_id, "deliveries_removed": 0}
    assert admin.get(f"/api/webhooks/endpoints/{endpoint_id}").status_code == 404
    assert count(guanxi_app, WebhookEndpoint) == 0


def test_bad_input_is_422_naming_the_field_and_stores_nothing(guanxi_web, guanxi_app):
    admin = guanxi_web.api("wang", role="admin")
    cases = [
        ({"url": "ftp://x.example/h"}, "url"),
        ({"url": "https://x.example/h", "events": ["customer.deleted"]}, "event"),
        ({"url": "https://x.example/h", "colour": "red"}, "colour"),
        ({"url": 5}, "url"),
    ]
    for body, field in cases:
        response = admin.post("/api/webhooks/endpoints", json=body)
        assert response.status_code == 422, body
        assert field in response.json()["error"]["field"], response.json()
    assert admin.post("/api/webhooks/endpoints", content=b"{nope",
                      headers={"content-type": "application/json"}).status_code == 400
    assert count(guanxi_app, WebhookEndpoint) == 0
    assert admin.get("/api/webhooks/endpoints/99").status_code == 404
    assert admin.post("/api/webhooks/deliveries/99/replay").status_code == 404
    assert admin.get("/api/webhooks/deliveries", params={"endpoint_id": 99}).status_code == 404
    assert admin.get("/api/webhooks/deliveries", params={"status": "lost"}).status_code == 422
    assert admin.get("/api/webhooks/deliveries", params={"after": "zz"}).status_code == 422


def test_agents_are_refused_and_nothing_changes(guanxi_web, guanxi_app):
    admin = guanxi_web.api("wang", role="admin")
    endpoint_id = admin.post("/api/webhooks/endpoints",
                             json={"url": "https://x.example/h"}).json()["id"]
    agent = guanxi_web.api("li", role="agent")
    assert agent.get("/api/webhooks/endpoints").status_code == 403
    assert agent.post("/api/webhooks/endpoints",
                      json={"url": "https://y.example/h"}).status_code == 403
    assert agent.delete(f"/api/webhooks/endpoints/{endpoint_id}").status_code == 403
    assert agent.get("/api/webhooks/deliveries").status_code == 403
    assert count(guanxi_app, WebhookEndpoint) == 1


def test_delivery_log_pages_and_replay(guanxi_web, guanxi_app, guanxi_customers):
    admin = guanxi_web.api("wang", role="admin")
    endpoint_id = admin.post("/api/webhooks/endpoints",
                             json={"url": "http://127.0.0.1:1/x"}).json()["id"]
    customers = guanxi_customers.create_many(5)
    seen, after = [], None
    while True:
        params = {"limit": 2, "endpoint_id": endpoint_id, **({"after": after} if after else {})}
        page = admin.get("/api/webhooks/deliveries", params=params).json()
        seen += page["items"]
        after = page["next"]
        if after is None:
            break
    assert [d["customer_id"] for d in seen] == customers[::-1]  # newest first, no repeats
    assert {d["status"] for d in seen} == {"pending"}
    assert seen[0]["payload"]["type"] == "customer.created"
    with guanxi_app.transaction() as uow:
        uow.session.execute(WebhookDelivery.__table__.update().values(
            status="dead", attempts=8))
    replayed = admin.post(f"/api/webhooks/deliveries/{seen[0]['id']}/replay")
    assert replayed.status_code == 200
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    dead = admin.get("/api/webhooks/deliveries", params={"status": "dead"}).json()["items"]
    assert len(dead) == 4
