"""The outside example distribution examples/guanxi-wechat, installed as its own
distribution, exercised with the built-in plugins.

It ships two plugins: ``wechat`` (a messaging channel with its own tables, kinds, commands,
settings, an offered hook and a 360 section) and ``wechat_service``, a bridge to the
built-in ``service`` plugin that is active only when both are enabled. Every application
here is built from the installed entry points, as an admin's would be; the settings live
in the project's guanxi.toml so that the command line sees the same ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import distribution, entry_points
from pathlib import Path

import pytest

# The example is its own distribution: `pip install -e examples/guanxi-wechat` (the
# README's test command does). Without it this module fails to import, on purpose.
from guanxi_wechat.callback import signature_of
from guanxi_wechat.models import WechatFollower, WechatOutbox
from guanxi_wechat.service import OutgoingMessage, send_text
from sqlalchemy import func, inspect, select

from guanxi.app import App
from guanxi.db.migrate import check, downgrade, upgrade
from guanxi.errors import ConfigError
from guanxi.models import Customer, ExternalIdentity, Interaction
from guanxi.services.customer360 import customer_360
from guanxi.settings import DEFAULT_CHANNELS
from guanxi.testing.cli import GuanxiCli

TOKEN = "guanxi-test-token"
CHANNELS = [*DEFAULT_CHANNELS, "wechat"]
BUILT_IN = ("sales", "marketing", "service", "analytics")
OPENID = "oXyZ_follower_0001"


def callback_xml(openid: str = OPENID, *, content: str = "你好", msg_id: str = "1001",
                 msg_type: str = "text", event: str | None = None) -> str:
    """A WeChat callback body as the official account's server receives it."""
    inner = (f"<Event><![CDATA[{event}]]></Event>" if event
             else f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>")
    return (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>1767225600</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{inner}</xml>")


def toml_list(names: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(json.dumps(n) for n in names) + "]"


@dataclass
class Project:
    """A project folder, its application, and the command line on it."""

    path: Path
    app: App
    cli: GuanxiCli

    def receive(self, body: str, *, token: str = TOKEN, ok: bool = True,
                timestamp: str = "1767225600", nonce: str = "n0nce") -> object:
        """``guanxi wechat receive`` of ``body``, signed with ``token``."""
        file = self.path / "callback.xml"
        file.write_text(body, encoding="utf-8")
        args = ("wechat", "receive", str(file), "--signature",
                signature_of(token, timestamp, nonce), "--timestamp", timestamp,
                "--nonce", nonce)
        return self.cli.json(*args) if ok else self.cli.fails(*args)

    def count(self, table: type, *where: object) -> int:
        with self.app.transaction() as uow:
            return uow.session.execute(select(func.count()).select_from(table).where(*where)
                                       ).scalar_one()

    def kinds(self, customer_id: int | None = None) -> list[str]:
        query = select(Interaction.kind).order_by(Interaction.id)
        if customer_id is not None:
            query = query.where(Interaction.customer_id == customer_id)
        with self.app.transaction() as uow:
            return list(uow.session.execute(query).scalars())


@pytest.fixture
def make_project(
    guanxi_make_app: Callable[..., App], guanxi_project_dir: Path, guanxi_database_url: str
) -> Callable[..., Project]:
    """``make_project(plugins, settings_toml=None)``: guanxi.testing's app enabling exactly
    ``plugins`` (and the test's throwaway plugins), and a command line enabling the same
    installed ones. The settings go in the project's guanxi.toml, which the app and
    every command read alike (``guanxi_make_app(settings=…)`` would not reach the CLI).
    """

    def factory(
        plugins: list[str], settings_toml: str | None = None
    ) -> Project:
        if settings_toml is None:
            settings_toml = f"[core]\nchannels = {toml_list(CHANNELS)}\n"
            if "wechat" in plugins:
                settings_toml += f'\n[wechat]\ntoken = "{TOKEN}"\napp_id = "wx0123456789"\n'
        (guanxi_project_dir / "guanxi.toml").write_text(
            f'edition = "generic"\n\n{settings_toml}', encoding="utf-8"
        )
        app = guanxi_make_app(plugins=plugins)
        # Enabled as the app enabled them, inactive bridges included, so that the
        # command line shows a bridge as inactive rather than not enabled.
        cli = GuanxiCli(guanxi_project_dir, guanxi_database_url, plugins=plugins,
                        disabled=[name for name in BUILT_IN if name not in plugins])
        return Project(guanxi_project_dir, app, cli)

    return factory


@pytest.fixture
def wechat(make_project: Callable[..., Project]) -> Project:
    """The wechat plugin alone (no built-in plugin enabled)."""
    return make_project(["wechat"])


# ----------------------------------------------------------------------------- packaging


def test_both_plugins_come_from_the_guanxi_wechat_distribution() -> None:
    found = {ep.name: ep for ep in entry_points(group="guanxi.plugins")}
    assert found["wechat"].value == "guanxi_wechat.plugin"
    assert found["wechat_service"].value == "guanxi_wechat_service"
    assert found["wechat"].dist.name == found["wechat_service"].dist.name == "guanxi-wechat"
    ours = {ep.name for ep in distribution("guanxi-wechat").entry_points
            if ep.group == "guanxi.plugins"}
    theirs = {ep.name for ep in distribution("guanxi").entry_points
              if ep.group == "guanxi.plugins"}
    assert ours == {"wechat", "wechat_service"}
    assert not ours & theirs and "service" in theirs


# ----------------------------------------------------------------------------- wechat alone


def test_a_message_from_an_unknown_openid_creates_a_customer_with_that_identity(
    wechat: Project,
) -> None:
    first = wechat.receive(callback_xml(content="请问营业时间？"))
    assert first["new_customer"] is True and first["duplicate"] is False
    customer_id = first["customer_id"]
    with wechat.app.transaction() as uow:
        identity = uow.session.execute(select(ExternalIdentity)).scalar_one()
        follower = uow.session.get(WechatFollower, OPENID)
        entry = uow.session.get(Interaction, first["interaction_id"])
    assert (identity.source, identity.external_id, identity.customer_id) == (
        "wechat", OPENID, customer_id)
    assert follower is not None and follower.customer_id == customer_id
    assert follower.subscribed_at is not None and follower.unsubscribed_at is None
    assert entry is not None
    assert (entry.kind, entry.channel, entry.direction, entry.subject) == (
        "wechat.message_in", "wechat", "inbound", "请问营业时间？")
    assert entry.payload["openid"] == OPENID and entry.payload["msg_id"] == "1001"
    # The timeline, through the command line, shows the message.
    timeline = wechat.cli.json("interaction", "list", "--customer", f"wechat:{OPENID}")
    assert [(t["kind"], t["subject"]) for t in timeline] == [
        ("wechat.message_in", "请问营业时间？")]


def test_a_second_message_from_the_same_openid_is_the_same_customer(wechat: Project) -> None:
    first = wechat.receive(callback_xml(content="你好", msg_id="1"))
    second = wechat.receive(callback_xml(content="在吗", msg_id="2"))
    assert second["customer_id"] == first["customer_id"] and second["new_customer"] is False
    # WeChat retries an unanswered callback with the same MsgId: stored once.
    retry = wechat.receive(callback_xml(content="在吗", msg_id="2"))
    assert retry["duplicate"] is True and retry["interaction_id"] is None
    assert wechat.count(Customer) == 1
    assert wechat.kinds() == ["wechat.message_in", "wechat.message_in"]
    # Another openid is another customer.
    other = wechat.receive(callback_xml("oOther_0002", content="hi", msg_id="3"))
    assert other["new_customer"] is True and other["customer_id"] != first["customer_id"]


def test_an_openid_already_known_as_an_identity_is_that_customer(wechat: Project) -> None:
    wechat.cli("customer", "add", "张三", "--email", "zs@example.cn",
               "--identity", f"wechat:{OPENID}")
    done = wechat.receive(callback_xml())
    assert done["new_customer"] is False
    with wechat.app.transaction() as uow:
        name = uow.session.get(Customer, done["customer_id"]).name
    assert name == "张三" and wechat.count(Customer) == 1


def test_a_bad_signature_is_one_line_and_stores_nothing(wechat: Project) -> None:
    error = wechat.receive(callback_xml(), token="not-the-token", ok=False)
    assert error == "error: field '--signature': does not match the token, timestamp and nonce"
    assert wechat.count(Customer) == wechat.count(WechatFollower) == 0
    assert wechat.kinds() == []


def test_a_bad_body_names_the_field(wechat: Project) -> None:
    error = wechat.receive(callback_xml(msg_type="video"), ok=False)
    assert "'MsgType'" in error and "'video' is not one of text, image, event" in error
    error = wechat.receive("<xml><MsgType>text</MsgType></xml>", ok=False)
    assert "'FromUserName'" in error
    error = wechat.receive('<!DOCTYPE x [<!ENTITY a "b">]><xml/>', ok=False)
    assert "DOCTYPE" in error
    assert wechat.count(Customer) == 0


def test_a_json_body_is_read_like_xml(wechat: Project) -> None:
    body = json.dumps({"FromUserName": OPENID, "MsgType": "image", "CreateTime": 1767225600,
                       "PicUrl": "https://mmbiz.example/p.jpg", "MsgId": "77"})
    done = wechat.receive(body)
    with wechat.app.transaction() as uow:
        entry = uow.session.get(Interaction, done["interaction_id"])
    assert entry is not None and entry.subject == "[image]"
    assert entry.payload["msg_type"] == "image"
    assert entry.payload["pic_url"] == "https://mmbiz.example/p.jpg"


def test_send_queues_in_the_outbox_and_logs_the_message(wechat: Project) -> None:
    customer_id = wechat.receive(callback_xml())["customer_id"]
    sent = wechat.cli.json("wechat", "send", f"wechat:{OPENID}", "您好，营业时间是 9:00-18:00")
    with wechat.app.transaction() as uow:
        [row] = uow.session.execute(select(WechatOutbox)).scalars().all()
        entry = uow.session.get(Interaction, sent["interaction_id"])
    assert (row.customer_id, row.openid, row.content, row.status) == (
        customer_id, OPENID, "您好，营业时间是 9:00-18:00", "queued")
    assert sent["delivery"] == f"outbox:{row.id}"
    assert entry is not None and (entry.kind, entry.direction, entry.channel) == (
        "wechat.message_out", "outbound", "wechat")
    assert entry.payload == {"openid": OPENID, "msg_type": "text",
                             "delivery": f"outbox:{row.id}"}


def test_send_refuses_a_customer_who_does_not_follow_and_an_empty_text(wechat: Project) -> None:
    wechat.cli("customer", "add", "李四", "--email", "ls@example.cn")
    assert wechat.cli.fails("wechat", "send", "ls@example.cn", "hi") == (
        "error: field 'customer': customer 1 does not follow the account")
    wechat.receive(callback_xml())
    assert "'text'" in wechat.cli.fails("wechat", "send", f"wechat:{OPENID}", "  ")
    # An unsubscribe event ends the following: nothing can be sent any more.
    wechat.receive(callback_xml(msg_type="event", event="unsubscribe"))
    assert "does not follow" in wechat.cli.fails("wechat", "send", f"wechat:{OPENID}", "hi")
    assert wechat.count(WechatOutbox) == 0
    assert wechat.kinds().count("wechat.message_out") == 0
    [follower] = wechat.cli.json("wechat", "followers")
    assert follower["openid"] == OPENID and follower["unsubscribed_at"] is not None
    assert wechat.cli.json("wechat", "followers", "--following") == []


def test_a_plugin_can_take_over_delivery(
    make_project: Callable[..., Project], guanxi_throwaway: Callable[..., object]
) -> None:
    # A deployment's sender: wechat's own (the outbox) runs last, so this one wins.
    sent: list[tuple[str, str]] = []

    def deliver(message: OutgoingMessage) -> str:
        sent.append((message.openid, message.text))
        return f"api:{len(sent)}"

    guanxi_throwaway("wechat_gateway", requires={"wechat": ""}, wechat_deliver=deliver)
    project = make_project(["wechat"])
    assert "wechat_gateway" in project.app.plugins
    customer_id = project.receive(callback_xml())["customer_id"]
    with project.app.transaction() as uow:
        done = send_text(uow, customer_id, "走 API")
    assert done.delivery == "api:1" and sent == [(OPENID, "走 API")]
    assert project.count(WechatOutbox) == 0  # the default sender did not run


def test_the_360_view_shows_the_follower_and_the_last_message(wechat: Project) -> None:
    customer_id = wechat.receive(callback_xml(content="第一条"))["customer_id"]
    wechat.cli("wechat", "send", str(customer_id), "收到")
    with wechat.app.transaction() as uow:
        view = customer_360(uow, customer_id)
    [section] = [s for s in view.sections if s.title == "微信 WeChat"]
    rows = dict(section.rows)
    assert rows["openid"] == OPENID and rows["status"].startswith("following since ")
    assert rows["last message"].endswith("out: 收到")
    shown = wechat.cli("customer", "show", str(customer_id)).stdout
    assert "微信 WeChat" in shown and OPENID in shown


def test_the_channel_must_be_one_of_the_core_channels(
    make_project: Callable[..., Project],
) -> None:
    without = f'[core]\nchannels = {toml_list([c for c in CHANNELS if c != "wechat"])}\n'
    with pytest.raises(ConfigError, match=r"setting wechat\.channel: 'wechat' is not one of "):
        make_project(["wechat"], settings_toml=without)
    # An edition without a wechat channel logs WeChat on chat instead.
    project = make_project(["wechat"], settings_toml=without
                           + f'\n[wechat]\nchannel = "chat"\ntoken = "{TOKEN}"\n')
    done = project.receive(callback_xml())
    with project.app.transaction() as uow:
        assert uow.session.get(Interaction, done["interaction_id"]).channel == "chat"


def test_the_migration_goes_up_and_down(wechat: Project) -> None:
    tables = {"wechat_follower", "wechat_outbox"}
    assert tables <= set(inspect(wechat.app.engine).get_table_names())
    assert check(wechat.app) == []
    downgrade(wechat.app, "wechat@base")
    assert not tables & set(inspect(wechat.app.engine).get_table_names())
    assert "customer" in inspect(wechat.app.engine).get_table_names()  # core untouched
    upgrade(wechat.app)
    assert check(wechat.app) == []


# ----------------------------------------------------------------------------- the bridge


def plugin_row(project: Project, name: str) -> dict:
    [row] = [p for p in project.cli.json("plugins") if p["name"] == name]
    return row


def test_the_bridge_is_inactive_without_service(make_project: Callable[..., Project]) -> None:
    project = make_project(["wechat", "wechat_service"])
    assert "wechat_service" not in project.app.plugins
    assert project.app.inactive_plugins == {"wechat_service": "needs service"}
    row = plugin_row(project, "wechat_service")
    assert (row["status"], row["reason"], row["hooks"]) == ("inactive", "needs service", [])
    shown = project.cli("plugins").stdout
    assert "inactive (needs service)" in shown
    # The keyword opens nothing: no ticket kind in the log, nothing sent back.
    project.receive(callback_xml(content="报修 空调不制冷"))
    assert project.kinds() == ["wechat.message_in"]
    assert project.count(WechatOutbox) == 0
    assert "service_ticket" not in inspect(project.app.engine).get_table_names()


def test_the_bridge_is_inactive_without_wechat(make_project: Callable[..., Project]) -> None:
    project = make_project(["service", "wechat_service"])
    assert "wechat_service" not in project.app.plugins and "wechat" not in project.app.plugins
    assert project.app.inactive_plugins == {"wechat_service": "needs wechat"}
    assert plugin_row(project, "wechat_service")["reason"] == "needs wechat"
    # Enabling the bridge pulled nothing in: the wechat tables were never created.
    assert "wechat_follower" not in inspect(project.app.engine).get_table_names()


@pytest.fixture
def bridged(make_project: Callable[..., Project]) -> Project:
    """wechat, service and the bridge: all three enabled."""
    return make_project(["wechat", "service", "wechat_service"])


def test_a_keyword_message_opens_a_ticket_and_the_resolution_goes_back(
    bridged: Project,
) -> None:
    assert "wechat_service" in bridged.app.plugins and bridged.app.inactive_plugins == {}
    assert plugin_row(bridged, "wechat_service")["status"] == "enabled"
    customer_id = bridged.receive(callback_xml(content="报修：客厅空调不制冷"))["customer_id"]
    [ticket] = bridged.cli.json("service", "tickets", "list")
    assert (ticket["subject"], ticket["type"], ticket["channel"], ticket["status"]) == (
        "客厅空调不制冷", "repair", "wechat", "new")
    number = ticket["number"]
    with bridged.app.transaction() as uow:
        [ack] = uow.session.execute(select(WechatOutbox)).scalars().all()
    assert ack.openid == OPENID and number in ack.content

    bridged.cli("service", "tickets", "resolve", number, "已更换压缩机")
    with bridged.app.transaction() as uow:
        texts = [r.content for r in uow.session.execute(
            select(WechatOutbox).order_by(WechatOutbox.id)).scalars()]
    assert texts[1] == f"您的报修 {number} 已处理完毕：已更换压缩机"
    kinds = bridged.kinds(customer_id)
    assert kinds.count("wechat.message_out") == 2
    assert kinds.index("service.ticket_opened") < kinds.index("service.ticket_resolved")
    # Closing the resolved ticket sends nothing more: the customer was already told.
    bridged.cli("service", "tickets", "status", number, "closed")
    assert bridged.count(WechatOutbox) == 2


def test_other_texts_and_other_channels_are_left_alone(bridged: Project) -> None:
    bridged.receive(callback_xml(content="你好，报修怎么弄？", msg_id="1"))
    assert bridged.cli.json("service", "tickets", "list") == []
    bridged.cli("customer", "add", "王五", "--email", "ww@example.cn")
    bridged.cli("service", "tickets", "open", "ww@example.cn", "电话报修", "--type", "repair",
                "--channel", "phone")
    [ticket] = bridged.cli.json("service", "tickets", "list")
    bridged.cli("service", "tickets", "resolve", ticket["number"], "已上门")
    assert bridged.count(WechatOutbox) == 0


def test_the_keyword_is_a_setting(make_project: Callable[..., Project]) -> None:
    settings = (f'[core]\nchannels = {toml_list(CHANNELS)}\n\n[wechat]\ntoken = "{TOKEN}"\n\n'
                '[wechat_service]\nkeyword = "#售后"\nacknowledge = false\n')
    project = make_project(["wechat", "service", "wechat_service"], settings_toml=settings)
    project.receive(callback_xml(content="报修 不算", msg_id="1"))
    project.receive(callback_xml(content="#售后 洗衣机漏水", msg_id="2"))
    [ticket] = project.cli.json("service", "tickets", "list")
    assert ticket["subject"] == "洗衣机漏水"
    assert project.count(WechatOutbox) == 0  # no acknowledgement when it is off
