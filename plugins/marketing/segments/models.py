"""The segments area's tables: segment definitions and static-list members."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime


class Segment(SQLModel, table=True):
    """A customer segment (客户细分): dynamic (an expression) or static (a member list)."""

    __tablename__ = "marketing_segment"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=10)  # dynamic | static
    expression: str | None = None  # the filter expression of a dynamic segment
    description: str | None = None
    owner_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class SegmentMember(SQLModel, table=True):
    """A customer on a static segment's list."""

    __tablename__ = "marketing_segment_member"

    segment_id: int = Field(foreign_key="marketing_segment.id", primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID, index=True)
    added_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES: tuple[type, ...] = (Segment, SegmentMember)
