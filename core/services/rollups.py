"""Per-customer rollups of the interaction log, maintained on every write.

Rollups are merged in SQL, never read back into Python: every new interaction is one
parameter row of an upsert (``INSERT … ON CONFLICT (customer_id) DO UPDATE``) that
inserts the customer's first rollup row or adds to the stored one — counts and amounts
added, ``first_at``/``last_at`` taken as min/max, and the entry of its kind and channel
in the JSON maps set with ``json_set`` (SQLite) or ``||`` (PostgreSQL). Cost is one
primary-key upsert per interaction, whatever the size of the log or of the rollups.
See docs/decisions/0008-rollups-merged-in-sql.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.db.bulk import bulk_bind_processor
from guanxi.db.locks import serialize_writers
from guanxi.db.types import bulk_minor
from guanxi.models import CustomerRollup
from guanxi.records import InteractionRecord

# Keys a SQLite JSON path can name as a quoted label ($."key"): no quote, no backslash.
# Kinds always qualify (registry.KIND_PATTERN); a channel is a setting and might not.
_PATH_SAFE = re.compile(r'^[^"\\]*$')

_SQLITE_INSERT = """
INSERT INTO customer_rollup (
    customer_id, first_at, last_at, interaction_count, revenue_count, revenue, cost,
    counts_by_kind, last_by_kind, last_by_channel
) VALUES (?1, ?2, ?2, 1, ?3, ?4, ?5,
          json_object(?6, 1), json_object(?6, ?8), json_object(?7, ?8))
ON CONFLICT (customer_id) DO UPDATE SET
    first_at = CASE WHEN customer_rollup.first_at IS NULL
                      OR excluded.first_at < customer_rollup.first_at
                    THEN excluded.first_at ELSE customer_rollup.first_at END,
    interaction_count = customer_rollup.interaction_count + 1,
    revenue_count = customer_rollup.revenue_count + excluded.revenue_count,
    revenue = customer_rollup.revenue + excluded.revenue,
    cost = customer_rollup.cost + excluded.cost,
"""
# last_at is indexed, and SQLite rewrites the index entry of every column an UPDATE
# sets, changed or not: a separate statement moves it only where it grows (at import
# scale most entries of a customer are not her latest), after the upserts of the batch.
_SQLITE_LAST_AT = """
UPDATE customer_rollup SET last_at = ?2
WHERE customer_id = ?1 AND (last_at IS NULL OR last_at < ?2)
"""
# Fast form: the map entries addressed by a JSON path (?9 kind, ?10 channel); a map
# whose entry is already as late is left as it is (no rewrite of the JSON).
_SQLITE_MAPS_BY_PATH = """
    counts_by_kind = json_set(coalesce(nullif(customer_rollup.counts_by_kind, 'null'), '{}'),
        ?9, coalesce(json_extract(customer_rollup.counts_by_kind, ?9), 0) + 1),
    last_by_kind = CASE WHEN json_extract(customer_rollup.last_by_kind, ?9) >= ?8
        THEN customer_rollup.last_by_kind
        ELSE json_set(coalesce(nullif(customer_rollup.last_by_kind, 'null'), '{}'), ?9, ?8) END,
    last_by_channel = CASE WHEN json_extract(customer_rollup.last_by_channel, ?10) >= ?8
        THEN customer_rollup.last_by_channel
        ELSE json_set(coalesce(nullif(customer_rollup.last_by_channel, 'null'), '{}'), ?10, ?8) END
"""
# General form for any key (a channel with a quote in its name): looked up by json_each.
_SQLITE_MAPS_BY_KEY = """
    counts_by_kind = json_patch(coalesce(nullif(customer_rollup.counts_by_kind, 'null'), '{}'),
        json_object(?6, coalesce((SELECT value FROM json_each(customer_rollup.counts_by_kind)
                                  WHERE key = ?6), 0) + 1)),
    last_by_kind = json_patch(coalesce(nullif(customer_rollup.last_by_kind, 'null'), '{}'),
        json_object(?6, max(coalesce((SELECT value FROM json_each(customer_rollup.last_by_kind)
                                      WHERE key = ?6), ''), ?8))),
    last_by_channel = json_patch(coalesce(nullif(customer_rollup.last_by_channel, 'null'), '{}'),
        json_object(?7, max(coalesce((SELECT value FROM json_each(customer_rollup.last_by_channel)
                                      WHERE key = ?7), ''), ?8)))
"""
# PostgreSQL: jsonb ``||`` replaces the one key; stamps compare as text in the C collation.
_POSTGRESQL = """
INSERT INTO customer_rollup (
    customer_id, first_at, last_at, interaction_count, revenue_count, revenue, cost,
    counts_by_kind, last_by_kind, last_by_channel
) VALUES (%(c)s, %(at)s, %(at)s, 1, %(rc)s, %(rev)s, %(cost)s,
          jsonb_build_object(%(k)s::text, 1),
          jsonb_build_object(%(k)s::text, %(s)s::text),
          jsonb_build_object(%(ch)s::text, %(s)s::text))
ON CONFLICT (customer_id) DO UPDATE SET
    first_at = LEAST(customer_rollup.first_at, excluded.first_at),
    last_at = GREATEST(customer_rollup.last_at, excluded.last_at),
    interaction_count = customer_rollup.interaction_count + 1,
    revenue_count = customer_rollup.revenue_count + excluded.revenue_count,
    revenue = customer_rollup.revenue + excluded.revenue,
    cost = customer_rollup.cost + excluded.cost,
    counts_by_kind = coalesce(nullif(customer_rollup.counts_by_kind, 'null'::jsonb), '{}'::jsonb)
        || jsonb_build_object(%(k)s::text,
               coalesce((customer_rollup.counts_by_kind ->> %(k)s::text)::bigint, 0) + 1),
    last_by_kind = coalesce(nullif(customer_rollup.last_by_kind, 'null'::jsonb), '{}'::jsonb)
        || jsonb_build_object(%(k)s::text,
               GREATEST(coalesce(customer_rollup.last_by_kind ->> %(k)s::text, '') COLLATE "C",
                        %(s)s::text COLLATE "C")),
    last_by_channel = coalesce(nullif(customer_rollup.last_by_channel, 'null'::jsonb), '{}'::jsonb)
        || jsonb_build_object(%(ch)s::text,
               GREATEST(coalesce(customer_rollup.last_by_channel ->> %(ch)s::text, '') COLLATE "C",
                        %(s)s::text COLLATE "C"))
"""


def stamp(value: dt.datetime) -> str:
    """A time as the maps store it: UTC, to the second, ``2026-05-03T02:14:00Z``."""
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    if value.year < 1000:  # isoformat pads the year to four digits, strftime does not
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat("T", "seconds")[:19] + "Z"


def _path(key: str) -> str:
    return f'$."{key}"'


def _sqlite_stamp(bound: str, value: dt.datetime) -> str:
    """The map stamp from the SQLite form ``YYYY-MM-DD HH:MM:SS.ffffff`` of the same time."""
    if bound[0] == "0":  # a year before 1000: stamp() keeps strftime's unpadded year
        return stamp(value)
    return f"{bound[:10]}T{bound[11:19]}Z"


def _sqlite_rows(
    items: Sequence[InteractionRecord], times: Sequence[str]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Parameter rows for the fast (path) and the general (key) statement."""
    by_path: list[tuple[Any, ...]] = []
    by_key: list[tuple[Any, ...]] = []
    paths: dict[str, str] = {}
    for item, at in zip(items, times, strict=True):
        revenue, cost = item.revenue, item.cost
        # Purchases counted for frequency (RFM, BG/NBD); a correction is not one.
        counted = revenue is not None and item.corrects_id is None and revenue > 0
        kind, channel = item.kind, item.channel
        row = (
            item.customer_id,
            at,
            1 if counted else 0,
            0 if revenue is None else bulk_minor(revenue),
            0 if cost is None else bulk_minor(cost),
            kind,
            channel,
            _sqlite_stamp(at, item.occurred_at),
        )
        kind_path = paths.get(kind)
        if kind_path is None:
            kind_path = paths[kind] = _path(kind) if _PATH_SAFE.match(kind) else ""
        channel_path = paths.get(channel)
        if channel_path is None:
            channel_path = paths[channel] = _path(channel) if _PATH_SAFE.match(channel) else ""
        if kind_path and channel_path:
            by_path.append((*row, kind_path, channel_path))
        else:
            by_key.append(row)
    return by_path, by_key


def _postgresql_rows(
    items: Sequence[InteractionRecord], times: Sequence[Any]
) -> list[dict[str, Any]]:
    rows = []
    for item, at in zip(items, times, strict=True):
        revenue, cost = item.revenue, item.cost
        counted = revenue is not None and item.corrects_id is None and revenue > 0
        rows.append(
            {
                "c": item.customer_id,
                "at": at,
                "rc": 1 if counted else 0,
                "rev": 0 if revenue is None else bulk_minor(revenue),
                "cost": 0 if cost is None else bulk_minor(cost),
                "k": item.kind,
                "ch": item.channel,
                "s": stamp(item.occurred_at),
            }
        )
    return rows


def merge_rollups(
    uow: UnitOfWork,
    interactions: Sequence[InteractionRecord],
    *,
    bound_times: Sequence[Any] | None = None,
) -> None:
    """Add ``interactions`` to the stored rollups of their customers, in SQL.

    ``bound_times`` are their ``occurred_at`` already converted for the database (as
    :func:`guanxi.db.bulk.bulk_bind_processor` does), when the caller has them.
    """
    if not interactions:
        return
    connection = uow.session.connection()
    dialect = connection.dialect
    if bound_times is None:
        table = CustomerRollup.__table__  # type: ignore[attr-defined]
        bind_at = bulk_bind_processor(table.c.first_at.type, dialect)
        bound_times = [
            r.occurred_at if bind_at is None else bind_at(r.occurred_at) for r in interactions
        ]
    # The core's writer lock, as before the merge moved into SQL: the upserts no longer
    # need it for correctness (each adds to the row it locks), but every writer taking
    # it before any rollup row keeps the lock order with the audit chain trivial.
    serialize_writers(connection)
    # In key order: the upserts walk the table's B-tree forwards (and on PostgreSQL
    # take their row locks in one order).
    order = sorted(range(len(interactions)), key=[r.customer_id for r in interactions].__getitem__)
    items = [interactions[i] for i in order]
    times = [bound_times[i] for i in order]
    if dialect.name == "postgresql":
        connection.exec_driver_sql(_POSTGRESQL, _postgresql_rows(items, times))
        return
    by_path, by_key = _sqlite_rows(items, times)
    if by_path:
        connection.exec_driver_sql(_SQLITE_INSERT + _SQLITE_MAPS_BY_PATH, by_path)
    if by_key:
        connection.exec_driver_sql(_SQLITE_INSERT + _SQLITE_MAPS_BY_KEY, by_key)
    # Each customer's latest time of the batch (the times are fixed-width text, in
    # customer order here, so the dict is too).
    latest: dict[int, str] = {}
    for item, at in zip(items, times, strict=True):
        customer = item.customer_id
        if at > latest.get(customer, ""):
            latest[customer] = at
    connection.exec_driver_sql(_SQLITE_LAST_AT, list(latest.items()))


def apply_rollups(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> None:
    """Fold a batch of new interactions into the rollups of the customers it touches."""
    merge_rollups(uow, interactions)


REBUILD_BATCH = 5000


def rebuild_rollups(uow: UnitOfWork, customer_ids: Sequence[int]) -> None:
    """Recompute the rollups of ``customer_ids`` from the log, replacing the stored ones.

    For a merge and its undo, whose rows move between customers wholesale. The log is
    read in id order a batch at a time and folded in by :func:`merge_rollups`, the same
    statement every write uses, so a rebuilt rollup equals one kept up on write; a
    customer with no interactions ends with no rollup row, as before his first one.
    """
    from sqlalchemy import delete, select

    from guanxi.models import Interaction

    ids = sorted(set(customer_ids))
    if not ids:
        return
    connection = uow.session.connection()
    rollups = CustomerRollup.__table__  # type: ignore[attr-defined]
    log = Interaction.__table__  # type: ignore[attr-defined]
    columns = [log.c[name] for name in (
        "id", "customer_id", "occurred_at", "channel", "kind", "direction", "revenue", "cost",
        "corrects_id")]
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        connection.execute(delete(rollups).where(rollups.c.customer_id.in_(part)))
        after = None
        while True:
            query = select(*columns).where(log.c.customer_id.in_(part))
            if after is not None:
                query = query.where(log.c.id > after)
            batch = connection.execute(query.order_by(log.c.id).limit(REBUILD_BATCH)).all()
            if not batch:
                break
            merge_rollups(uow, [
                InteractionRecord(id=r.id, customer_id=r.customer_id, occurred_at=r.occurred_at,
                                  channel=r.channel, kind=r.kind, direction=r.direction,
                                  revenue=r.revenue, cost=r.cost, corrects_id=r.corrects_id)
                for r in batch
            ])
            after = batch[-1].id
