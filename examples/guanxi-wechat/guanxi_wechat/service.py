"""The wechat plugin's public API: receive a callback, send a text, read the followers.

Other plugins (and bridges such as ``guanxi_wechat_service``) call these functions; they
never touch the plugin's tables directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import ExternalIdentity, Interaction
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.lookup import get_customer
from guanxi_wechat.callback import InboundMessage
from guanxi_wechat.models import WechatFollower, WechatOutbox
from guanxi_wechat.settings import WechatSettings

IDENTITY_SOURCE = "wechat"  # customers are known as wechat:OPENID
MAX_TEXT = 2048  # WeChat's limit on a text message, in bytes; counted here in characters
MAX_SUBJECT = 500  # the interaction log's subject
KIND_IN, KIND_OUT = "wechat.message_in", "wechat.message_out"


def settings_of(uow: UnitOfWork) -> WechatSettings:
    """The resolved ``[wechat]`` settings."""
    return uow.app.settings_for("wechat")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Received:
    """What :func:`receive` did with one callback."""

    customer_id: int
    openid: str
    new_customer: bool
    interaction_id: int | None  # None: a retry of a message already stored
    subject: str | None = None

    @property
    def duplicate(self) -> bool:
        """Whether the callback repeated a message already stored (WeChat retries)."""
        return self.interaction_id is None


@dataclass(frozen=True)
class OutgoingMessage:
    """A text for a follower, as handed to the ``wechat_deliver`` hook."""

    customer_id: int
    openid: str
    text: str
    app_id: str


@dataclass(frozen=True)
class Sent:
    """What :func:`send_text` did."""

    customer_id: int
    openid: str
    interaction_id: int
    delivery: str | None


def customer_for_openid(uow: UnitOfWork, openid: str) -> int | None:
    """The customer with the identity ``wechat:OPENID``, if any."""
    query = select(ExternalIdentity.customer_id).where(
        ExternalIdentity.source == IDENTITY_SOURCE, ExternalIdentity.external_id == openid
    )
    return uow.session.execute(query).scalar_one_or_none()


def _new_customer(uow: UnitOfWork, openid: str) -> int:
    settings = settings_of(uow)
    if not settings.create_customers:
        raise ValidationError(
            "FromUserName", f"openid {openid} is no customer and wechat.create_customers is off"
        )
    name = settings.new_customer_name.format(openid=openid, short=openid[-6:])
    # No duplicate check: a placeholder name matches nothing worth linking to.
    record = add_customer(
        uow, check=False, name=name,
        identities=[{"source": IDENTITY_SOURCE, "external_id": openid}],
    )
    return record.id


def _subject(message: InboundMessage) -> str | None:
    if message.msg_type == "text":
        return (message.content or "")[:MAX_SUBJECT]
    if message.msg_type == "image":
        return "[image]"
    return f"[event {message.event}]"


def receive(uow: UnitOfWork, message: InboundMessage) -> Received:
    """Store one inbound message: find or create its customer, keep the follower, log it.

    The customer is the one with the identity ``wechat:OPENID``; an unknown openid
    becomes a new customer with that identity (unless ``wechat.create_customers`` is
    off). A ``subscribe``/``unsubscribe`` event sets the follower's dates. A retried
    callback (same ``MsgId`` as the follower's last message) stores nothing again.
    """
    follower = uow.session.get(WechatFollower, message.openid)
    if follower is not None and message.msg_id and follower.last_msg_id == message.msg_id:
        return Received(follower.customer_id, message.openid, False, None)
    # A callback time in the future (a sender's clock) would be refused by the log.
    occurred = min(message.created_at or uow.now, uow.now)
    new_customer = False
    if follower is None:
        customer_id = customer_for_openid(uow, message.openid)
        if customer_id is None:
            customer_id, new_customer = _new_customer(uow, message.openid), True
        follower = WechatFollower(
            openid=message.openid, customer_id=customer_id, subscribed_at=occurred
        )
        uow.session.add(follower)
    if message.event == "subscribe":
        follower.subscribed_at, follower.unsubscribed_at = occurred, None
    elif message.event == "unsubscribe":
        follower.unsubscribed_at = occurred
    follower.last_message_at = occurred
    follower.last_msg_id = message.msg_id
    uow.session.flush()
    subject = _subject(message)
    entry = log_interaction(
        uow, customer_id=follower.customer_id, kind=KIND_IN, channel=settings_of(uow).channel,
        direction="inbound", occurred_at=occurred, subject=subject, source="wechat",
        payload={"openid": message.openid, "msg_type": message.msg_type,
                 "msg_id": message.msg_id, "event": message.event,
                 "pic_url": message.pic_url},
    )
    return Received(follower.customer_id, message.openid, new_customer, entry.id, subject)


def follower_of(uow: UnitOfWork, customer_id: int) -> WechatFollower | None:
    """The customer's follower row that still follows the account (the latest written
    to, if a merge left him several), else None."""
    query = (
        select(WechatFollower)
        .where(WechatFollower.customer_id == customer_id,
               WechatFollower.unsubscribed_at.is_(None))  # type: ignore[union-attr]
        .order_by(WechatFollower.last_message_at.desc().nulls_last())  # type: ignore[union-attr]
    )
    return uow.session.execute(query).scalars().first()


def send_text(uow: UnitOfWork, customer_id: int, text: str) -> Sent:
    """Send ``text`` to the customer's WeChat: hand it to the ``wechat_deliver`` hook (the
    default sender queues it in the outbox) and log ``wechat.message_out``.

    Raises :class:`ValidationError` for an empty or too long text, or a customer who
    does not follow the account; :class:`NotFoundError` for a customer the acting user
    cannot see.
    """
    body = (text or "").strip()
    if not body:
        raise ValidationError("text", "is empty")
    if len(body) > MAX_TEXT:
        raise ValidationError("text", f"is longer than {MAX_TEXT} characters")
    get_customer(uow, customer_id)  # visible to the acting user, or NotFoundError
    follower = follower_of(uow, customer_id)
    if follower is None:
        raise ValidationError("customer", f"customer {customer_id} does not follow the account")
    message = OutgoingMessage(customer_id, follower.openid, body, settings_of(uow).app_id)
    delivery = uow.hook.wechat_deliver(uow=uow, message=message)
    entry = log_interaction(
        uow, customer_id=customer_id, kind=KIND_OUT, channel=settings_of(uow).channel,
        direction="outbound", subject=body[:MAX_SUBJECT], source="wechat",
        actor=uow.actor_id,
        payload={"openid": follower.openid, "msg_type": "text", "delivery": delivery},
    )
    return Sent(customer_id, follower.openid, entry.id, delivery)


def queue_in_outbox(uow: UnitOfWork, message: OutgoingMessage) -> str:
    """The default sender: an outbox row for the gateway; returns ``outbox:ID``."""
    row = WechatOutbox(customer_id=message.customer_id, openid=message.openid,
                       content=message.text, created_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    return f"outbox:{row.id}"


def list_followers(uow: UnitOfWork, *, following_only: bool = False) -> list[WechatFollower]:
    """Every follower row (or only those still following), latest message first."""
    query = select(WechatFollower).order_by(
        WechatFollower.last_message_at.desc().nulls_last(),  # type: ignore[union-attr]
        WechatFollower.openid,
    )
    if following_only:
        query = query.where(WechatFollower.unsubscribed_at.is_(None))  # type: ignore[union-attr]
    return list(uow.session.execute(query).scalars())


def last_message(uow: UnitOfWork, customer_id: int) -> Interaction | None:
    """The customer's latest WeChat message, either way, from the interaction log."""
    query = (
        select(Interaction)
        .where(Interaction.customer_id == customer_id,
               Interaction.kind.in_((KIND_IN, KIND_OUT)))  # type: ignore[attr-defined]
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(1)
    )
    return uow.session.execute(query).scalars().first()


def at_local(uow: UnitOfWork, value: dt.datetime | None) -> str | None:
    """A stored UTC time in the edition's display time zone, to the minute."""
    return value.astimezone(uow.app.tz).strftime("%Y-%m-%d %H:%M") if value else None
