"""The wechat plugin's hook implementations: what it registers with guanxi."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from guanxi import Plugin, hookimpl
from guanxi.app import App, UnitOfWork
from guanxi.errors import ConfigError
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_wechat import __version__, hookspecs
from guanxi_wechat.kinds import KINDS
from guanxi_wechat.models import TABLES, WechatFollower, WechatOutbox
from guanxi_wechat.service import (
    OutgoingMessage,
    at_local,
    last_message,
    queue_in_outbox,
)
from guanxi_wechat.settings import WechatSettings

plugin = Plugin(
    name="wechat",
    version=__version__,
    description="WeChat (微信) messaging channel: followers, inbound callbacks, outbox",
    hookspecs=hookspecs,
)

HERE = Path(__file__).parent


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """``[wechat]``: app id, callback token, channel."""
    register("wechat", WechatSettings)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """``wechat.message_in`` and ``wechat.message_out``.

    No default channel: the channel is the setting ``wechat.channel``, checked against
    ``core.channels`` in :func:`app_ready`, so an edition may log WeChat on ``chat``.
    """
    for kind, (schema, description) in KINDS.items():
        register(kind, schema=schema, description=description)


@hookimpl
def register_models(register: Callable[..., None]) -> None:
    """The follower and outbox tables and their Alembic branch ("wechat")."""
    register(*TABLES, migrations=HERE / "migrations")


@hookimpl
def register_entities(register: Callable[..., None]) -> None:
    """Both tables follow their customer; the outbox's text is personal data."""
    register("wechat.follower", WechatFollower, customer_column="customer_id",
             description="WeChat followers", grants={"agent": ("read",), "manager": ("*",)})
    register("wechat.outbox", WechatOutbox, customer_column="customer_id",
             personal_fields=("content",), description="WeChat messages to send",
             grants={"agent": ("read", "create"), "manager": ("*",)})


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``guanxi wechat receive|send|followers``."""
    from guanxi_wechat.cli import wechat

    cli.add_command(wechat)


@hookimpl
def app_ready(app: App) -> None:
    """Refuse to start when the messages' channel is not one of ``core.channels``."""
    channel = app.settings_for("wechat").channel
    if channel not in app.settings.channels:
        raise ConfigError(
            f"setting wechat.channel: {channel!r} is not one of core.channels; add it there "
            "or set wechat.channel to one of them (e.g. 'chat')"
        )


@hookimpl(trylast=True)
def wechat_deliver(uow: UnitOfWork, message: OutgoingMessage) -> str:
    """The default sender: queue the message in the outbox (no network here)."""
    return queue_in_outbox(uow, message)


@hookimpl
def customer_360_sections(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """微信 WeChat: openid, whether he still follows, the last message either way."""
    rows: list[tuple[str, Any]] = []
    query = (select(WechatFollower).where(WechatFollower.customer_id == customer.id)
             .order_by(WechatFollower.openid))
    for follower in uow.session.execute(query).scalars():
        status = ("following since " + (at_local(uow, follower.subscribed_at) or "?")
                  if follower.unsubscribed_at is None
                  else "unsubscribed " + (at_local(uow, follower.unsubscribed_at) or "?"))
        rows.append(("openid", follower.openid))
        rows.append(("status", status))
    if not rows:
        return None
    last = last_message(uow, customer.id)
    if last is not None:
        way = "in" if last.kind == "wechat.message_in" else "out"
        rows.append(("last message", f"{at_local(uow, last.occurred_at)} {way}: {last.subject}"))
    return Section(title="微信 WeChat", rows=rows)
