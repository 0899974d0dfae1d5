"""The assets area's tables: assets (整车档案), their warranty terms and their own history.

Other areas refer to these: tickets, repair orders and return visits name the asset
they are about, and the asset's service history is read from them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime

ASSET_STATUSES = ("active", "retired")
# What an asset's own history records (AssetEvent.kind).
EVENT_KINDS = ("registered", "handed_over", "updated", "transferred", "retired",
               "warranty_added", "warranty_reminded", "warranty_expired")


class Asset(SQLModel, table=True):
    """Something a customer owns that we service: a machine, a vehicle, a device.

    ``handed_over_on`` is the install or handover date the warranty usually starts
    from; ``dealer_id`` the customer (role ``dealer``) that sold or installed it.
    """

    __tablename__ = "service_asset"
    __table_args__ = (
        UniqueConstraint("serial_number", name="uq_service_asset_serial_number"),
        Index("ix_service_asset_customer", "customer_id"),
        Index("ix_service_asset_dealer", "dealer_id", "product"),
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
    inclusive. ``reminded_on`` and ``expired_logged`` make the expiry job idempotent.

    ``customer_id`` is the asset's owner, copied so record policies apply to a warranty
    read on its own (reports, the job); a transfer moves it with the asset, since a
    warranty follows the machine.
    """

    __tablename__ = "service_warranty"
    __table_args__ = (Index("ix_service_warranty_ends_on", "ends_on"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    asset_id: int = Field(foreign_key="service_asset.id", sa_type=BigID, index=True)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    terms: str = Field(max_length=120)  # e.g. "整机三包 12 个月"
    starts_on: dt.date
    ends_on: dt.date
    coverage: str | None = None  # what is covered, free text
    is_default: bool = False  # applied from the settings' default warranty of the product
    reminded_on: dt.date | None = None  # the expiry reminder task was raised that day
    expired_logged: bool = False  # service.warranty_expired was logged
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class AssetEvent(SQLModel, table=True):
    """One entry of an asset's own history (EVENT_KINDS): registered, handed over,
    transferred, warranty added or expired…; append-only.

    ``customer_id`` is the owner at the time of the event, so a person who sees only the
    new owner does not see the previous owner's period (as with their tickets).
    """

    __tablename__ = "service_asset_event"
    __table_args__ = (Index("ix_service_asset_event_asset", "asset_id", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    asset_id: int = Field(foreign_key="service_asset.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    kind: str = Field(max_length=20)  # one of EVENT_KINDS
    from_value: str | None = Field(default=None, max_length=200)
    to_value: str | None = Field(default=None, max_length=200)
    body: str | None = None  # a note (reason of a transfer or retirement), free text


TABLES = (Asset, Warranty, AssetEvent)
