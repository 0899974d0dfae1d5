"""Messages: rendering, previews, the ledger's listings and report, access, privacy and
the command line (marketing plugin, messages area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from guanxi.app import App, create_app
from guanxi.errors import ConfigError, NotFoundError, ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.lookup import get_customer
from guanxi.testing import GuanxiCli
from guanxi_marketing.messages.reports import message_counts
from guanxi_marketing.messages.senders import OutboxSender, SmtpSender, load_sender
from guanxi_marketing.messages.service import (
    get_message,
    list_messages,
    preview,
    render_message,
    send_campaign,
)
from guanxi_marketing.messages.tokens import make_token, read_token
from tests.marketing.test_messages_support import (
    SECRET,
    T0,
    Inbox,
    campaign,
    kinds_logged,
    message_settings,
    people,
    smtp_server,
    staff,
)


def test_render_message_personalises_chinese_text_with_every_context_part(
    make_marketing_app: Callable[..., App],
) -> None:
    app = make_marketing_app(settings=message_settings(25))
    with app.transaction(now=T0) as uow:
        customer = get_customer(uow, add_customer(
            uow, name="王小明", given_name="小明", emails=["xm@example.cn"],
            special_dates=[{"label": "结婚纪念日", "date": "2020-05-20"}]).id)
    message = render_message(
        app, "newsletter", customer, subject="{{ customer.special_dates['结婚纪念日'] }} & 您",
        campaign={"id": 9, "name": "周年庆", "starts_on": dt.date(2026, 5, 1),
                  "description": "满减"},
        owner={"name": "王芳", "phone": "021-5555"},
    )
    assert message.subject == "2020-05-20 & 您"  # a subject is not HTML-escaped
    assert message.address == "xm@example.cn" and message.display_name == "王小明"
    assert "小明,您好!" in message.text and "周年庆(2026-05-01 起)" in message.text
    assert "王芳(021-5555)" in message.text and message.unsubscribe_url in message.text
    assert message.html is not None and "满减" in message.html
    assert read_token(SECRET.encode(), message.unsubscribe_url.rsplit("/", 1)[1]).campaign_id == 9
    escaped = render_message(app, "newsletter", customer, subject="x",
                             campaign={"id": 1, "name": "<b>A&B</b>", "starts_on": None,
                                       "description": None}, owner=None)
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in (escaped.html or "")
    assert "<b>A&B</b>" in escaped.text  # the text part is not HTML
    assert len(message.body_sha256) == 64 and message.body_sha256 != escaped.body_sha256


def test_a_typo_or_missing_template_is_a_one_line_error(
    make_marketing_app: Callable[..., App],
) -> None:
    app = make_marketing_app(settings=message_settings(25))
    with app.transaction(now=T0) as uow:
        customer = get_customer(uow, add_customer(uow, name="李四", emails=["l@example.cn"]).id)
    full = {"id": 1, "name": "活动", "starts_on": None, "description": None}
    with pytest.raises(ValidationError, match="subject failed for customer .*custmer"):
        render_message(app, "newsletter", customer, subject="{{ custmer.name }}", campaign=full)
    with pytest.raises(ValidationError, match="newsletter.html failed .* no attribute 'name'"):
        render_message(app, "newsletter", customer, subject="x", campaign={"id": 1})
    with pytest.raises(ValidationError, match="no template marketing/sms/nope.txt"):
        render_message(app, "nope", customer, channel="sms", campaign=full)
    with pytest.raises(ValidationError, match="line 1"):
        render_message(app, "newsletter", customer, subject="{{ oops", campaign=full)
    with pytest.raises(ValidationError, match="channel"):
        render_message(app, "newsletter", customer, channel="fax", campaign=full)


def test_tokens_are_signed_and_tamper_proof() -> None:
    key = SECRET.encode()
    token = make_token(key, 42, "sms", 7)
    request = read_token(key, token)
    assert (request.customer_id, request.channel, request.campaign_id) == (42, "sms", 7)
    assert read_token(key, make_token(key, 1, "email", None)).campaign_id is None
    with pytest.raises(ValidationError, match="bad signature"):
        read_token(b"another-key-0123456789", token)
    forged = make_token(key, 43, "sms", 7).split(".")[0] + "." + token.split(".")[1]
    with pytest.raises(ValidationError, match="bad signature"):
        read_token(key, forged)


def test_preview_shows_a_members_message_and_sends_nothing(
    make_marketing_app: Callable[..., App],
) -> None:
    app = make_marketing_app(settings=message_settings(25))
    staff(app)
    ids = people(app, 1, owner="wang")
    cid = campaign(app, ids)
    with app.transaction(now=T0) as uow:
        shown = preview(uow, cid, ids[0])
    assert shown.subject == "小0,春季新品 春季促销"
    assert "王芳(+86 21 5555 0001)" in shown.text
    assert kinds_logged(app) == []
    with app.transaction(now=T0) as uow, pytest.raises(NotFoundError):
        preview(uow, cid, 999_999)


def test_campaigns_that_send_no_messages_are_refused(
    make_marketing_app: Callable[..., App],
) -> None:
    app = make_marketing_app(settings=message_settings(25))
    ids = people(app, 1)
    calls = campaign(app, ids, type="telemarketing", name="电话")
    with pytest.raises(ValidationError, match="telemarketing: it sends no messages"):
        send_campaign(app, calls)
    bare = campaign(app, ids, template="", name="无模板")
    with pytest.raises(ValidationError, match="names no message template"):
        send_campaign(app, bare)
    with pytest.raises(NotFoundError):
        send_campaign(app, 12345)


def test_senders_are_chosen_by_setting_and_an_edition_can_plug_its_own(
    make_marketing_app: Callable[..., App],
) -> None:
    app = make_marketing_app(settings=message_settings(
        25, sms_sender="tests.marketing.test_messages:RecordingSender", letter_sender="smtp"))
    assert isinstance(load_sender(app, "email"), SmtpSender)
    custom = load_sender(app, "sms")
    assert isinstance(custom, RecordingSender)
    with pytest.raises(ConfigError, match="smtp sends email only"):
        load_sender(app, "letter")
    odd = make_marketing_app(settings=message_settings(25, sms_sender="nonsense"),
                             migrate=False)
    with pytest.raises(ConfigError, match="not smtp, outbox or module:factory"):
        load_sender(odd, "sms")
    missing = make_marketing_app(settings=message_settings(25, sms_sender="no.such:thing"),
                                 migrate=False)
    with pytest.raises(ConfigError, match="No module named"):
        load_sender(missing, "sms")
    assert isinstance(load_sender(make_marketing_app(migrate=False), "sms"), OutboxSender)
    ids = people(app, 2)
    report = send_campaign(app, campaign(app, ids, type="sms", subject=None))
    assert report.sent == 2 and [m.address for m in RecordingSender.sent] == [
        "+8613800000000", "+8613800000001"]


class RecordingSender:
    """A sender an edition could plug in (``module:factory``): it keeps what it got."""

    sent: list = []

    def __init__(self, app: App, channel: str):
        RecordingSender.sent = []

    def open(self) -> None:
        """Nothing to open."""

    def send(self, message):  # type: ignore[no-untyped-def]
        """Accept everything."""
        from guanxi_marketing.messages.senders import SendResult

        RecordingSender.sent.append(message)
        return SendResult("accepted", "ok")

    def close(self) -> None:
        """Nothing to close."""


def test_listings_reports_and_records_follow_the_record_policies(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox(reject={"c2@example.cn"})
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        staff(app)
        own = people(app, 2, owner="wang")
        other = people(app, 1, owner="boss", first=2)  # c2, refused by the server
        silent = people(app, 1, consent=False, owner="boss", first=3)
        cid = campaign(app, [*own, *other, *silent], owner="wang")
        send_campaign(app, cid)
    with app.transaction(now=T0, as_user="boss") as uow:
        (row,) = message_counts(uow)
        assert {k: row[k] for k in ("sent", "failed", "skipped", "unconfirmed")} == {
            "sent": 2, "failed": 1, "skipped": 1, "unconfirmed": 0}
        assert len(list_messages(uow, campaign_id=cid)) == 4
        refused = list_messages(uow, status="failed")[0]
        assert refused.customer_id == other[0] and "550" in (refused.reason or "")
    with app.transaction(now=T0, as_user="wang") as uow:
        mine = list_messages(uow)
        assert sorted(m.customer_id for m in mine) == own
        (row,) = message_counts(uow, campaign_id=cid)
        assert (row["sent"], row["failed"], row["skipped"]) == (2, 0, 0)
        with pytest.raises(NotFoundError):
            get_message(uow, refused.id)
    with app.transaction(now=T0) as uow, pytest.raises(ValidationError, match="status"):
        list_messages(uow, status="lost")


def test_personal_data_is_exported_and_erased_while_counts_stay(
    make_marketing_app: Callable[..., App],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_marketing_app(settings=message_settings(port))
        ids = people(app, 2)
        send_campaign(app, campaign(app, ids))
        send_campaign(app, campaign(app, ids, type="sms", subject=None, name="短信"))
    with app.transaction(now=T0) as uow:
        exported = export_personal_data(uow, ids[0])["plugins"]["marketing"]
    assert [m["address"] for m in exported["messages"]] == ["c0@example.cn", "+8613800000000"]
    assert exported["outbox"][0]["body"].startswith("【")
    with app.transaction(now=T0) as uow:
        erase_customer(uow, ids[0], reason="request")
    with app.transaction(now=T0) as uow:
        erased = list_messages(uow, customer_id=ids[0])
        kept = list_messages(uow, customer_id=ids[1])
        again = export_personal_data(uow, ids[0])["plugins"]["marketing"]
        (row,) = message_counts(uow, campaign_id=erased[0].campaign_id)
    assert [(m.status, m.address, m.subject, m.reason) for m in erased] == [
        ("sent", None, None, None)] * 2
    assert all(m.address for m in kept)
    assert again["outbox"][0]["body"] == "[erased]" and again["outbox"][0]["address"] == "[erased]"
    assert row["sent"] == 2


# ----------------------------------------------------------------------------- CLI


@pytest.fixture
def project(tmp_path: Path, database_url: str) -> GuanxiCli:
    gx = GuanxiCli(tmp_path / "crm", database_url)
    gx("init", "--db", database_url)
    return gx


def _configure(gx: GuanxiCli, port: int) -> App:
    with (gx.project / "guanxi.toml").open("a", encoding="utf-8") as toml:
        # One connection, so that the server's refusal after two messages is exact.
        toml.write(f'\n[marketing.messages]\nsmtp_port = {port}\nfrom_address = "n@shop.example"\n'
                   f'connections = 1\nunsubscribe_secret = "{SECRET}"\n'
                   'base_url = "https://crm.example"\n')
    return create_app(gx.project, settings={"core": {"database_url": gx.database_url}})


def test_the_command_line_previews_sends_lists_and_unsubscribes(project: GuanxiCli) -> None:
    gx = project
    inbox = Inbox(refuse_after=2)
    with smtp_server(inbox) as port:
        app = _configure(gx, port)
        ids = people(app, 3)
        cid = str(campaign(app, ids))
        shown = gx("marketing", "messages", "preview", cid, str(ids[0])).stdout
        assert "Subject: 小0,春季新品 春季促销" in shown and "List-Unsubscribe: <https://" in shown
        assert gx.json("marketing", "messages", "preview", cid, str(ids[0]))["address"] == \
            "c0@example.cn"
        stopped = gx.fails("marketing", "send", cid)
        assert stopped.startswith("error: sending stopped: SMTP server refused the sender: 421")
        inbox.refuse_after = None
        report = gx.json("marketing", "messages", "send", cid)
        assert (report["sent"], report["pending"], report["error"]) == (1, 0, None)
    assert len(inbox.messages) == 3
    listed = gx.json("marketing", "messages", "list", "--campaign", cid)
    assert sorted(m["customer"] for m in listed) == ids
    assert {m["status"] for m in listed} == {"sent"}
    shown = gx("marketing", "messages", "show", str(listed[0]["id"])).stdout
    assert "message_id: <guanxi." in shown and "body_sha256: " in shown
    assert "no message with id 999" in gx.fails("marketing", "messages", "show", "999")
    token = inbox.messages[0]["List-Unsubscribe"].strip().strip("<>").rsplit("/", 1)[1]
    out = gx("marketing", "unsubscribe", token).stdout
    assert out.startswith("customer ") and "unsubscribed" in out
    assert "token" in gx.fails("marketing", "unsubscribe", "garbage.token")
    assert "not unconfirmed" in gx.fails("marketing", "messages", "resolve",
                                         str(listed[0]["id"]), "--delivered")
    report = gx.json("report", "run", "marketing.messages")
    assert report["rows"][0]["sent"] == 3
    assert "template" in gx.fails("marketing", "send", str(campaign(
        app, ids, name="坏模板", subject="{{ nope }}")))
    app.close()
