"""The leads area's table: ``marketing_lead``.

A lead (商机 / 潜在客户) is someone who showed interest but is not a customer yet, so it
lives outside the customer table until it is converted. Its contact details are stored
normalised (email lower-case, phone E.164) so that a second capture of the same person
finds the first. ``customer_id`` is the customer it was converted to (it ties the row to
the customer for access control and erasure); ``matched_customer_id`` is an existing
customer whose email or phone it shared when it was captured.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime

# new → working → qualified → converted; disqualified (with a reason) from any open status.
LEAD_STATUSES = ("new", "working", "qualified", "disqualified", "converted")
OPEN_STATUSES = ("new", "working", "qualified")


class Lead(SQLModel, table=True):
    """A potential customer, captured from some channel, scored, owned by one person."""

    __tablename__ = "marketing_lead"
    __table_args__ = (
        Index("ix_marketing_lead_status_source", "status", "source"),
        Index("ix_marketing_lead_email", "email"),
        Index("ix_marketing_lead_phone", "phone"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(max_length=200)
    company: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)  # normalised, lower-case
    phone: str | None = Field(default=None, max_length=32)  # E.164
    source: str = Field(max_length=40)  # one of LeadSettings.sources
    campaign_id: int | None = Field(
        default=None, foreign_key="marketing_campaign.id", sa_type=BigID, index=True
    )
    interest: str | None = Field(default=None, max_length=500)
    estimated_value: Decimal = Field(default=Decimal("0"), sa_type=Money)
    currency: str = Field(default="CNY", max_length=3)
    notes: str | None = None
    status: str = Field(default="new", max_length=16)  # one of LEAD_STATUSES
    disqualified_reason: str | None = Field(default=None, max_length=200)
    owner_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID, index=True)
    score: int = 0
    grade: str | None = Field(default=None, max_length=8)
    # The rules that made the score: [{"rule", "type", "points", "detail"}, …].
    score_components: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    scored_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The lead's own touches before it is a customer: [{"kind", "at", "source"}, …].
    touches: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    matched_customer_id: int | None = Field(
        default=None, foreign_key="customer.id", sa_type=BigID
    )
    customer_id: int | None = Field(
        default=None, foreign_key="customer.id", sa_type=BigID, index=True
    )
    conversion: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    converted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES: tuple[type, ...] = (Lead,)
