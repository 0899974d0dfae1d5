"""Segments (客户细分): dynamic ones defined by an expression, static ones by a member list.

A dynamic segment stores its expression, checked when saved; its members are whoever
matches now, computed by one SQL query (:mod:`.language`). A static segment stores its
members; ``snapshot_segment`` freezes a dynamic segment's current audience into a
static one (a campaign's audience as it was when it was sent).

Members are always the customers the acting principal may see, never erased ones (an
erased person is not marketed to). Reads and writes check the principal's permissions
(``require``); bad input raises :class:`~guanxi.errors.ValidationError` before any write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlmodel import SQLModel, col

from guanxi.access.enforce import filter_visible, require
from guanxi.app import UnitOfWork
from guanxi.audit import Event, record
from guanxi.db.bulk import BulkInserter
from guanxi.db.chunks import chunks
from guanxi.errors import NotFoundError, ValidationError
from guanxi_marketing.segments.evaluate import (
    compile_for,
    count_matching,
    matching_customer_ids,
    matching_query,
    visible_only,
)
from guanxi_marketing.segments.language import parse_expression
from guanxi_marketing.segments.language.sources import CUSTOMER_TABLE
from guanxi_marketing.segments.models import Segment, SegmentMember

ENTITY = "marketing.segment"
MEMBER_ENTITY = "marketing.segment_member"
DYNAMIC = "dynamic"
STATIC = "static"
MAX_NAME = 120

# The contract other areas import from here (evaluation lives in .evaluate).
__all__ = [
    "add_members",
    "count_matching",
    "create_segment",
    "delete_segment",
    "get_segment",
    "list_segments",
    "matching_customer_ids",
    "parse_expression",
    "remove_members",
    "segment_customer_ids",
    "snapshot_segment",
    "update_segment",
]


# ----------------------------------------------------------------------------- segments


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationError("name", "is required")
    if len(cleaned) > MAX_NAME:
        raise ValidationError("name", f"longer than {MAX_NAME} characters")
    return cleaned


def _unique_name(uow: UnitOfWork, name: str) -> str:
    cleaned = _clean_name(name)
    taken = uow.session.execute(select(col(Segment.id)).where(col(Segment.name) == cleaned)).first()
    if taken is not None:
        raise ValidationError("name", f"a segment called {cleaned!r} already exists")
    return cleaned


def _checked_expression(uow: UnitOfWork, expression: str) -> str:
    """``expression`` trimmed, after checking that it compiles (else ValidationError)."""
    if not expression.strip():
        raise ValidationError("expression", "is empty")
    compile_for(uow, expression)
    return expression.strip()


def create_segment(
    uow: UnitOfWork,
    *,
    name: str,
    expression: str | None = None,
    customer_ids: Iterable[int | str] = (),
    description: str | None = None,
) -> Segment:
    """A dynamic segment (``expression`` given, checked now) or a static one with members."""
    require(uow, ENTITY, "create")
    members = list(customer_ids)
    if expression is not None:
        if members:
            raise ValidationError("customer_ids", "a dynamic segment has no member list")
        expression = _checked_expression(uow, expression)
    segment = Segment(
        name=_unique_name(uow, name),
        kind=DYNAMIC if expression is not None else STATIC,
        expression=expression,
        description=(description or "").strip() or None,
        owner_id=uow.actor_id,
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(segment)
    uow.session.flush()
    if members:
        assert segment.id is not None  # given by the flush
        add_members(uow, segment.id, members)
    return segment


def get_segment(uow: UnitOfWork, ref: int | str) -> Segment:
    """A segment by id or by name; :class:`NotFoundError` otherwise."""
    require(uow, ENTITY, "read")
    text = str(ref).strip()
    query = select(Segment)
    if isinstance(ref, int) or text.isdigit():
        query = query.where(col(Segment.id) == int(text))
    else:
        query = query.where(col(Segment.name) == text)
    segment = uow.session.execute(query).scalars().first()
    if segment is None:
        raise NotFoundError(f"no segment {text!r}")
    return segment


def update_segment(
    uow: UnitOfWork,
    ref: int | str,
    *,
    name: str | None = None,
    expression: str | None = None,
    description: str | None = None,
) -> Segment:
    """Rename a segment, change its description or (dynamic only) its expression."""
    require(uow, ENTITY, "update")
    segment = get_segment(uow, ref)
    if name is not None and name.strip() != segment.name:
        segment.name = _unique_name(uow, name)
    if expression is not None:
        if segment.kind != DYNAMIC:
            raise ValidationError("expression", f"{segment.name!r} is a static list")
        segment.expression = _checked_expression(uow, expression)
    if description is not None:
        segment.description = description.strip() or None
    segment.updated_at = uow.now
    uow.session.flush()
    return segment


def list_segments(uow: UnitOfWork, *, kind: str | None = None) -> list[Segment]:
    """Every segment (of ``kind`` when given), by name."""
    require(uow, ENTITY, "read")
    query = select(Segment).order_by(col(Segment.name))
    if kind is not None:
        if kind not in (DYNAMIC, STATIC):
            raise ValidationError("kind", f"{kind!r} is neither {DYNAMIC} nor {STATIC}")
        query = query.where(col(Segment.kind) == kind)
    return list(uow.session.execute(query).scalars())


def static_members_query(uow: UnitOfWork, segment_id: int) -> Select[Any]:
    """The visible, unerased members of a static segment."""
    member = SegmentMember.__table__  # type: ignore[attr-defined]
    customer = CUSTOMER_TABLE
    query = (
        select(member.c.customer_id)
        .join(customer, customer.c.id == member.c.customer_id)
        .where(member.c.segment_id == segment_id, customer.c.erased_at.is_(None))
    )
    return visible_only(uow, query)


def members_query(uow: UnitOfWork, segment: Segment) -> Select[Any]:
    """One SELECT of the segment's current member ids (either kind)."""
    if segment.kind == DYNAMIC:
        return matching_query(uow, compile_for(uow, segment.expression or ""))
    return static_members_query(uow, segment.id or 0)


def segment_customer_ids(uow: UnitOfWork, segment_id: int | str) -> list[int]:
    """The segment's current members the principal may see, sorted ids."""
    segment = get_segment(uow, segment_id)
    query = members_query(uow, segment)
    ids = uow.session.connection().execute(query).scalars()
    return sorted(ids)


def count_members(uow: UnitOfWork, segment: Segment) -> int:
    """How many current members the segment has (visible ones)."""
    inner = members_query(uow, segment).subquery()
    return uow.session.connection().execute(select(func.count()).select_from(inner)).scalar_one()


# ----------------------------------------------------------------------------- members


def _static(uow: UnitOfWork, ref: int | str) -> Segment:
    segment = get_segment(uow, ref)
    if segment.kind != STATIC:
        raise ValidationError(
            "segment", f"{segment.name!r} is dynamic: its members follow its expression"
        )
    return segment


def _visible_ids(uow: UnitOfWork, customer_ids: Iterable[Any]) -> list[int]:
    """Distinct customer ids, each an existing customer the principal may see."""
    wanted: list[int] = []
    for position, raw in enumerate(customer_ids, start=1):
        try:
            wanted.append(int(str(raw).strip()))
        except ValueError:
            message = f"item {position}: {raw!r} is not an id"
            raise ValidationError("customer_ids", message) from None
    distinct = sorted(set(wanted))
    existing: set[int] = set()
    connection = uow.session.connection()
    for chunk in chunks(distinct):
        query = select(CUSTOMER_TABLE.c.id).where(CUSTOMER_TABLE.c.id.in_(chunk))
        existing |= set(connection.execute(query).scalars())
    seen = filter_visible(uow, existing)
    missing = [cid for cid in distinct if cid not in seen]
    if missing:
        raise NotFoundError(f"no customer with id {missing[0]}")
    return distinct


def _member_ids(uow: UnitOfWork, segment_id: int) -> set[int]:
    member = SegmentMember.__table__  # type: ignore[attr-defined]
    query = select(member.c.customer_id).where(member.c.segment_id == segment_id)
    return set(uow.session.connection().execute(query).scalars())


def _insert_members(uow: UnitOfWork, segment_id: int, customer_ids: list[int]) -> None:
    """Bulk-insert members, each audited like an ORM insert would be."""
    member = SegmentMember.__table__  # type: ignore[attr-defined]
    columns = ("segment_id", "customer_id", "added_at")
    connection = uow.session.connection()
    BulkInserter(connection, member, columns).insert(
        [(segment_id, cid, uow.now) for cid in customer_ids]
    )
    record(
        uow, [Event("create", MEMBER_ENTITY, f"{segment_id}/{cid}", cid) for cid in customer_ids]
    )


def add_members(uow: UnitOfWork, ref: int | str, customer_ids: Iterable[Any]) -> int:
    """Add customers to a static segment; returns how many were new (others are skipped)."""
    require(uow, MEMBER_ENTITY, "create")
    segment = _static(uow, ref)
    wanted = _visible_ids(uow, customer_ids)
    current = _member_ids(uow, segment.id or 0)
    new = [cid for cid in wanted if cid not in current]
    if new:
        _insert_members(uow, segment.id or 0, new)
        segment.updated_at = uow.now
    return len(new)


def remove_members(uow: UnitOfWork, ref: int | str, customer_ids: Iterable[Any]) -> int:
    """Remove customers from a static segment; returns how many were members."""
    require(uow, MEMBER_ENTITY, "delete")
    segment = _static(uow, ref)
    wanted = _visible_ids(uow, customer_ids)
    present = [cid for cid in wanted if cid in _member_ids(uow, segment.id or 0)]
    _delete_members(uow, segment.id or 0, present)
    if present:
        segment.updated_at = uow.now
    return len(present)


def _delete_members(uow: UnitOfWork, segment_id: int | None, customer_ids: list[int]) -> None:
    """Delete memberships (of one segment, or of every segment when ``segment_id`` is None)."""
    member = SegmentMember.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    events = []
    for chunk in chunks(customer_ids):
        condition = member.c.customer_id.in_(chunk)
        if segment_id is not None:
            condition = condition & (member.c.segment_id == segment_id)
        query = select(member.c.segment_id, member.c.customer_id).where(condition)
        rows = connection.execute(query)
        events += [Event("delete", MEMBER_ENTITY, f"{sid}/{cid}", cid) for sid, cid in rows]
        connection.execute(delete(member).where(condition))
    record(uow, events)


def snapshot_segment(
    uow: UnitOfWork, ref: int | str, *, name: str, description: str | None = None
) -> Segment:
    """A new static segment holding ``ref``'s current (visible) members."""
    source = get_segment(uow, ref)
    members = segment_customer_ids(uow, source.id or 0)
    note = description or f"snapshot of {source.name!r} at {uow.now:%Y-%m-%d %H:%M} UTC"
    return create_segment(uow, name=name, customer_ids=members, description=note)


def delete_segment(uow: UnitOfWork, ref: int | str) -> None:
    """Delete a segment and its member list; refused while a record refers to it."""
    require(uow, ENTITY, "delete")
    segment = get_segment(uow, ref)
    member_table = SegmentMember.__table__  # type: ignore[attr-defined]
    for table in SQLModel.metadata.tables.values():
        for key in table.foreign_keys:
            if key.target_fullname != "marketing_segment.id" or table is member_table:
                continue
            count = (
                uow.session.connection()
                .execute(select(func.count()).where(key.parent == segment.id))
                .scalar_one()
            )
            if count:
                raise ValidationError(
                    "segment", f"{segment.name!r} is used by {count} row(s) of {table.name}"
                )
    _delete_members(uow, segment.id, sorted(_member_ids(uow, segment.id or 0)))
    uow.session.delete(segment)
    uow.session.flush()
