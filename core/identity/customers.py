"""Stored customers as the matching engine's records.

The engine compares plain mappings of field name to string (:mod:`.prepare`); this module
builds them from the database, for the duplicate scan, the check of new records and the
merge preview alike, so all three see a customer the same way:

* ``kind`` (person or organization: a pair of different kinds is never a duplicate),
  ``name``, ``family_name``, ``given_name``, ``birth_date`` from the customer row;
* ``phone``, ``email``, ``address``: the primary (else first) contact point of the kind,
  normalised as stored;
* ``id_number``: the custom field named by ``[identity] id_number_field``, if set.

The reads go through the connection, not the ORM: record-level policies do not apply,
because a duplicate is a duplicate whoever looks. Callers that show results to a person
must check what that person may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import select

from guanxi.db.chunks import chunks
from guanxi.models import ContactPoint, Customer
from guanxi.records import CustomerRecord

EngineRecord = dict[str, str | None]

_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
_POINTS = ContactPoint.__table__  # type: ignore[attr-defined]
_POINT_FIELDS = {"phone": "phone", "email": "email", "address": "address"}


def engine_record(record: CustomerRecord, id_number_field: str | None = None) -> EngineRecord:
    """The engine's view of a (validated or stored) customer record."""
    out: EngineRecord = {
        # Ids are ints; the engine keeps them as they are (``rules.id_field``).
        "id": record.id,  # type: ignore[dict-item]
        "kind": record.kind,
        "name": record.name,
        "family_name": record.family_name,
        "given_name": record.given_name,
        "birth_date": record.birth_date.isoformat() if record.birth_date else None,
    }
    primary: dict[str, tuple[bool, str]] = {}
    for point in record.contact_points:
        field = _POINT_FIELDS.get(point.kind)
        if field and (field not in primary or (point.is_primary and not primary[field][0])):
            primary[field] = (point.is_primary, point.normalized)
    for field, (_, value) in primary.items():
        out[field] = value
    if id_number_field:
        out["id_number"] = _text(record.custom.get(id_number_field))
    return out


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _rows(connection: Any, ids: Iterable[int] | None, after: int | None,
          limit: int | None) -> list[Mapping[str, Any]]:
    c = _CUSTOMERS.c
    query = select(c.id, c.kind, c.name, c.family_name, c.given_name, c.birth_date, c.custom).where(
        c.erased_at.is_(None)
    )
    if ids is not None:
        query = query.where(c.id.in_(list(ids)))
    if after is not None:
        query = query.where(c.id > after)
    query = query.order_by(c.id)
    if limit is not None:
        query = query.limit(limit)
    return list(connection.execute(query).mappings())


def _with_points(connection: Any, rows: list[Mapping[str, Any]],
                 id_number_field: str | None) -> list[EngineRecord]:
    records: dict[int, EngineRecord] = {}
    for row in rows:
        birth = row["birth_date"]
        records[row["id"]] = {
            "id": row["id"],
            "kind": row["kind"],
            "name": row["name"],
            "family_name": row["family_name"],
            "given_name": row["given_name"],
            "birth_date": birth.isoformat() if birth else None,
        }
        if id_number_field:
            records[row["id"]]["id_number"] = _text((row["custom"] or {}).get(id_number_field))
    if not records:
        return []
    p = _POINTS.c
    # Primary points first, then by id: the first one seen per kind is the one kept.
    query = (
        select(p.customer_id, p.kind, p.normalized)
        # No ``kind IN`` here: SQLite would then plan on the (kind, normalized) index
        # and read every phone and email in the database; the kinds are few, so filter.
        .where(p.customer_id.in_(list(records)))
        .order_by(p.customer_id, p.is_primary.desc(), p.id)
    )
    for customer_id, kind, normalized in connection.execute(query):
        if kind in _POINT_FIELDS:
            records[customer_id].setdefault(_POINT_FIELDS[kind], normalized)
    return list(records.values())


def load_engine_records(connection: Any, ids: Iterable[int],
                        id_number_field: str | None = None) -> list[EngineRecord]:
    """Engine records of the given (not erased) customers, in id order."""
    out: list[EngineRecord] = []
    for chunk in chunks(sorted(set(ids))):
        out.extend(_with_points(connection, _rows(connection, chunk, None, None),
                                id_number_field))
    return out


def iter_engine_records(connection: Any, *, batch_size: int = 20_000,
                        id_number_field: str | None = None) -> Iterator[list[EngineRecord]]:
    """Every (not erased) customer as engine records, ``batch_size`` at a time by id."""
    after = None
    while True:
        rows = _rows(connection, None, after, batch_size)
        if not rows:
            return
        # The contact points of a batch in chunks (an IN list has a size limit).
        batch: list[EngineRecord] = []
        for part in chunks(rows):
            batch.extend(_with_points(connection, list(part), id_number_field))
        yield batch
        after = rows[-1]["id"]
