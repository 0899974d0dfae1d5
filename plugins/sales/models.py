"""The sales plugin's tables (all prefixed ``sales_``; every one that concerns a
customer carries ``customer_id``, so the schema can later be distributed by customer)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, Money, Quantity, UTCDateTime


class Opportunity(SQLModel, table=True):
    """A sales opportunity (销售机会) on an account, moving through a pipeline."""

    __tablename__ = "sales_opportunity"
    __table_args__ = (
        Index("ix_sales_opportunity_status_close", "status", "expected_close"),
        Index("ix_sales_opportunity_owner_status", "owner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    contact_id: int | None = Field(default=None, foreign_key="customer.id", sa_type=BigID)
    name: str = Field(max_length=200)
    pipeline: str = Field(max_length=80)
    stage: str = Field(max_length=80)
    status: str = Field(default="open", max_length=10)  # open | won | lost
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(default="CNY", max_length=3)
    probability: int  # percent, 0-100
    expected_close: dt.date
    owner_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    approach: str | None = None  # how the owner means to win it (方法)
    source: str | None = Field(default=None, max_length=80)  # lead, campaign, referral, …
    lost_reason: str | None = None
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class StageChange(SQLModel, table=True):
    """One move of an opportunity between stages (the first has ``from_stage`` None)."""

    __tablename__ = "sales_stage_change"
    __table_args__ = (
        Index("ix_sales_stage_change_opportunity", "opportunity_id", "changed_at"),
        Index("ix_sales_stage_change_to", "pipeline", "to_stage"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    opportunity_id: int = Field(foreign_key="sales_opportunity.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    pipeline: str = Field(max_length=80)
    from_stage: str | None = Field(default=None, max_length=80)
    to_stage: str = Field(max_length=80)
    changed_at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class CompetitorProfile(SQLModel, table=True):
    """What is known of a competitor (a customer with the role ``competitor``)."""

    __tablename__ = "sales_competitor"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    products: str | None = None
    strengths: str | None = None
    weaknesses: str | None = None
    strategy: str | None = None
    scale: str | None = None


class OpportunityCompetitor(SQLModel, table=True):
    """A competitor involved in an opportunity."""

    __tablename__ = "sales_opportunity_competitor"

    opportunity_id: int = Field(foreign_key="sales_opportunity.id", primary_key=True, sa_type=BigID)
    competitor_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)


class Activity(SQLModel, table=True):
    """A call, meeting, visit or task (活动) on the calendar."""

    __tablename__ = "sales_activity"
    __table_args__ = (Index("ix_sales_activity_organiser_start", "organiser_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    opportunity_id: int | None = Field(
        default=None, foreign_key="sales_opportunity.id", sa_type=BigID
    )
    type: str = Field(max_length=20)  # call | meeting | visit | task
    subject: str = Field(max_length=300)
    starts_at: dt.datetime = Field(sa_type=UTCDateTime)
    ends_at: dt.datetime = Field(sa_type=UTCDateTime)
    organiser_id: int = Field(foreign_key="staff.id", sa_type=BigID)
    priority: str = Field(default="normal", max_length=10)
    scope: str = Field(default="team", max_length=10)  # private | team | public
    location: str | None = None
    status: str = Field(default="planned", max_length=10)  # planned | done | cancelled
    notes: str | None = None
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class ActivityParticipant(SQLModel, table=True):
    """A staff user or a customer's person taking part in an activity."""

    __tablename__ = "sales_activity_participant"
    __table_args__ = (UniqueConstraint("activity_id", "staff_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    activity_id: int = Field(foreign_key="sales_activity.id", sa_type=BigID, index=True)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID, index=True)
    contact_id: int | None = Field(default=None, foreign_key="customer.id", sa_type=BigID)


class Product(SQLModel, table=True):
    """A product or service that can be quoted, with prices per price level."""

    __tablename__ = "sales_product"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    sku: str = Field(unique=True, max_length=80)
    name: str
    specification: str | None = None
    unit: str = Field(default="件", max_length=20)
    list_price: Decimal = Field(sa_type=Money)
    # Price level → unit price ("dealer": "80.00"); the list price is level "list".
    price_levels: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    tax_rate: Decimal = Field(default=Decimal("0.13"), sa_type=Quantity)  # 13% Chinese VAT
    active: bool = True


class Quote(SQLModel, table=True):
    """One version of a numbered quote (报价); a revision is a new row, same number."""

    __tablename__ = "sales_quote"
    __table_args__ = (UniqueConstraint("number", "version", name="uq_sales_quote_version"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    number: str = Field(max_length=40, index=True)
    version: int = 1
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    opportunity_id: int | None = Field(
        default=None, foreign_key="sales_opportunity.id", sa_type=BigID
    )
    status: str = Field(default="draft", max_length=12)  # draft|sent|accepted|rejected|superseded
    currency: str = Field(default="CNY", max_length=3)
    valid_until: dt.date
    subtotal: Decimal = Field(sa_type=Money)
    discount_total: Decimal = Field(sa_type=Money)
    tax_total: Decimal = Field(sa_type=Money)
    total: Decimal = Field(sa_type=Money)
    notes: str | None = None
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class QuoteLine(SQLModel, table=True):
    """A line of a quote: product, specification, quantity, price level, discount, tax."""

    __tablename__ = "sales_quote_line"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    quote_id: int = Field(foreign_key="sales_quote.id", sa_type=BigID, index=True)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    position: int
    product_id: int = Field(foreign_key="sales_product.id", sa_type=BigID, index=True)
    description: str
    specification: str | None = None
    quantity: Decimal = Field(sa_type=Quantity)
    price_level: str = Field(default="list", max_length=40)
    unit_price: Decimal = Field(sa_type=Money)
    discount_pct: Decimal = Field(default=Decimal("0"), sa_type=Quantity)  # percent
    tax_rate: Decimal = Field(sa_type=Quantity)
    line_total: Decimal = Field(sa_type=Money)  # after discount, before tax


class SalesTarget(SQLModel, table=True):
    """A salesperson's target for a period (for commission attainment)."""

    __tablename__ = "sales_target"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True, sa_type=BigID)
    period: str = Field(primary_key=True, max_length=7)  # "2026-05" or "2026-Q2"
    amount: Decimal = Field(sa_type=Money)


class Expense(SQLModel, table=True):
    """An expense a salesperson claims (开支报销)."""

    __tablename__ = "sales_expense"
    __table_args__ = (Index("ix_sales_expense_staff_day", "staff_id", "spent_on"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    staff_id: int = Field(foreign_key="staff.id", sa_type=BigID)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", sa_type=BigID)
    opportunity_id: int | None = Field(
        default=None, foreign_key="sales_opportunity.id", sa_type=BigID
    )
    spent_on: dt.date
    category: str = Field(max_length=40)
    amount: Decimal = Field(sa_type=Money)
    description: str
    status: str = Field(default="submitted", max_length=12)  # submitted | approved | rejected
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class AccountCadence(SQLModel, table=True):
    """A core customer (核心客户): contacted at least every ``contact_period_days``."""

    __tablename__ = "sales_account_cadence"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    contact_period_days: int
    flagged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


TABLES = [
    Opportunity,
    StageChange,
    CompetitorProfile,
    OpportunityCompetitor,
    Activity,
    ActivityParticipant,
    Product,
    Quote,
    QuoteLine,
    SalesTarget,
    Expense,
    AccountCadence,
]
