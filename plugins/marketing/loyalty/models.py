"""The loyalty area's tables (prefixed ``marketing_``).

A membership caches its points and stored-value balances; the ledgers are the truth
(append-only: a mistake is corrected by a new entry) and the balance is always their
sum. The one column that changes on a ledger row is ``remaining`` of an earning: how
many of its points are still unspent, which is what first-in-first-out redemption and
expiry consume.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, Money, Quantity, UTCDateTime

MEMBER_STATUSES = ("active", "lapsed", "cancelled")
POINTS_KINDS = ("earn", "reverse", "redeem", "expire", "adjust")
STORED_VALUE_KINDS = ("topup", "spend", "refund")


class Membership(SQLModel, table=True):
    """A customer's membership (会员): number, card, tier, status and balances."""

    __tablename__ = "marketing_membership"
    __table_args__ = (Index("ix_marketing_membership_status_tier", "status", "tier"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, unique=True)
    member_number: str = Field(max_length=40, unique=True)
    card_number: str | None = Field(default=None, max_length=40, unique=True)
    card_label: str | None = Field(default=None, max_length=80)  # co-branded card (联名卡)
    tier: str = Field(max_length=40)
    status: str = Field(default="active", max_length=12)  # one of MEMBER_STATUSES
    enrolled_at: dt.datetime = Field(sa_type=UTCDateTime)
    tier_since: dt.datetime = Field(sa_type=UTCDateTime)
    status_since: dt.datetime = Field(sa_type=UTCDateTime)
    points_balance: int = 0
    stored_value_balance: Decimal = Field(default=Decimal("0"), sa_type=Money)


class PointsEntry(SQLModel, table=True):
    """One movement of points (earn, reverse, redeem, expire, adjust), signed."""

    __tablename__ = "marketing_points_entry"
    __table_args__ = (
        # A purchase earns once and a correction reverses once (NULLs never collide).
        UniqueConstraint("interaction_id", "kind"),
        Index("ix_marketing_points_entry_member", "membership_id", "id"),
        Index("ix_marketing_points_entry_expiry", "expires_at", "remaining"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    membership_id: int = Field(foreign_key="marketing_membership.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    kind: str = Field(max_length=10)  # one of POINTS_KINDS
    points: int
    # Earnings only: points not yet redeemed, reversed or expired, and when they expire.
    remaining: int | None = None
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    occurred_at: dt.datetime = Field(sa_type=UTCDateTime)
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id", sa_type=BigID)
    basis: Decimal | None = Field(default=None, sa_type=Money)  # the revenue earned on
    multiplier: Decimal | None = Field(default=None, sa_type=Quantity)  # points per unit
    reason: str | None = Field(default=None, max_length=200)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class StoredValueEntry(SQLModel, table=True):
    """One movement of stored value (储值): top-up (+), spend (−), refund of a spend (+)."""

    __tablename__ = "marketing_stored_value_entry"
    __table_args__ = (Index("ix_marketing_stored_value_entry_member", "membership_id", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    membership_id: int = Field(foreign_key="marketing_membership.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    kind: str = Field(max_length=10)  # one of STORED_VALUE_KINDS
    amount: Decimal = Field(sa_type=Money)
    balance_after: Decimal = Field(sa_type=Money)
    refund_of_id: int | None = Field(
        default=None, foreign_key="marketing_stored_value_entry.id", sa_type=BigID
    )
    reference: str | None = Field(default=None, max_length=80)  # receipt or till number
    occurred_at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class CouponDefinition(SQLModel, table=True):
    """A kind of coupon (赠券): its value or percentage, conditions and quantity."""

    __tablename__ = "marketing_coupon_definition"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(max_length=40, unique=True)  # how people refer to it: SPRING10
    description: str | None = Field(default=None, max_length=200)
    # Issued codes: "#" is a random digit, "@" a random letter, the rest is literal.
    code_pattern: str = Field(max_length=40)
    value: Decimal | None = Field(default=None, sa_type=Money)
    percent: int | None = None
    min_spend: Decimal = Field(default=Decimal("0"), sa_type=Money)
    valid_from: dt.date
    valid_to: dt.date
    per_customer_limit: int = 1
    total_quantity: int | None = None  # None: unlimited
    issued_count: int = 0
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Coupon(SQLModel, table=True):
    """An issued coupon with a unique code, held by one customer until redeemed."""

    __tablename__ = "marketing_coupon"
    __table_args__ = (Index("ix_marketing_coupon_definition_customer", "definition_id",
                            "customer_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    definition_id: int = Field(foreign_key="marketing_coupon_definition.id", sa_type=BigID)
    code: str = Field(max_length=40, unique=True)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    issued_at: dt.datetime = Field(sa_type=UTCDateTime)
    redeemed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    order_amount: Decimal | None = Field(default=None, sa_type=Money)
    discount: Decimal | None = Field(default=None, sa_type=Money)


TABLES: tuple[type, ...] = (
    Membership,
    PointsEntry,
    StoredValueEntry,
    CouponDefinition,
    Coupon,
)
