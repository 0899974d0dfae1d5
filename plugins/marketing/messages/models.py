"""The messages area's tables: one message row per campaign member, and the outbox.

``marketing_message`` is the send ledger. Its unique (campaign, customer) pair is what
makes a second send impossible even for two runs at once: a member is *claimed* by
inserting (or moving) its row to ``attempting`` before the message leaves, and only a
committed claim is sent. The rendered body is not kept, only its SHA-256 and subject.

``marketing_outbox`` holds SMS and letters for a gateway or a print shop to pick up
(the built-in ``outbox`` sender; there is no SMS gateway to talk to).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime

# attempting: claimed and (maybe) handed to the sender, outcome not yet recorded. A row
# left in it by a crash or a dropped connection is "unconfirmed": never sent again.
# pending: claimed once but not sent (deferred by the server, or the run stopped first).
MESSAGE_STATUSES = ("attempting", "sent", "failed", "skipped", "pending")
CHANNELS = ("email", "sms", "letter")


class MarketingMessage(SQLModel, table=True):
    """One campaign message to one customer and what became of it."""

    __tablename__ = "marketing_message"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id"),
        Index("ix_marketing_message_campaign_status", "campaign_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    campaign_id: int = Field(foreign_key="marketing_campaign.id", sa_type=BigID)
    member_id: int | None = Field(
        default=None, foreign_key="marketing_campaign_member.id", sa_type=BigID
    )
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    channel: str = Field(max_length=10)  # one of CHANNELS
    status: str = Field(max_length=12)  # one of MESSAGE_STATUSES
    address: str | None = None  # email address, phone number or postal address used
    subject: str | None = None  # the rendered subject (personalised: cleared on erasure)
    body_sha256: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=200)  # Message-ID / outbox id
    reason: str | None = None  # why it was skipped or failed (server reply, "no consent")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class MarketingOutbox(SQLModel, table=True):
    """An SMS or letter waiting for a gateway (``picked_up_at`` set once it took it)."""

    __tablename__ = "marketing_outbox"
    __table_args__ = (Index("ix_marketing_outbox_channel_picked", "channel", "picked_up_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    channel: str = Field(max_length=10)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    campaign_id: int | None = Field(
        default=None, foreign_key="marketing_campaign.id", sa_type=BigID
    )
    address: str
    subject: str | None = None
    body: str
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    picked_up_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


TABLES: tuple[type, ...] = (MarketingMessage, MarketingOutbox)
