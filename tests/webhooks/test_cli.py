"""``guanxi webhooks …``: endpoints, the log, replay, sending, and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from guanxi.models import WebhookDelivery, WebhookEndpoint
from guanxi.webhooks import verify
from tests.webhooks.receiver import Receiver, closed_port


def count(app, model):
    with app.transaction() as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_add_list_and_the_secret_shown_once(guanxi_cli, guanxi_app):
    added = guanxi_cli.json("webhooks", "add", "https://crm.example.com/hook",
                            "--event", "customer.created", "--event", "interaction.*")
    assert added["events"] == ["customer.created", "interaction.*"]
    assert added["secret"].startswith("whsec_")
    listed = guanxi_cli.json("webhooks", "list")
    assert [(e["id"], e["url"], e["active"]) for e in listed] == [
        (added["id"], "https://crm.example.com/hook", True)]
    assert added["secret"] not in guanxi_cli("webhooks", "list").stdout
    plain = guanxi_cli("webhooks", "add", "http://127.0.0.1:1/x", "--secret", "mine")
    assert plain.stdout.strip() == "mine"
    assert "not shown again" in plain.stderr
    default = guanxi_cli.json("webhooks", "list")[-1]
    assert default["events"] == ["*"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.com/x"], "field 'url': 'ftp://example.com/x' is not an http(s) URL"),
        (["example.com/hook"], "is not an http(s) URL"),
        (["http://"], "is not an http(s) URL"),
        (["https://x.example/h", "--event", "customer.deleted"],
         "unknown event type 'customer.deleted'"),
        (["https://x.example/h", "--event", "ping"], "unknown event type 'ping'"),
        (["https://x.example/h", "--secret", " "], "field 'secret': is empty"),
    ],
)
def test_bad_endpoints_are_refused_and_nothing_is_stored(guanxi_cli, guanxi_app, args,
                                                         message):
    assert message in guanxi_cli.fails("webhooks", "add", *args)
    assert count(guanxi_app, WebhookEndpoint) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["remove", "42"],
        ["disable", "42"],
        ["enable", "42"],
        ["test", "42"],
        ["deliver", "--endpoint", "42"],
        ["deliveries", "--endpoint", "42"],
        ["replay", "--endpoint", "42", "--since", "2026-01-01"],
    ],
)
def test_unknown_endpoint_ids_are_named(guanxi_cli, args):
    assert guanxi_cli.fails("webhooks", *args) == "error: no webhook endpoint 42"


def test_replay_refusals(guanxi_cli, guanxi_app, guanxi_customers):
    guanxi_cli("webhooks", "add", "http://127.0.0.1:1/x")
    guanxi_customers.create()
    (delivery,) = guanxi_cli.json("webhooks", "deliveries")
    assert guanxi_cli.fails("webhooks", "replay", str(delivery["id"]), "98", "99") == (
        "error: no webhook delivery 98, 99")
    assert "give delivery ids" in guanxi_cli.fails("webhooks", "replay")
    assert "not both" in guanxi_cli.fails("webhooks", "replay", "1", "--endpoint", "1")
    assert "not a date" in guanxi_cli.fails(
        "webhooks", "replay", "--endpoint", "1", "--since", "yesterday")
    assert "unknown status 'lost'" in guanxi_cli.fails("webhooks", "deliveries",
                                                       "--status", "lost")
    (after,) = guanxi_cli.json("webhooks", "deliveries")
    assert after == delivery  # nothing was requeued by the refused replays


def test_deliver_log_replay_and_disable(guanxi_cli, guanxi_app, guanxi_customers, receiver):
    added = guanxi_cli.json("webhooks", "add", receiver.url, "--event", "customer.*")
    guanxi_customers.create_many(2)
    out = guanxi_cli("webhooks", "deliver").stdout
    assert "2 sent: 2 delivered, 0 to retry, 0 dead" in out
    for request in receiver.requests:
        assert verify(added["secret"], request.headers, request.body)
    log = guanxi_cli.json("webhooks", "deliveries", "--status", "delivered")
    assert [d["status"] for d in log] == ["delivered", "delivered"]
    assert log[0]["id"] > log[1]["id"]  # newest first
    assert guanxi_cli.json("webhooks", "deliveries", "--status", "failed") == []
    guanxi_cli("webhooks", "replay", str(log[0]["id"]))
    assert guanxi_cli.json("webhooks", "deliveries", "--status", "pending")[0]["id"] == (
        log[0]["id"])
    guanxi_cli("webhooks", "deliver")
    assert len(receiver.requests) == 3
    out = guanxi_cli("webhooks", "replay", "--endpoint", str(added["id"]), "--since",
                     "2000-01-01").stdout
    assert "queued 2 deliveries again" in out
    guanxi_cli("webhooks", "disable", str(added["id"]))
    assert "0 sent" in guanxi_cli("webhooks", "deliver").stdout
    guanxi_cli("webhooks", "enable", str(added["id"]))
    assert "2 delivered" in guanxi_cli("webhooks", "deliver").stdout
    assert "removed endpoint" in guanxi_cli("webhooks", "remove", str(added["id"])).stdout
    assert count(guanxi_app, WebhookDelivery) == 0
    assert guanxi_cli.json("webhooks", "list") == []


def test_test_pings_the_endpoint(guanxi_cli, receiver):
    added = guanxi_cli.json("webhooks", "add", receiver.url)
    assert f"endpoint {added['id']} answered 200" in guanxi_cli(
        "webhooks", "test", str(added["id"])).stdout
    assert receiver.requests[0].json["type"] == "ping"
    down = guanxi_cli.json("webhooks", "add", Receiver(port=closed_port()).url)
    assert "did not accept the ping: ConnectError" in guanxi_cli.fails(
        "webhooks", "test", str(down["id"]))


def test_agents_may_not_manage_webhooks(guanxi_cli, guanxi_app, guanxi_web):
    guanxi_web.staff("zhou", role="agent")
    assert "may not create webhook_endpoint" in guanxi_cli.fails(
        "webhooks", "add", "https://x.example/h", as_user="zhou")
    assert count(guanxi_app, WebhookEndpoint) == 0
