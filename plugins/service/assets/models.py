"""The assets area's tables: assets (整车档案) and their warranty terms.

Other areas refer to these: tickets, repair orders and return visits name the asset
they are about, and the asset's service history is read from them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime

ASSET_STATUSES = ("active", "retired")


class Asset(SQLModel, table=True):
    """Something a customer owns that we service: a machine, a vehicle, a device.

    ``handed_over_on`` is the install or handover date the warranty usually starts
    from; ``dealer_id`` the customer (role ``dealer``) that sold or installed it.
    """

    __tablename__ = "service_asset"
    __table_args__ = (
        UniqueConstraint("serial_number", name="uq_service_asset_serial_number"),
        Index("ix_service_asset_customer", "customer_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    serial_number: str = Field(max_length=80)  # stored upper-cased, without spaces
    product: str = Field(max_length=200)  # product line, e.g. "履带式挖掘机"
    model: str | None = Field(default=None, max_length=120)  # e.g. "XE215"
    dealer_id: int | None = Field(default=None, foreign_key="customer.id", sa_type=BigID)
    handed_over_on: dt.date | None = None
    location: str | None = Field(default=None, max_length=200)
    status: str = Field(default="active", max_length=10)  # one of ASSET_STATUSES
    attributes: dict = Field(default_factory=dict, sa_type=JSONType)  # hours, plate, …
    notes: str | None = None
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class Warranty(SQLModel, table=True):
    """A warranty term of an asset (standard, extended…), valid ``starts_on``..``ends_on``
    inclusive. ``reminded_on`` and ``expired_logged`` make the expiry job idempotent."""

    __tablename__ = "service_warranty"
    __table_args__ = (Index("ix_service_warranty_ends_on", "ends_on"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    asset_id: int = Field(foreign_key="service_asset.id", sa_type=BigID, index=True)
    terms: str = Field(max_length=120)  # e.g. "整机三包 12 个月"
    starts_on: dt.date
    ends_on: dt.date
    coverage: str | None = None  # what is covered, free text
    reminded_on: dt.date | None = None  # the expiry reminder task was raised that day
    expired_logged: bool = False  # service.warranty_expired was logged
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES = (Asset, Warranty)
