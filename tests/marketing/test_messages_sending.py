"""Sending campaigns over a real local SMTP server (aiosmtpd): what arrives, and what the
ledger keeps when the server refuses, drops the connection or a template fails.

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from guanxi.app import App
from guanxi.errors import ConfigError, ValidationError
from guanxi.privacy import set_consent
from guanxi_marketing.messages.service import (
    list_messages,
    resolve_message,
    send_campaign,
    unsubscribe,
)
from tests.marketing.test_messages_support import (
    SECRET,
    T0,
    Inbox,
    body_html,
    body_text,
    campaign,
    kinds_logged,
    message_settings,
    people,
    smtp_server,
    statuses,
)


def count_rows(app: App, table: str) -> int:
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_campaign_arrives_in_chinese_with_an_unsubscribe_link_once_per_member(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 4)
        cid = campaign(app, ids)
        report = send_campaign(app, cid)
    assert (report.sent, report.failed, report.skipped, report.error) == (4, 0, 0, None)
    assert sorted(inbox.recipients) == sorted(f"c{n}@example.cn" for n in range(4))
    first = next(m for m in inbox.messages if m["To"].addresses[0].username == "c0")
    assert str(first["Subject"]) == "小0,春季新品 春季促销"
    assert first["To"].addresses[0].display_name == "张0"
    assert first["From"].addresses[0].display_name == "关系商城"
    assert first["Message-ID"] == f"<guanxi.{cid}.{ids[0]}@shop.example>"
    raw_subject = first.get_all("Subject")  # encoded on the wire, decoded here
    assert raw_subject is not None
    link = first["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith("https://crm.example/marketing/unsubscribe/")
    assert "小0,您好" in body_text(first) and link in body_text(first)
    assert "全场八折" in body_html(first) and f'href="{link}"' in body_html(first)
    assert all(status == ("sent", "sent") for status in statuses(app, cid).values())
    assert kinds_logged(app) == [(i, "marketing.message_sent") for i in ids]
    # A rerun finds nobody left: no one gets the message twice.
    again = send_campaign(app, cid)
    assert (again.sent, again.pending, len(inbox.messages)) == (0, 0, 4)


def test_the_link_in_the_message_unsubscribes_from_that_channel(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 2)
        first = campaign(app, ids)
        send_campaign(app, first)
        token = inbox.messages[0]["List-Unsubscribe"].strip().strip("<>").rsplit("/", 1)[1]
        gone = next(i for i in ids if f"c{ids.index(i)}@" in inbox.recipients[0])
        with app.transaction(now=T0) as uow:
            assert unsubscribe(uow, token) == gone
        with app.transaction(now=T0) as uow:  # a second click changes nothing
            assert unsubscribe(uow, token) == gone
        second = campaign(app, ids, name="夏季促销")
        report = send_campaign(app, second)
    assert (report.sent, report.skipped) == (1, 1)
    assert len(inbox.messages) == 3
    assert kinds_logged(app, "marketing.unsubscribed") == [(gone, "marketing.unsubscribed")]
    assert kinds_logged(app, "core.consent_changed")[-1] == (gone, "core.consent_changed")
    assert (gone, "marketing.message_skipped") in kinds_logged(app)


def test_a_bad_token_is_refused(make_marketing_app: Callable[..., App]) -> None:
    app = make_marketing_app(settings=message_settings(25))
    ids = people(app, 1)
    with app.transaction(now=T0) as uow, pytest.raises(ValidationError, match="signature"):
        unsubscribe(uow, "MTox.AAAAAAAAAAAAAAAAAAAAAA")
    with app.transaction(now=T0) as uow, pytest.raises(ValidationError, match="token"):
        unsubscribe(uow, "%%%")
    assert kinds_logged(app, "marketing.unsubscribed") == []
    assert ids


def test_members_without_consent_or_address_get_nothing_and_the_skip_is_logged(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        consenting = people(app, 2)
        silent = people(app, 1, consent=False)[0]
        with app.transaction(now=T0) as uow:
            set_consent(uow, consenting[1], purpose="marketing", channel="email",
                        granted=False, source="phone call")
        cid = campaign(app, [*consenting, silent])
        report = send_campaign(app, cid)
        assert (report.sent, report.skipped) == (1, 2)
        assert inbox.recipients == ["c0@example.cn"]
        # A rerun neither sends to them nor logs the same skip again.
        again = send_campaign(app, cid)
    assert (again.sent, again.skipped, len(inbox.messages)) == (0, 2, 1)
    skipped = [c for c, kind in kinds_logged(app) if kind == "marketing.message_skipped"]
    assert sorted(skipped) == sorted([consenting[1], silent])
    with app.transaction(now=T0) as uow:
        reasons = {m.customer_id: m.reason for m in list_messages(uow, status="skipped")}
    assert reasons == {consenting[1]: "no consent", silent: "no consent"}


def test_a_template_that_fails_for_one_member_sends_nothing(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 3)
        cid = campaign(app, ids, subject="{{ customer.custom.vip_level }} 专享")
        with pytest.raises(ValidationError) as caught:
            send_campaign(app, cid)
        typo = campaign(app, ids, name="拼写错误", subject="{{ custmer.name }}")
        with pytest.raises(ValidationError, match="custmer"):
            send_campaign(app, typo)
        missing = campaign(app, ids, name="无模板", template="nope")
        with pytest.raises(ValidationError, match="no template marketing/email/nope.html"):
            send_campaign(app, missing)
    message = str(caught.value)
    assert "subject" in message and f"customer {ids[0]}" in message and "vip_level" in message
    assert "\n" not in message
    assert inbox.messages == []
    assert count_rows(app, "marketing_message") == 0
    assert kinds_logged(app) == []
    assert {s for s, _ in statuses(app, cid).values()} == {"targeted"}


def test_a_server_that_refuses_midway_leaves_the_rest_pending_and_a_rerun_sends_them(
    make_marketing_app: Callable[..., App],
) -> None:
    refusing = Inbox(refuse_after=4)
    with smtp_server(refusing) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 7)
        cid = campaign(app, ids)
        report = send_campaign(app, cid)
    assert report.error is not None and "421" in report.error and "\n" not in report.error
    assert (report.sent, report.pending, report.unconfirmed) == (4, 3, 0)
    first = statuses(app, cid)
    assert list(first.values()).count(("sent", "sent")) == 4
    assert sum(1 for s in first.values() if s[0] == "targeted") == 3
    healthy = Inbox()
    with smtp_server(healthy) as port:
        app = make_marketing_app(settings=message_settings(port), migrate=False)
        rerun = send_campaign(app, cid)
    assert (rerun.sent, rerun.error) == (3, None)
    arrived = refusing.recipients + healthy.recipients
    assert sorted(arrived) == sorted(f"c{n}@example.cn" for n in range(7))
    assert [kind for _, kind in kinds_logged(app)] == ["marketing.message_sent"] * 7


def test_a_dropped_connection_midway_loses_nobody_and_doubles_nobody(
    make_marketing_app: Callable[..., App],
) -> None:
    dropping = Inbox(drop_after=2)
    with smtp_server(dropping) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 5)
        cid = campaign(app, ids)
        report = send_campaign(app, cid)
        assert report.error is not None and "connection lost" in report.error
        assert (report.sent, report.pending) == (2, 3)
        dropping.drop_after = None
        rerun = send_campaign(app, cid)
    assert rerun.sent == 3
    assert sorted(dropping.recipients) == sorted(f"c{n}@example.cn" for n in range(5))


def test_a_message_whose_reply_was_lost_is_unconfirmed_and_never_resent(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox(drop_in_data=1)  # the second message arrives, its "250" never does
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 4)
        cid = campaign(app, ids)
        report = send_campaign(app, cid)
        assert (report.sent, report.unconfirmed, report.pending) == (1, 1, 2)
        rerun = send_campaign(app, cid)
    assert (rerun.sent, rerun.unconfirmed) == (2, 1)
    assert len(inbox.messages) == 4 and len(set(inbox.recipients)) == 4  # nobody twice
    with app.transaction(now=T0) as uow:
        (open_row,) = list_messages(uow, status="attempting")
        assert open_row.customer_id == ids[1]
        resolved = resolve_message(uow, open_row.id, delivered=True)
    assert resolved.status == "sent"
    assert all(status == ("sent", "sent") for status in statuses(app, cid).values())
    with app.transaction(now=T0) as uow, pytest.raises(ValidationError, match="not unconfirmed"):
        resolve_message(uow, open_row.id, delivered=False)


def test_a_recipient_refused_with_550_fails_alone_and_the_rest_is_sent(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox(reject={"c1@example.cn"})
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 3)
        cid = campaign(app, ids)
        report = send_campaign(app, cid)
        assert (report.sent, report.failed, report.error) == (2, 1, None)
        assert "550" in report.failures[0]
        assert send_campaign(app, cid).sent == 0  # failed members are not retried by default
        inbox.reject.clear()
        retried = send_campaign(app, cid, retry_failed=True)
    assert retried.sent == 1 and len(inbox.messages) == 3
    failed = [c for c, kind in kinds_logged(app) if kind == "marketing.message_failed"]
    assert failed == [ids[1]]


def test_limit_sends_a_slice_and_leaves_the_rest_pending(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        cid = campaign(app, people(app, 5))
        first = send_campaign(app, cid, limit=2)
        second = send_campaign(app, cid)
    assert (first.sent, first.pending, second.sent, len(inbox.messages)) == (2, 3, 3, 5)


def test_an_unreachable_server_sends_nothing_and_keeps_everyone_pending(
    make_marketing_app: Callable[..., App],
) -> None:
    from tests.marketing.test_messages_support import free_port

    app = make_marketing_app(settings=message_settings(free_port()))
    cid = campaign(app, people(app, 2))
    report = send_campaign(app, cid)
    assert report.error is not None and (report.sent, report.pending) == (0, 2)
    assert count_rows(app, "marketing_message") == 0


def test_no_signing_key_means_no_sending(
    make_marketing_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    from guanxi_marketing.messages.tokens import signing_key

    monkeypatch.delenv("GUANXI_UNSUBSCRIBE_SECRET", raising=False)
    app = make_marketing_app(settings=message_settings(25, unsubscribe_secret=None))
    cid = campaign(app, people(app, 1))
    with pytest.raises(ConfigError, match="GUANXI_UNSUBSCRIBE_SECRET"):
        send_campaign(app, cid)
    assert count_rows(app, "marketing_message") == 0
    monkeypatch.setenv("GUANXI_UNSUBSCRIBE_SECRET", "short")
    with pytest.raises(ConfigError, match="at least 16"):
        signing_key(app)
    monkeypatch.setenv("GUANXI_UNSUBSCRIBE_SECRET", SECRET)
    assert signing_key(app) == SECRET.encode()


def test_sms_and_letters_go_to_the_outbox(make_marketing_app: Callable[..., App]) -> None:
    app = make_marketing_app(settings=message_settings(25))
    ids = people(app, 2)
    sms = campaign(app, ids, type="sms", subject=None)
    letters = campaign(app, ids, type="direct_mail", subject=None, name="邀请函")
    assert send_campaign(app, sms).sent == 2
    assert send_campaign(app, letters).sent == 2
    with app.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT channel, address, body FROM marketing_outbox ORDER BY id")).all()
    assert [(r[0], r[1]) for r in rows] == [
        ("sms", "+8613800000000"), ("sms", "+8613800000001"),
        ("letter", "上海市 0 号"), ("letter", "上海市 1 号")]
    assert "小0,春季促销现已开始" in rows[0][2] and "/marketing/unsubscribe/" in rows[0][2]
    assert "尊敬的张0" in rows[2][2]
    assert [k for _, k in kinds_logged(app)] == ["marketing.message_sent"] * 4


def test_an_edition_template_overrides_the_plugin_one(
    make_marketing_app: Callable[..., App], tmp_path: Path,
) -> None:
    edition = tmp_path / "shop"
    (edition / "templates" / "marketing" / "sms").mkdir(parents=True)
    (edition / "edition.toml").write_text(
        'name = "shop"\ntitle = "小店"\nversion = "1.0"\n[plugins]\nmarketing = ""\n',
        encoding="utf-8")
    (edition / "templates" / "marketing" / "sms" / "newsletter.txt").write_text(
        "小店:{{ customer.name }} 回T退订 {{ unsubscribe_url }}", encoding="utf-8")
    app = make_marketing_app(settings=message_settings(25), edition=str(edition))
    ids = people(app, 1)
    send_campaign(app, campaign(app, ids, type="sms", subject=None))
    with app.engine.connect() as connection:
        body = connection.execute(text("SELECT body FROM marketing_outbox")).scalar_one()
    assert body.startswith("小店:张0 回T退订 https://crm.example/marketing/unsubscribe/")


def test_members_not_reached_are_listed_as_pending(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox(refuse_after=1)
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port, batch_size=10))
        cid = campaign(app, people(app, 3))
        send_campaign(app, cid)
    with app.transaction(now=T0) as uow:
        assert len(list_messages(uow, campaign_id=cid, status="pending")) == 2
        assert len(list_messages(uow, campaign_id=cid, status="sent")) == 1


def test_a_login_needs_the_password_from_the_environment(
    make_marketing_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUANXI_SMTP_PASSWORD", raising=False)
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port, username="news"))
        cid = campaign(app, people(app, 1))
        with pytest.raises(ConfigError, match="GUANXI_SMTP_PASSWORD"):
            send_campaign(app, cid)
    assert inbox.messages == []


def test_the_rate_limit_spaces_the_messages(make_marketing_app: Callable[..., App]) -> None:
    import time

    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port, rate_limit=20))
        cid = campaign(app, people(app, 4))
        began = time.perf_counter()
        assert send_campaign(app, cid).sent == 4
    assert time.perf_counter() - began >= 4 / 20
