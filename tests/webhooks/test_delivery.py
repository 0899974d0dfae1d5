"""Outbound webhooks end to end: outbox, signed delivery, retries, dead, replay, erasure."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from sqlalchemy import event, select

from guanxi.identity.merge import merge_customers
from guanxi.models import WebhookDelivery
from guanxi.privacy import erase_customer
from guanxi.services.customers import add_customer
from guanxi.services.jobs import run_due
from guanxi.services.updates import update_customer
from guanxi.webhooks import verify
from guanxi.webhooks.delivery import RETRY_DELAYS, deliver_due, send_test
from guanxi.webhooks.endpoints import add_endpoint, set_active
from tests.webhooks.receiver import Receiver, closed_port


def endpoint(app, url, *events, secret=None):
    """Add an endpoint; its id and secret."""
    with app.transaction() as uow:
        added = add_endpoint(uow, url, events, secret=secret)
    return added.endpoint.id, added.secret


def deliveries(app):
    """Every delivery row, oldest first."""
    with app.transaction() as uow:
        return list(uow.session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id))
                    .scalars())


def later(minutes=0, hours=0, base=None):
    return (base or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=minutes, hours=hours)


def test_a_delivery_is_signed_and_verifiable(guanxi_app, guanxi_customers, receiver):
    endpoint_id, secret = endpoint(guanxi_app, receiver.url, "customer.created")
    customer = guanxi_customers.create(name="王小明", tags=["vip"])
    report = deliver_due(guanxi_app)
    assert (report.delivered, report.retrying, report.dead) == (1, 0, 0)
    (request,) = receiver.requests
    body, headers = request.body, request.headers
    assert headers["content-type"] == "application/json"
    payload = request.json
    assert payload["type"] == "customer.created"
    assert payload["id"] == headers["webhook-id"]
    assert payload["data"]["id"] == customer
    assert payload["data"]["name"] == "王小明"
    assert payload["data"]["tags"] == ["vip"]
    assert "link_to" not in payload["data"]
    stamp = int(headers["webhook-timestamp"])
    assert verify(secret, headers, body, now=stamp)
    # By hand, as a receiver without guanxi would: HMAC-SHA256 of "id.timestamp.body"
    # keyed with the base64 part of the secret.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    # What a receiver must refuse.
    assert not verify(secret, headers, body + b" ", now=stamp)
    assert not verify(secret.replace(secret[8], "A" if secret[8] != "A" else "B"), headers,
                      body, now=stamp)
    assert not verify(secret, headers, body, now=stamp + 301)
    assert not verify(secret, {**headers, "webhook-signature": "v1,AAAA"}, body, now=stamp)
    assert not verify(secret, {}, body)
    (row,) = deliveries(guanxi_app)
    assert (row.endpoint_id, row.status, row.attempts, row.last_status_code) == (
        endpoint_id, "delivered", 1, 200)
    assert row.delivered_at is not None and row.customer_id == customer
    assert deliver_due(guanxi_app).sent == 0  # delivered once, not again


def test_a_plain_text_secret_signs_with_its_utf8_bytes(guanxi_app, guanxi_customers, receiver):
    endpoint(guanxi_app, receiver.url, "customer.*", secret="s3cret")
    guanxi_customers.create()
    deliver_due(guanxi_app)
    (request,) = receiver.requests
    stamp = request.headers["webhook-timestamp"]
    signed = f"{request.headers['webhook-id']}.{stamp}.".encode() + request.body
    digest = base64.b64encode(hmac.new(b"s3cret", signed, hashlib.sha256).digest()).decode()
    assert request.headers["webhook-signature"] == f"v1,{digest}"


def test_a_500_is_retried_with_backoff_until_delivered(guanxi_app, guanxi_customers,
                                                       receiver):
    endpoint(guanxi_app, receiver.url)
    guanxi_customers.create()
    receiver.status = 500
    t0 = dt.datetime.now(dt.UTC)
    report = deliver_due(guanxi_app, now=t0)
    assert (report.sent, report.retrying) == (1, 1)
    (row,) = deliveries(guanxi_app)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        "failed", 1, 500, "HTTP 500")
    wait = row.next_attempt_at - t0
    assert RETRY_DELAYS[0] * 0.9 <= wait <= RETRY_DELAYS[0] * 1.1
    assert deliver_due(guanxi_app, now=later(minutes=0.5, base=t0)).sent == 0  # not yet due
    t1 = later(minutes=2, base=t0)
    assert deliver_due(guanxi_app, now=t1).sent == 1
    (row,) = deliveries(guanxi_app)
    assert row.attempts == 2
    assert RETRY_DELAYS[1] * 0.9 <= row.next_attempt_at - t1 <= RETRY_DELAYS[1] * 1.1
    receiver.status = 204
    assert deliver_due(guanxi_app, now=later(minutes=10, base=t0)).delivered == 1
    (row,) = deliveries(guanxi_app)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 204)
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1  # the same event each time


def test_a_receiver_that_is_down_loses_nothing(guanxi_app, guanxi_customers,
                                               guanxi_interactions):
    down = Receiver(port=closed_port())
    endpoint(guanxi_app, down.url)
    customers = guanxi_customers.create_many(3)
    guanxi_interactions.log(customers[0])
    t0 = dt.datetime.now(dt.UTC)
    report = deliver_due(guanxi_app, now=t0)
    assert (report.sent, report.retrying, report.delivered) == (4, 4, 0)
    rows = deliveries(guanxi_app)
    assert {r.status for r in rows} == {"failed"}
    assert all(r.last_status_code is None and "Connect" in r.last_error for r in rows)
    down.start()
    try:
        report = deliver_due(guanxi_app, now=later(minutes=2, base=t0))
    finally:
        down.stop()
    assert report.delivered == 4
    got = sorted((r.json["type"], r.json["data"].get("customer_id", r.json["data"]["id"]))
                 for r in down.requests)
    assert got == sorted([("customer.created", c) for c in customers]
                         + [("interaction.logged", customers[0])])
    assert {r.event_id for r in deliveries(guanxi_app)} == {
        r.headers["webhook-id"] for r in down.requests}


def test_dead_after_the_last_attempt_then_replayed(guanxi_app, guanxi_customers, receiver):
    from guanxi.webhooks.endpoints import replay

    endpoint(guanxi_app, receiver.url, "customer.created")
    guanxi_customers.create()
    receiver.status = 503
    now = dt.datetime.now(dt.UTC)
    for _ in range(8):
        deliver_due(guanxi_app, now=now)
        now += dt.timedelta(hours=12)
    (row,) = deliveries(guanxi_app)
    assert (row.status, row.attempts) == ("dead", 8)
    assert deliver_due(guanxi_app, now=now + dt.timedelta(days=30)).sent == 0
    receiver.status = 200
    with guanxi_app.transaction(now=now) as uow:
        assert replay(uow, [row.id]) == 1
    assert deliver_due(guanxi_app, now=now).delivered == 1
    (again,) = deliveries(guanxi_app)
    assert (again.status, again.attempts) == ("delivered", 1)
    assert len(receiver.requests) == 9
    assert receiver.requests[-1].headers["webhook-id"] == row.event_id


def test_a_rolled_back_unit_of_work_leaves_no_delivery(guanxi_app, receiver):
    endpoint(guanxi_app, receiver.url)
    with pytest.raises(RuntimeError), guanxi_app.transaction() as uow:
        add_customer(uow, check=False, name="回滚")
        raise RuntimeError("rolled back")
    assert deliveries(guanxi_app) == []
    assert deliver_due(guanxi_app).sent == 0 and receiver.requests == []


def test_bulk_writes_queue_only_subscribed_events(guanxi_app, guanxi_customers,
                                                  guanxi_interactions, receiver):
    endpoint(guanxi_app, receiver.url, "interaction.*")
    ids = guanxi_customers.create_many(50)
    assert deliveries(guanxi_app) == []
    guanxi_interactions.log_many(ids[0], 5)
    assert [r.event_type for r in deliveries(guanxi_app)] == ["interaction.logged"] * 5
    second, _ = endpoint(guanxi_app, receiver.url, "customer.*")
    third, _ = endpoint(guanxi_app, receiver.url)
    created = guanxi_customers.create_many(20)
    rows = [r for r in deliveries(guanxi_app) if r.event_type == "customer.created"]
    assert len(rows) == 40  # one per customer and subscribed endpoint
    assert {r.endpoint_id for r in rows} == {second, third}
    assert sorted({r.customer_id for r in rows}) == sorted(created)
    assert len({r.event_id for r in rows}) == 20  # an event has one id for every endpoint
    with guanxi_app.transaction() as uow:
        set_active(uow, third, False)
    guanxi_customers.create_many(5)
    assert len([r for r in deliveries(guanxi_app) if r.event_type == "customer.created"]) == 45


def test_without_endpoints_the_hooks_cost_one_cached_check(guanxi_make_app):
    app = guanxi_make_app(settings={"webhooks": {"cache_seconds": 600}})
    from guanxi.testing import CustomerFactory

    customers = CustomerFactory(app)
    customers.create()  # fills the cache
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(app.engine, "before_cursor_execute", seen)
    try:
        customers.create_many(30)
    finally:
        event.remove(app.engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "webhook" in s]


def test_update_merge_and_interaction_payloads_mask_sensitive_fields(
    guanxi_make_app, receiver
):
    app = guanxi_make_app(settings={"access": {"sensitive_fields": ["birth_date"]}})
    endpoint(app, receiver.url)
    with app.transaction() as uow:
        a = add_customer(uow, check=False, name="张三", birth_date="1980-02-03",
                         emails=["a@example.com"]).id
        b = add_customer(uow, check=False, name="张三", emails=["b@example.com"]).id
    with app.transaction() as uow:
        update_customer(uow, a, {"name": "张三丰", "birth_date": "1981-01-01"})
    with app.transaction() as uow:
        merge_customers(uow, a, [b])
    deliver_due(app)
    by_type = {}
    for request in receiver.requests:
        by_type.setdefault(request.json["type"], []).append(request.json["data"])
    created = {d["id"]: d for d in by_type["customer.created"]}
    assert created[a]["birth_date"] is None and created[a]["masked"] == ["birth_date"]
    assert created[a]["contact_points"][0]["value"] == "a@example.com"
    (updated,) = by_type["customer.updated"]
    assert updated["id"] == a
    assert updated["changed"]["name"] == "张三丰" and updated["previous"]["name"] == "张三"
    assert updated["changed"]["birth_date"] is None and updated["masked"] == ["birth_date"]
    assert "1981" not in str(receiver.requests) and "1980" not in str(receiver.requests)
    (merged,) = by_type["customer.merged"]
    assert merged == {"survivor_id": a, "merged_ids": [b]}


def test_interaction_payload(guanxi_app, guanxi_customers, guanxi_interactions, receiver):
    endpoint(guanxi_app, receiver.url, "interaction.logged")
    customer = guanxi_customers.create()
    interaction = guanxi_interactions.log(
        customer, kind="core.purchase", revenue="12.50", payload={"order_ref": "A-1"})
    deliver_due(guanxi_app)
    (request,) = receiver.requests
    data = request.json["data"]
    assert (data["id"], data["customer_id"], data["kind"]) == (
        interaction, customer, "core.purchase")
    assert data["revenue"] == "12.50" and data["payload"]["order_ref"] == "A-1"
    assert dt.datetime.fromisoformat(data["occurred_at"]).tzinfo is not None


def test_a_disabled_endpoint_keeps_its_queue_until_enabled(guanxi_app, guanxi_customers,
                                                           receiver):
    endpoint_id, _ = endpoint(guanxi_app, receiver.url)
    guanxi_customers.create()
    with guanxi_app.transaction() as uow:
        set_active(uow, endpoint_id, False)
    assert deliver_due(guanxi_app).sent == 0
    assert [r.status for r in deliveries(guanxi_app)] == ["pending"]
    with guanxi_app.transaction() as uow:
        set_active(uow, endpoint_id, True)
    assert deliver_due(guanxi_app).delivered == 1


def test_ping_is_logged_and_not_retried(guanxi_app, receiver):
    endpoint_id, secret = endpoint(guanxi_app, receiver.url)
    attempt = send_test(guanxi_app, endpoint_id)
    assert attempt.ok
    (request,) = receiver.requests
    assert request.json["type"] == "ping"
    assert verify(secret, request.headers, request.body)
    down, _ = endpoint(guanxi_app, Receiver(port=closed_port()).url)
    assert not send_test(guanxi_app, down).ok
    statuses = {r.endpoint_id: r.status for r in deliveries(guanxi_app)}
    assert statuses == {endpoint_id: "delivered", down: "dead"}


def test_the_job_sends_and_the_purge_forgets_old_deliveries(guanxi_app, guanxi_customers,
                                                            receiver):
    endpoint(guanxi_app, receiver.url)
    guanxi_customers.create()
    now = dt.datetime.now(dt.UTC)
    outcomes = {o.name: o for o in run_due(guanxi_app, now=now)}
    assert outcomes["core.webhooks_deliver"].status == "ok"
    assert "1 delivered" in outcomes["core.webhooks_deliver"].detail
    assert len(receiver.requests) == 1
    outcomes = {o.name: o for o in run_due(guanxi_app, now=now + dt.timedelta(days=31))}
    assert outcomes["core.webhooks_purge"].detail == "removed 1 old webhook deliveries"
    assert deliveries(guanxi_app) == []


def test_erasing_a_customer_blanks_his_deliveries(guanxi_app, guanxi_customers, receiver):
    endpoint(guanxi_app, receiver.url)
    erased, kept = guanxi_customers.create(name="李四"), guanxi_customers.create(name="王五")
    with guanxi_app.transaction() as uow:
        erase_customer(uow, erased, reason="request")
    rows = {r.customer_id: r for r in deliveries(guanxi_app)}
    assert rows[erased].payload["data"] == {"erased": True}
    assert (rows[erased].status, rows[erased].last_error) == ("dead", "customer erased")
    assert rows[kept].payload["data"]["name"] == "王五"
    deliver_due(guanxi_app)
    assert [r.json["data"]["name"] for r in receiver.requests] == ["王五"]
