"""Messages: the audience read in bulk for a campaign renders what a single read renders.

A campaign's members are read with Core queries (``guanxi_marketing.messages.audience``)
rather than through ``get_customer``: these tests check that the two give the same
messages (tags, custom fields, special dates, owner, contact points), that record
policies and sensitive fields still apply, and that nothing is sent when one member's
message fails. Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on
PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.services.customers import add_customer
from guanxi_marketing.messages.sending import prepare
from guanxi_marketing.messages.service import preview, send_campaign
from tests.marketing.test_messages_support import (
    T0,
    Inbox,
    campaign,
    message_settings,
    smtp_server,
    staff,
    statuses,
)

SUBJECT = (
    "{{ customer.preferred_name }}|{{ customer.tags | join('/') }}"
    "|{{ customer.special_dates.get('生日', '') }}|{{ customer.custom.get('industry', '-') }}"
    "|{{ owner.name if owner else '' }}|{{ customer.email }}|{{ customer.phone }}"
)


def _customers(app: App) -> list[int]:
    """Wang's two customers (one with everything filled in) and one of boss's."""
    with app.transaction(now=T0) as uow:
        full = add_customer(
            uow, name="王小明", given_name="小明", owner="wang", tags=["vip", "北京"],
            emails=["old@example.cn", "xm@example.cn"], phones=["+8613800000001"],
            special_dates=[{"label": "生日", "date": "1990-05-20"}],
            custom={"industry": "制造业", "value_segment": "vip"},
            contact_points=[{"kind": "email", "value": "main@example.cn", "primary": True}],
        )
        bare = add_customer(uow, name="李四", owner="wang", emails=["ls@example.cn"])
        other = add_customer(uow, name="赵六", owner="boss", emails=["zl@example.cn"])
    return [c.id for c in (full, bare, other) if c.id is not None]


def _comparable(message: object) -> dict[str, object]:
    fields = asdict(message)  # type: ignore[call-overload]
    return {k: v for k, v in fields.items() if k not in ("member_id", "message_id")}


def test_bulk_rendering_matches_a_single_read_and_applies_policies_and_masks(
    make_marketing_app: Callable[..., App],
) -> None:
    app = make_marketing_app(settings={
        **message_settings(25), "access": {"sensitive_fields": ["industry"]},
        "privacy": {"purposes": {"marketing": True, "service": True, "analytics": True}},
    })
    staff(app)
    full, bare, other = _customers(app)
    cid = campaign(app, [full, bare, other], subject=SUBJECT)
    for user, visible in (("boss", [full, bare, other]), ("wang", [full, bare])):
        with app.transaction(now=T0, as_user=user) as uow:
            prepared = prepare(uow, cid, limit=None)
            assert [m.customer_id for m in prepared.messages] == visible
            for message in prepared.messages:
                single = preview(uow, cid, message.customer_id)
                assert _comparable(message) == _comparable(single)
    with app.transaction(now=T0, as_user="boss") as uow:
        subject = prepare(uow, cid, limit=None).messages[0].subject
    assert subject == "小明|vip/北京|1990-05-20|制造业|王芳|main@example.cn|+8613800000001"
    with app.transaction(now=T0, as_user="wang") as uow:
        masked = prepare(uow, cid, limit=None).messages[0]
    assert masked.subject is not None and "|-|" in masked.subject  # no sensitive right
    assert masked.address == "main@example.cn"


def test_one_failing_member_stops_the_campaign_before_anything_is_sent(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings={
            **message_settings(port, batch_size=1),
            "privacy": {"purposes": {"marketing": True, "service": True, "analytics": True}},
        })
        staff(app)
        ids = _customers(app)
        # The second member has no '生日' date: its subject fails after the first rendered.
        cid = campaign(app, ids, subject="{{ customer.special_dates['生日'] }}")
        with pytest.raises(ValidationError, match=f"customer {ids[1]}"):
            send_campaign(app, cid)
    assert inbox.messages == []
    assert {s for s, _ in statuses(app, cid).values()} == {"targeted"}
    assert {g for _, g in statuses(app, cid).values()} == {None}
