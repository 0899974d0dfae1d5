"""The value area's table: each customer's latest value classification.

A refresh (the nightly job, or ``guanxi analytics value refresh``) computes revenue,
cost-to-serve and margin over a period and stores one row per customer with the tier,
ABC class, quadrant, member class and RFM scores, so the 360 view, the scorecard and
other areas read a classification without recomputing it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, Money, UTCDateTime


class CustomerValue(SQLModel, table=True):
    """A customer's value over the last refreshed period (one row per customer)."""

    __tablename__ = "analytics_customer_value"
    __table_args__ = (Index("ix_analytics_customer_value_tier", "tier"),)

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    period_start: dt.date
    period_end: dt.date  # exclusive
    revenue: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    cost: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    margin: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    purchases: int = 0
    last_purchase_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    tier: str = Field(max_length=10)  # high | medium | low | zero | negative
    abc: str | None = Field(default=None, max_length=1)  # A | B | C (None: no revenue)
    quadrant: str | None = Field(default=None, max_length=20)
    member_class: str | None = Field(default=None, max_length=20)
    recency_score: int | None = None  # 1..5
    frequency_score: int | None = None
    monetary_score: int | None = None
    rfm_segment: str | None = Field(default=None, max_length=30)
    computed_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES = (CustomerValue,)

# The access-control entity of the table (grants, record policies, audit).
ENTITY = "analytics.customer_value"
