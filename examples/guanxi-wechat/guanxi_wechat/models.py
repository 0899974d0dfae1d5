"""The plugin's tables: followers of the account and the outbox of messages to send."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime


class WechatFollower(SQLModel, table=True):
    """One openid that wrote to or followed the account, and the customer it is."""

    __tablename__ = "wechat_follower"
    __table_args__ = (Index("ix_wechat_follower_customer", "customer_id"),)

    openid: str = Field(primary_key=True, max_length=64)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    # First seen (a subscribe event, or the first message of somebody who followed the
    # account before guanxi was connected to it).
    subscribed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    unsubscribed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # WeChat retries a callback it got no answer to, with the same MsgId: kept to store
    # each message once.
    last_msg_id: str | None = Field(default=None, max_length=64)


class WechatOutbox(SQLModel, table=True):
    """A message waiting for (or handed to) the gateway that talks to WeChat's API."""

    __tablename__ = "wechat_outbox"
    __table_args__ = (Index("ix_wechat_outbox_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    openid: str = Field(max_length=64)
    msg_type: str = Field(default="text", max_length=10)
    content: str | None = None
    status: str = Field(default="queued", max_length=10)  # queued | sent | failed
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


TABLES = (WechatFollower, WechatOutbox)
