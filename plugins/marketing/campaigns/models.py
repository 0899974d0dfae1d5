"""The campaigns area's tables: campaigns, their members and their cost entries.

Other areas refer to these: messages are sent to campaign members, events are
campaigns of type ``event``, leads and responses name the campaign they came from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime

CAMPAIGN_TYPES = ("email", "sms", "telemarketing", "event", "direct_mail", "social")
CAMPAIGN_STATUSES = ("draft", "planned", "running", "completed", "cancelled")
# A member's status only moves forward along this order (a response after a send, …).
MEMBER_STATUSES = ("targeted", "sent", "responded", "converted")


class Campaign(SQLModel, table=True):
    """A marketing campaign (营销活动) with its budget, actual cost and target segment."""

    __tablename__ = "marketing_campaign"
    __table_args__ = (Index("ix_marketing_campaign_status_type", "status", "type"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(max_length=200)
    type: str = Field(max_length=20)  # one of CAMPAIGN_TYPES
    status: str = Field(default="draft", max_length=12)  # one of CAMPAIGN_STATUSES
    # A focused follow-up of a first mass campaign (two-phase campaigning, S001:64).
    parent_id: int | None = Field(default=None, foreign_key="marketing_campaign.id", sa_type=BigID)
    segment_id: int | None = Field(
        default=None, foreign_key="marketing_segment.id", sa_type=BigID
    )
    budget: Decimal = Field(default=Decimal("0"), sa_type=Money)
    actual_cost: Decimal = Field(default=Decimal("0"), sa_type=Money)
    currency: str = Field(default="CNY", max_length=3)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    template: str | None = Field(default=None, max_length=200)  # message template name
    subject: str | None = None  # email subject (a Jinja2 template too)
    description: str | None = None
    settings: dict = Field(default_factory=dict, sa_type=JSONType)  # type-specific options
    owner_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class CampaignMember(SQLModel, table=True):
    """A customer targeted by a campaign, with how far they got (MEMBER_STATUSES)."""

    __tablename__ = "marketing_campaign_member"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id"),
        Index("ix_marketing_campaign_member_status", "campaign_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    campaign_id: int = Field(foreign_key="marketing_campaign.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    status: str = Field(default="targeted", max_length=12)
    added_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    responded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    converted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    response: str | None = None  # what the customer answered (free text)


class CampaignCost(SQLModel, table=True):
    """One cost entry of a campaign (printing, media, a venue…); the campaign's
    ``actual_cost`` is the sum of its entries, kept current when one is added."""

    __tablename__ = "marketing_campaign_cost"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    campaign_id: int = Field(foreign_key="marketing_campaign.id", sa_type=BigID, index=True)
    incurred_on: dt.date
    amount: Decimal = Field(sa_type=Money)
    note: str | None = None
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    recorded_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES: tuple[type, ...] = (Campaign, CampaignMember, CampaignCost)
