"""The customer record in the broad sense (客户): people and organisations.

A customer is anyone the enterprise has a relationship with: buyers and prospects,
partners, dealers, suppliers, competitors, internal users, government, media
(REQUIREMENTS §1.2). Roles are a separate table because one party can hold several
(a dealer that is also a customer). Names are stored as written; Chinese names are
never split by guesswork, the optional parts are only what the source provided.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime

PERSON: Final = "person"
ORGANIZATION: Final = "organization"


class Customer(SQLModel, table=True):
    """One party: the objective profile, preferences, care notes and custom fields."""

    __tablename__ = "customer"
    __table_args__ = (Index("ix_customer_owner_stage", "owner_id", "lifecycle_stage"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    kind: str = Field(max_length=20)  # person | organization
    name: str = Field(index=True)
    family_name: str | None = None
    given_name: str | None = None
    organization_id: int | None = Field(
        default=None, foreign_key="customer.id", sa_type=BigID, index=True
    )
    lifecycle_stage: str = Field(max_length=40, index=True)
    owner_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    # Objective data (客观资料)
    gender: str | None = None
    birth_date: dt.date | None = None
    occupation: str | None = None
    # Subjective characteristics and preferences (主观特点)
    preferred_channel: str | None = None
    language: str | None = None
    interests: list[str] = Field(default_factory=list, sa_type=JSONType)
    # Customer care (顾客关怀)
    care_notes: str | None = None
    custom: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    # Set when the person's data was erased (anonymised); the row stays for aggregates.
    erased_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class CustomerRole(SQLModel, table=True):
    """A role the customer holds: customer, partner, dealer, supplier, competitor, …"""

    __tablename__ = "customer_role"

    customer_id: int = Field(
        foreign_key="customer.id", primary_key=True, sa_type=BigID, ondelete="CASCADE"
    )
    role: str = Field(primary_key=True, max_length=40, index=True)


class CustomerTag(SQLModel, table=True):
    """A free tag on a customer."""

    __tablename__ = "customer_tag"

    customer_id: int = Field(
        foreign_key="customer.id", primary_key=True, sa_type=BigID, ondelete="CASCADE"
    )
    tag: str = Field(primary_key=True, max_length=80, index=True)


class ContactPoint(SQLModel, table=True):
    """An email, phone, fax, address or web/social handle, stored as written and normalised.

    ``normalized`` is what lookups use: lower-cased email, E.164 phone, whitespace-folded
    address. It is indexed with the kind so "who has this phone number?" is one seek.
    """

    __tablename__ = "contact_point"
    __table_args__ = (Index("ix_contact_point_lookup", "kind", "normalized"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    kind: str = Field(max_length=20)  # email | phone | fax | address | web | social
    value: str
    normalized: str
    label: str | None = None
    is_primary: bool = False


class ExternalIdentity(SQLModel, table=True):
    """The customer's id in another system: unique per source (dealer A, the 800 centre)."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_external_identity"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    source: str = Field(max_length=80)
    external_id: str = Field(max_length=200)


class SpecialDate(SQLModel, table=True):
    """A date that matters to the customer (anniversary, a relative's birthday, …).

    ``month_day`` ("MM-DD") is indexed so a daily job finds today's dates in one seek.
    The customer's own birthday is ``Customer.birth_date``.
    """

    __tablename__ = "special_date"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    label: str = Field(max_length=80)
    date: dt.date
    month_day: str = Field(max_length=5, index=True)
    note: str | None = None
