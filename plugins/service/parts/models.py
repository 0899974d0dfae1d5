"""The parts area's tables: spare parts (备件), stock locations, stock and its ledger.

Stock per part and location holds ``on_hand`` and ``reserved`` (available = on hand −
reserved); every change to either is a row of the movement ledger, which turnover is
computed from. Reservations tie stock to a repair order until it is issued (parts used)
or released; a demand that stock cannot meet is recorded as a stock-out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, Money, UTCDateTime

LOCATION_KINDS = ("warehouse", "station")  # 备件库 / 服务站
# receipt (+on hand), issue (−on hand, to a repair order or scrapped), transfer_out /
# transfer_in (a transfer between two locations: one row at each), adjustment (± on
# hand after a count), reservation (+reserved), release (−reserved, not used).
MOVEMENT_KINDS = ("receipt", "issue", "transfer_out", "transfer_in", "adjustment",
                  "reservation", "release")
RESERVATION_STATUSES = ("active", "issued", "released")


class Part(SQLModel, table=True):
    """A spare part in the catalogue, with its standard unit cost."""

    __tablename__ = "service_part"
    __table_args__ = (UniqueConstraint("number", name="uq_service_part_number"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    number: str = Field(max_length=60)  # part number, stored upper-cased
    name: str = Field(max_length=200)
    unit: str = Field(default="pc", max_length=20)  # 个, 套, L …
    unit_cost: Decimal = Field(default=Decimal("0"), sa_type=Money)
    active: bool = True
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class StockLocation(SQLModel, table=True):
    """Where parts are kept: a central or regional warehouse or a service station."""

    __tablename__ = "service_stock_location"
    __table_args__ = (UniqueConstraint("code", name="uq_service_stock_location_code"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    code: str = Field(max_length=30)  # stored upper-cased, e.g. "XZ-CDC"
    name: str = Field(max_length=200)
    kind: str = Field(max_length=10)  # one of LOCATION_KINDS
    region: str | None = Field(default=None, max_length=100)  # 华东, 西南 …
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Stock(SQLModel, table=True):
    """The stock of one part at one location. Changed only together with a movement,
    by conditional UPDATEs (see :mod:`guanxi_service.parts.stock`)."""

    __tablename__ = "service_stock"
    __table_args__ = (
        UniqueConstraint("part_id", "location_id", name="uq_service_stock_part_location"),
        Index("ix_service_stock_location", "location_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    part_id: int = Field(foreign_key="service_part.id", sa_type=BigID)
    location_id: int = Field(foreign_key="service_stock_location.id", sa_type=BigID)
    on_hand: int = 0
    reserved: int = 0
    reorder_point: int | None = None  # low stock when available <= this
    reorder_quantity: int | None = None  # what to order then (a suggestion)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class StockMovement(SQLModel, table=True):
    """One row of the stock ledger (append-only).

    ``quantity`` is the signed change of ``on_hand`` (receipt, issue, transfers,
    adjustment) or of ``reserved`` (reservation, release); ``on_hand_after`` and
    ``reserved_after`` the stock right after it, so the ledger alone gives the stock on
    any day. ``unit_cost`` is the value per unit moved (the part's cost at the time).
    """

    __tablename__ = "service_stock_movement"
    __table_args__ = (
        Index("ix_service_stock_movement_stock", "part_id", "location_id", "at"),
        Index("ix_service_stock_movement_repair", "repair_id"),
        Index("ix_service_stock_movement_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    part_id: int = Field(foreign_key="service_part.id", sa_type=BigID)
    location_id: int = Field(foreign_key="service_stock_location.id", sa_type=BigID)
    kind: str = Field(max_length=12)  # one of MOVEMENT_KINDS
    quantity: int
    on_hand_after: int
    reserved_after: int
    unit_cost: Decimal = Field(default=Decimal("0"), sa_type=Money)
    # The other end of a transfer.
    other_location_id: int | None = Field(
        default=None, foreign_key="service_stock_location.id", sa_type=BigID)
    repair_id: int | None = Field(
        default=None, foreign_key="service_repair_order.id", sa_type=BigID)
    reservation_id: int | None = Field(default=None, sa_type=BigID)
    reference: str | None = Field(default=None, max_length=80)  # delivery note, PO …
    note: str | None = None
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class StockAdjustment(SQLModel, table=True):
    """A stock count or correction (盘点) by a manager: what was counted and why.

    Its movement (kind ``adjustment``) carries the difference to the book stock.
    """

    __tablename__ = "service_stock_adjustment"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    part_id: int = Field(foreign_key="service_part.id", sa_type=BigID)
    location_id: int = Field(foreign_key="service_stock_location.id", sa_type=BigID)
    book_quantity: int
    counted_quantity: int
    reason: str = Field(max_length=200)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class PartReservation(SQLModel, table=True):
    """Parts held at a location for a repair order until issued (used) or released."""

    __tablename__ = "service_part_reservation"
    __table_args__ = (
        Index("ix_service_part_reservation_repair", "repair_id"),
        Index("ix_service_part_reservation_stock", "part_id", "location_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    repair_id: int = Field(foreign_key="service_repair_order.id", sa_type=BigID)
    # Denormalised from the repair order: reservations are seen with their customer.
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    part_id: int = Field(foreign_key="service_part.id", sa_type=BigID)
    location_id: int = Field(foreign_key="service_stock_location.id", sa_type=BigID)
    quantity: int  # reserved at first
    issued: int = 0  # of it, issued to the order so far (parts used)
    status: str = Field(default="active", max_length=10)  # RESERVATION_STATUSES
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class Stockout(SQLModel, table=True):
    """A demand for a part that a location could not meet (缺货).

    ``requested`` is what was asked for, ``available`` what was there, ``short`` the
    difference. ``filled_at`` is set when a receipt or transfer-in at that location
    later covers it (the first one that brings available stock to ``short``).
    """

    __tablename__ = "service_stockout"
    __table_args__ = (
        Index("ix_service_stockout_stock", "part_id", "location_id", "filled_at"),
        Index("ix_service_stockout_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    part_id: int = Field(foreign_key="service_part.id", sa_type=BigID)
    location_id: int = Field(foreign_key="service_stock_location.id", sa_type=BigID)
    repair_id: int | None = Field(
        default=None, foreign_key="service_repair_order.id", sa_type=BigID)
    requested: int
    available: int
    short: int
    at: dt.datetime = Field(sa_type=UTCDateTime)
    filled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    note: str | None = None


TABLES: tuple[type, ...] = (
    Part, StockLocation, Stock, StockMovement, StockAdjustment, PartReservation, Stockout,
)
