"""What commands show: a segment with its member count, and previews of members."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Staff
from guanxi_marketing.segments.evaluate import compile_for, matching_query
from guanxi_marketing.segments.language.sources import CUSTOMER_TABLE
from guanxi_marketing.segments.service import (
    ENTITY,
    count_members,
    get_segment,
    members_query,
)


@dataclass(frozen=True)
class Preview:
    """How many customers a segment or expression has, and the first few of them."""

    count: int
    customers: list[dict[str, Any]]


def preview(
    uow: UnitOfWork,
    *,
    segment: int | str | None = None,
    expression: str | None = None,
    limit: int | None = None,
) -> Preview:
    """The count and the first ``limit`` members (id, name, stage) of a segment or expression.

    ``limit`` defaults to the ``marketing.segments.preview_limit`` setting.
    """
    require(uow, ENTITY, "read")
    if limit is None:
        limit = uow.app.settings_for("marketing").segments.preview_limit
    if (segment is None) == (expression is None):
        raise ValidationError("expression", "give a segment or an expression, not both")
    if limit < 0:
        raise ValidationError("limit", "must not be negative")
    if expression is not None:
        query = matching_query(uow, compile_for(uow, expression))
    else:
        query = members_query(uow, get_segment(uow, segment or ""))
    connection = uow.session.connection()
    inner = query.subquery()
    total = connection.execute(select(func.count()).select_from(inner)).scalar_one()
    customer = CUSTOMER_TABLE
    rows = connection.execute(
        select(customer.c.id, customer.c.name, customer.c.lifecycle_stage)
        .where(customer.c.id.in_(select(inner.c.id if "id" in inner.c else inner.c.customer_id)))
        .order_by(customer.c.id)
        .limit(limit)
    )
    return Preview(total, [dict(row._mapping) for row in rows])


@dataclass(frozen=True)
class SegmentView:
    """A segment as commands show it: its definition and its current member count."""

    id: int
    name: str
    kind: str
    expression: str | None
    description: str | None
    owner: str | None
    members: int
    created_at: Any
    updated_at: Any


def describe_segment(uow: UnitOfWork, ref: int | str) -> SegmentView:
    """A segment with its owner's username and how many members it has now."""
    segment = get_segment(uow, ref)
    staff = Staff.__table__  # type: ignore[attr-defined]
    owner = None
    if segment.owner_id is not None:
        query = select(staff.c.username).where(staff.c.id == segment.owner_id)
        owner = uow.session.connection().execute(query).scalar_one_or_none()
    return SegmentView(
        id=segment.id or 0,
        name=segment.name,
        kind=segment.kind,
        expression=segment.expression,
        description=segment.description,
        owner=owner,
        members=count_members(uow, segment),
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )
