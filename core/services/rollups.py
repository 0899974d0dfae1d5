"""Per-customer rollups of the interaction log, maintained on every write.

A batch is aggregated in Python per customer, merged with the stored rollup rows of
those customers (one SELECT per chunk), and written back with one upsert per chunk. Cost
is proportional to the customers a batch touches, not to the log's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from guanxi.app import UnitOfWork
from guanxi.db.bulk import BulkInserter
from guanxi.db.locks import serialize_writers
from guanxi.models import CustomerRollup
from guanxi.records import InteractionRecord

ROLLUP_COLUMNS = (
    "customer_id",
    "first_at",
    "last_at",
    "interaction_count",
    "revenue_count",
    "revenue",
    "cost",
    "counts_by_kind",
    "last_by_kind",
    "last_by_channel",
)
CHUNK = 5000
_as_params = itemgetter(*ROLLUP_COLUMNS)  # a rollup dict as a tuple in column order


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_ZERO = Decimal("0.00")  # immutable, so one object serves every new rollup


def _empty(customer_id: int) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "first_at": None,
        "last_at": None,
        "interaction_count": 0,
        "revenue_count": 0,
        "revenue": _ZERO,
        "cost": _ZERO,
        "counts_by_kind": {},
        "last_by_kind": {},
        "last_by_channel": {},
    }


def _fold(row: dict[str, Any], item: InteractionRecord) -> None:
    at = item.occurred_at
    if row["first_at"] is None or at < row["first_at"]:
        row["first_at"] = at
    if row["last_at"] is None or at > row["last_at"]:
        row["last_at"] = at
    row["interaction_count"] += 1
    if item.revenue is not None:
        row["revenue"] += item.revenue
        # Purchases counted for frequency (RFM, BG/NBD); a correction is not a purchase.
        if item.corrects_id is None and item.revenue > 0:
            row["revenue_count"] += 1
    if item.cost is not None:
        row["cost"] += item.cost
    stamp = _stamp(at)
    counts = row["counts_by_kind"]
    counts[item.kind] = counts.get(item.kind, 0) + 1
    for key, name in (("last_by_kind", item.kind), ("last_by_channel", item.channel)):
        if row[key].get(name, "") < stamp:
            row[key][name] = stamp


def _upsert_statement(dialect_name: str) -> Any:
    table = CustomerRollup.__table__  # type: ignore[attr-defined]
    module: Any = postgresql if dialect_name == "postgresql" else sqlite
    statement = module.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.customer_id],
        set_={name: statement.excluded[name] for name in ROLLUP_COLUMNS[1:]},
    )


def apply_rollups(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> None:
    """Fold a batch of new interactions into the rollups of the customers it touches."""
    connection = uow.session.connection()
    table = CustomerRollup.__table__  # type: ignore[attr-defined]
    by_customer: dict[int, list[InteractionRecord]] = {}
    for item in interactions:
        by_customer.setdefault(item.customer_id, []).append(item)
    customer_ids = list(by_customer)
    serialize_writers(connection)  # read-merge-write must not interleave with another writer
    upsert = BulkInserter(
        connection, table, ROLLUP_COLUMNS, statement=_upsert_statement(connection.dialect.name)
    )
    for start in range(0, len(customer_ids), CHUNK):
        chunk = customer_ids[start : start + CHUNK]
        current: dict[int, dict[str, Any]] = {}
        for stored in connection.execute(select(table).where(table.c.customer_id.in_(chunk))):
            row = dict(stored._mapping)
            row["counts_by_kind"] = dict(row["counts_by_kind"] or {})
            row["last_by_kind"] = dict(row["last_by_kind"] or {})
            row["last_by_channel"] = dict(row["last_by_channel"] or {})
            current[row["customer_id"]] = row
        rows = []
        for cid in chunk:
            row = current.get(cid) or _empty(cid)
            for item in by_customer[cid]:
                _fold(row, item)
            rows.append(_as_params(row))
        upsert.insert(rows)
