"""Sending over several SMTP connections at once, with and without PIPELINING, and the
MIME the sender writes: nobody twice, nobody lost, headers that decode back.

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import email
from collections import Counter
from collections.abc import Callable
from email import policy

from guanxi.app import App
from guanxi_marketing.messages.mime import email_bytes
from guanxi_marketing.messages.render import RenderedMessage
from guanxi_marketing.messages.senders import SmtpSender
from guanxi_marketing.messages.service import send_campaign
from tests.marketing.test_messages_support import (
    Inbox,
    campaign,
    kinds_logged,
    message_settings,
    people,
    smtp_server,
    statuses,
)


def test_several_connections_deliver_every_member_exactly_once(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox(pipelining=True)
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port, connections=4, batch_size=5))
        cid = campaign(app, people(app, 20))
        report = send_campaign(app, cid)
    assert (report.sent, report.pending, report.error) == (20, 0, None)
    assert len(inbox.connections) == 4
    assert Counter(inbox.recipients) == Counter(f"c{n}@example.cn" for n in range(20))
    assert all(status == ("sent", "sent") for status in statuses(app, cid).values())
    assert [kind for _, kind in kinds_logged(app)] == ["marketing.message_sent"] * 20


def test_a_refusal_midway_on_parallel_connections_leaves_a_rerun_only_the_rest(
    make_marketing_app: Callable[..., App],
) -> None:
    refusing = Inbox(refuse_after=6, pipelining=True)
    with smtp_server(refusing) as port:
        app = make_marketing_app(settings=message_settings(port, connections=3, batch_size=5))
        cid = campaign(app, people(app, 15))
        report = send_campaign(app, cid)
    assert report.error is not None and "421" in report.error
    assert report.sent == len(refusing.messages) >= 6
    assert (report.sent + report.pending, report.unconfirmed) == (15, 0)
    healthy = Inbox()
    with smtp_server(healthy) as port:
        app = make_marketing_app(settings=message_settings(port, connections=3), migrate=False)
        rerun = send_campaign(app, cid)
    assert (rerun.sent, rerun.error) == (15 - report.sent, None)
    arrived = Counter(refusing.recipients + healthy.recipients)
    assert arrived == Counter(f"c{n}@example.cn" for n in range(15))
    assert [kind for _, kind in kinds_logged(app)] == ["marketing.message_sent"] * 15


def test_a_pipelined_envelope_fails_one_recipient_alone(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox(reject={"c1@example.cn"}, pipelining=True)
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        cid = campaign(app, people(app, 3))
        report = send_campaign(app, cid)
    assert (report.sent, report.failed, report.error) == (2, 1, None)
    assert "550" in report.failures[0]
    assert sorted(inbox.recipients) == ["c0@example.cn", "c2@example.cn"]


def test_a_lost_reply_after_a_pipelined_envelope_is_unconfirmed_and_never_resent(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox(drop_in_data=1, pipelining=True)
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        cid = campaign(app, people(app, 4))
        report = send_campaign(app, cid)
        assert (report.sent, report.unconfirmed, report.pending) == (1, 1, 2)
        rerun = send_campaign(app, cid)
    assert (rerun.sent, rerun.unconfirmed) == (2, 1)
    assert sorted(inbox.recipients) == sorted(f"c{n}@example.cn" for n in range(4))


def _message(**changes: object) -> RenderedMessage:
    message = RenderedMessage("email", "newsletter", 17, "c17@example.cn", "王小明",
                              "小明,春季新品", "你好\n.一个点开头\n", "<p>你好</p>",
                              "https://crm.example/u/x", 3, 5, "<guanxi.3.17@shop.example>")
    for name, value in changes.items():
        setattr(message, name, value)
    return message


def test_an_unusable_address_is_refused_without_a_word_to_the_server(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        sender = SmtpSender(app.settings_for("marketing").messages)
        sender.open()
        try:
            refused = sender.send(_message(address="c17@example.cn>\r\nRCPT TO:<x@evil"))
            accepted = sender.send(_message())
        finally:
            sender.close()
    assert refused.outcome == "rejected" and "unusable address" in refused.detail
    assert accepted.outcome == "accepted" and inbox.recipients == ["c17@example.cn"]


def test_the_mime_decodes_back_with_folded_encoded_headers_and_no_injection() -> None:
    long_subject = "春季新品全场八折欢迎选购" * 8
    raw = email_bytes(_message(subject=long_subject + "\r\nBcc: x@evil"),
                      from_address="news@shop.example", from_name="关系商城")
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 78 and raw.isascii()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == long_subject + " Bcc: x@evil" and parsed["Bcc"] is None
    assert parsed["To"].addresses[0].display_name == "王小明"
    assert parsed["List-Unsubscribe"] == "<https://crm.example/u/x>"
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and plain.get_content() == "你好\n.一个点开头\n"
    assert html is not None and html.get_content() == "<p>你好</p>"
    ascii_only = email_bytes(_message(subject="Spring sale", display_name="Wang"),
                             from_address="news@shop.example", from_name=None)
    assert b"Subject: Spring sale\r\n" in ascii_only
    assert b"To: Wang <c17@example.cn>\r\n" in ascii_only
    assert b"From: news@shop.example\r\n" in ascii_only
    text_only = email.message_from_bytes(
        email_bytes(_message(html=None), from_address="a@b.example", from_name=None),
        policy=policy.default)
    assert text_only.get_content_type() == "text/plain"
    assert text_only.get_content() == "你好\n.一个点开头\n"
