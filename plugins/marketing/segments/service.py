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
from dataclasses import dataclass
from typing import Any

from guanxi_marketing.segments.language import parse_expression
from guanxi_marketing.segments.language.compiler import compile_expression
from guanxi_marketing.segments.language.fields import FieldCatalog
from guanxi_marketing.segments.language.moments import Clock
from guanxi_marketing.segments.language.sources import CUSTOMER_TABLE
from guanxi_marketing.segments.models import Segment, SegmentMember
from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlmodel import SQLModel, col

from guanxi.access.enforce import customer_condition, filter_visible, require
from guanxi.app import UnitOfWork
from guanxi.audit import Event, record
from guanxi.db.bulk import BulkInserter
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Staff

ENTITY = "marketing.segment"
MEMBER_ENTITY = "marketing.segment_member"
DYNAMIC = "dynamic"
STATIC = "static"
MAX_NAME = 120
IN_CHUNK = 900  # ids per IN list: under SQLite's bound-parameter limit on every version


# ----------------------------------------------------------------------------- expressions


def compile_for(uow: UnitOfWork, expression: str) -> ColumnElement[bool]:
    """Parse and check ``expression`` against the application's fields, as SQL."""
    node = parse_expression(expression)
    clock = Clock(uow.now, uow.app.tz)
    dialect = uow.session.get_bind().dialect.name
    return compile_expression(node, FieldCatalog.for_app(uow.app), clock, dialect)


def _visible_only(uow: UnitOfWork, query: Select[Any]) -> Select[Any]:
    """``query`` (which reads the customer table) limited to the principal's customers.

    The record-policy condition goes on the customer row itself rather than through
    ``id IN (visible customers)``, which would read the customer table twice.
    """
    condition = customer_condition(uow.app, uow.principal, CUSTOMER_TABLE)
    return query if condition is None else query.where(condition)


def matching_query(uow: UnitOfWork, condition: ColumnElement[bool]) -> Select[Any]:
    """One SELECT of the ids of the visible, unerased customers matching ``condition``."""
    customer = CUSTOMER_TABLE
    query = select(customer.c.id).where(condition, customer.c.erased_at.is_(None))
    return _visible_only(uow, query)


def matching_customer_ids(uow: UnitOfWork, expression: str) -> list[int]:
    """The ids of the visible customers matching ``expression``, sorted."""
    compiled = compile_for(uow, expression)
    query = matching_query(uow, compiled).order_by(CUSTOMER_TABLE.c.id)
    return list(uow.session.connection().execute(query).scalars())


def count_matching(uow: UnitOfWork, expression: str) -> int:
    """How many visible customers match ``expression``."""
    inner = matching_query(uow, compile_for(uow, expression)).subquery()
    return uow.session.connection().execute(select(func.count()).select_from(inner)).scalar_one()


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
        if not expression.strip():
            raise ValidationError("expression", "is empty")
        compile_for(uow, expression)
    segment = Segment(
        name=_unique_name(uow, name),
        kind=DYNAMIC if expression is not None else STATIC,
        expression=expression.strip() if expression is not None else None,
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
    return _visible_only(uow, query)


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
    for start in range(0, len(distinct), IN_CHUNK):
        chunk = distinct[start : start + IN_CHUNK]
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
    for start in range(0, len(customer_ids), IN_CHUNK):
        chunk = customer_ids[start : start + IN_CHUNK]
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
