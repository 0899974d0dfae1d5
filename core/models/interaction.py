"""The append-only interaction log (接触记录) and the per-customer rollups.

Every touchpoint is one row: a call, an email, a visit, an order, a ticket opened. The
normal API has no update or delete; a correction is a new row that names the row it
corrects (``corrects_id``). Rollups are maintained on write so the customer 360 view
never scans the log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime


class Interaction(SQLModel, table=True):
    """One touchpoint: who, when, through which channel, what kind, and its payload."""

    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_customer_time", "customer_id", "occurred_at"),
        Index("ix_interaction_kind_time", "kind", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    occurred_at: dt.datetime = Field(sa_type=UTCDateTime)
    recorded_at: dt.datetime = Field(sa_type=UTCDateTime)
    channel: str = Field(max_length=20)
    kind: str = Field(max_length=80)
    direction: str = Field(max_length=10)  # inbound | outbound | internal
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    subject: str | None = None
    revenue: Decimal | None = Field(default=None, sa_type=Money)
    cost: Decimal | None = Field(default=None, sa_type=Money)
    currency: str = Field(default="CNY", max_length=3)
    source: str | None = Field(default=None, max_length=80)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    corrects_id: int | None = Field(default=None, foreign_key="interaction.id", sa_type=BigID)


class CustomerRollup(SQLModel, table=True):
    """Per-customer aggregates of the log, kept current by every write of interactions."""

    __tablename__ = "customer_rollup"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    first_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    interaction_count: int = 0
    revenue_count: int = 0
    revenue: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    cost: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    counts_by_kind: dict[str, int] = Field(default_factory=dict, sa_type=JSONType)
    last_by_kind: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    last_by_channel: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
