"""Reading every stored customer for the scan, fast: customers and their contact points
as two id-ordered range reads per batch.

:func:`guanxi.identity.customers.iter_engine_records` looks the points of a batch up with
``customer_id IN (…900 ids…) AND kind IN (…)``; with that many parameters SQLite plans
it on the ``(kind, normalized)`` lookup index and reads every phone, email and address
of the database for each slice — quadratic in the number of customers (30 s of a 100,000
customer scan). A whole-table scan knows its batches are contiguous id ranges, so one
``customer_id BETWEEN first AND last`` read per batch, on the customer id index, does.
The records are the same engine records (see :mod:`.customers` for what they hold),
with the birth date as ``YYYYMMDD``.

:func:`prepare_stored` then normalises them as :func:`~guanxi.identity.prepare.prepare`
does, except for what the database already stores normalised — phones (E.164) and
emails (``contact_point.normalized``, made at write by the same functions) and birth
dates (a date column): those are taken as they are, which is a third of the work.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from guanxi.models import ContactPoint, Customer

from .customers import EngineRecord
from .prepare import Prepared, prepare
from .rules import MatchRules

_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
_POINTS = ContactPoint.__table__  # type: ignore[attr-defined]
_POINT_KINDS = frozenset({"phone", "email", "address"})


def iter_all_records(connection: Any, *, batch_size: int = 50_000,
                     id_number_field: str | None = None) -> Iterator[list[EngineRecord]]:
    """Every (not erased) customer as engine records, ``batch_size`` at a time by id."""
    c, p = _CUSTOMERS.c, _POINTS.c
    columns = [c.id, c.kind, c.name, c.family_name, c.given_name, c.birth_date]
    if id_number_field:
        columns.append(c.custom)
    after = -1
    while True:
        rows = connection.execute(select(*columns).where(c.erased_at.is_(None), c.id > after)
                                  .order_by(c.id).limit(batch_size)).all()
        if not rows:
            return
        records: dict[int, EngineRecord] = {}
        for customer_id, kind, name, family, given, birth, *custom in rows:
            record: EngineRecord = {
                "id": customer_id, "kind": kind, "name": name, "family_name": family,
                "given_name": given,
                "birth_date": birth.isoformat().replace("-", "") if birth else None,
            }
            if id_number_field:
                value = (custom[0] or {}).get(id_number_field)
                record["id_number"] = None if value in (None, "") else str(value)
            records[customer_id] = record
        first, last = rows[0].id, rows[-1].id
        add_primary_points(connection, records,
                           (p.customer_id >= first) & (p.customer_id <= last))
        yield list(records.values())
        after = last


def add_primary_points(connection: Any, records: dict[int, dict[str, Any]],
                       condition: Any) -> None:
    """Give each record (by customer id) its primary (else first) phone, email and
    address, reading the points ``condition`` selects on the customer id index.

    The condition must be on ``customer_id`` alone: with a ``kind IN (…)`` beside a long
    id list SQLite reads the points through the ``(kind, normalized)`` index instead —
    every phone and email of the database, for each call.
    """
    p = _POINTS.c
    # Primary points first, then by id: the first one seen per kind is the one kept.
    points = connection.execute(
        select(p.customer_id, p.kind, p.normalized).where(condition)
        .order_by(p.customer_id, p.is_primary.desc(), p.id)).all()
    for customer_id, kind, normalized in points:
        if kind in _POINT_KINDS and customer_id in records:
            records[customer_id].setdefault(kind, normalized)


#: Fields stored in the form :func:`~guanxi.identity.prepare.normalise_value` gives them.
STORED_NORMALISED = ("phone", "email", "birth_date")


def prepare_stored(records: list[EngineRecord], rules: MatchRules) -> Prepared:
    """:func:`~guanxi.identity.prepare.prepare` for records from :func:`iter_all_records`,
    taking the fields stored normalised as they are."""
    wanted = set(rules.fields())
    direct: dict[str, list[str]] = {name: [] for name in STORED_NORMALISED if name in wanted}
    rest = []
    for record in records:
        record = dict(record)
        for name, column in direct.items():
            column.append(record.pop(name, None) or "")
        rest.append(record)
    data = prepare(rest, rules)
    data.columns.update(direct)
    return data
