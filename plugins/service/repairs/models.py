"""The repairs area's tables: repair / field-service orders and their step log.

A repair order (维修单) is opened on a customer's asset, in the workshop or in the
field, with a technician and a promised completion time; it moves through progress
steps (received → … → delivered) and ends delivered (on time or late) or cancelled.
The assets area reads ``asset_id`` and ``customer_id`` for an asset's service history;
the parts area issues spare parts to an order and keeps ``parts_cost`` current.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, Money, UTCDateTime

LOCATIONS = ("workshop", "field")  # 厂内维修 / 现场服务
BILLING = ("paid", "free")  # 有偿 / 免费
STATUSES = ("open", "delivered", "cancelled")
# What a step log entry records: a progress step, a new promise, a note, the end.
EVENT_KINDS = ("step", "promise", "note", "technician", "parts", "cancelled")


class RepairOrder(SQLModel, table=True):
    """A repair or field-service order on one asset of one customer.

    ``promised_at`` is the promise in force; ``first_promised_at`` the one made when the
    order was opened (every change is in the step log). ``on_time`` is decided when the
    asset is delivered: ``delivered_at <= promised_at`` (the promise in force then).
    """

    __tablename__ = "service_repair_order"
    __table_args__ = (
        UniqueConstraint("number", name="uq_service_repair_order_number"),
        Index("ix_service_repair_order_customer", "customer_id"),
        Index("ix_service_repair_order_asset", "asset_id"),
        # The progress board: open orders by promise.
        Index("ix_service_repair_order_open", "status", "promised_at"),
        Index("ix_service_repair_order_technician", "technician_id", "status"),
        Index("ix_service_repair_order_delivered", "delivered_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    number: str = Field(max_length=20)  # "RO-000123"
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    asset_id: int | None = Field(default=None, foreign_key="service_asset.id", sa_type=BigID)
    ticket_id: int | None = Field(default=None, foreign_key="service_ticket.id", sa_type=BigID)
    location: str = Field(max_length=10)  # one of LOCATIONS
    site: str | None = Field(default=None, max_length=200)  # where, for field service
    technician_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    billing: str = Field(max_length=4)  # one of BILLING
    warranty_status: str | None = Field(default=None, max_length=12)  # when opened
    status: str = Field(default="open", max_length=10)  # one of STATUSES
    step: str = Field(max_length=30)  # the current progress step
    description: str | None = None  # the fault as reported (free text)
    notes: str | None = None  # the technician's notes on the order (free text)
    opened_at: dt.datetime = Field(sa_type=UTCDateTime)
    first_promised_at: dt.datetime = Field(sa_type=UTCDateTime)
    promised_at: dt.datetime = Field(sa_type=UTCDateTime)
    promise_changes: int = 0
    ready_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    on_time: bool | None = None  # set at delivery
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    parts_cost: Decimal = Field(default=Decimal("0"), sa_type=Money)
    labour_charge: Decimal = Field(default=Decimal("0"), sa_type=Money)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class RepairStep(SQLModel, table=True):
    """One entry of a repair order's log: a step reached, a new promise, a note…

    ``kind`` is one of :data:`EVENT_KINDS`; ``step`` the step the order was at after it;
    ``promised_at`` the promise after a ``promise`` entry. Append-only.
    """

    __tablename__ = "service_repair_step"
    __table_args__ = (Index("ix_service_repair_step_order", "repair_id", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    repair_id: int = Field(foreign_key="service_repair_order.id", sa_type=BigID)
    # Denormalised from the order so access control and erasure need no join.
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    kind: str = Field(max_length=12)
    step: str = Field(max_length=30)
    promised_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str | None = None


TABLES: tuple[type, ...] = (RepairOrder, RepairStep)
