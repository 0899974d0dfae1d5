"""The tables a merge touches, and rows as the merge journal keeps them.

A merge moves every row that points at a retired customer, in the core and in every
enabled plugin, without knowing any of those tables by name: :func:`customer_tables`
finds them in the registered models (foreign keys to ``customer.id``, plus the
``customer_column`` of registered entities for tables without one). Rows are kept in
the journal as JSON, encoded by column type and decoded back exactly
(:func:`encode_row`, :func:`decode_row`), so undo writes back what was there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, DateTime, Numeric, Table, and_, or_, select, tuple_
from sqlalchemy.sql.util import sort_tables

from guanxi.db.chunks import chunks, id_ranges
from guanxi.db.types import Money, Quantity, UTCDateTime

if TYPE_CHECKING:
    from guanxi.app import App

# Bookkeeping that must stay where it is: the audit trail, the merges themselves, the
# retired ids, the review queue (re-pointed on its own terms) and import runs. Match keys
# are derived data: they are rebuilt for the survivor (and after undo), not moved.
NOT_MOVED = frozenset(
    {"audit_log", "customer_merge", "merged_customer", "duplicate_pair", "import_run",
     "customer_match_key"}
)
# Rows that are the same thing twice once both belong to the survivor, although no
# constraint says so: the same email or phone, the same special date.
SAME_ROW_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "contact_point": (("customer_id", "kind", "normalized"),),
    "special_date": (("customer_id", "label", "date"),),
}
# The interaction log can hold 100,000 rows for one customer: it is moved by id ranges,
# never snapshotted (it is append-only, so a merge hook has no business changing it).
LOG_TABLE = "interaction"

Key = tuple[Any, ...]
Row = dict[str, Any]


@dataclass(frozen=True)
class CustomerTable:
    """A table with rows that belong to a customer, and how the merge treats them."""

    table: Table
    columns: tuple[str, ...]  # the columns holding a customer id
    uniques: tuple[tuple[str, ...], ...]  # unique keys that include one of them

    @property
    def name(self) -> str:
        """The table's name."""
        return self.table.name

    @property
    def pk(self) -> tuple[str, ...]:
        """The primary key's column names."""
        return tuple(c.name for c in self.table.primary_key.columns)

    @property
    def int_pk(self) -> bool:
        """Whether the primary key is one integer column that no merge changes.

        Such rows are journalled as id ranges; any other key row by row.
        """
        pk = self.pk
        return (len(pk) == 1 and pk[0] not in self.columns
                and self.table.c[pk[0]].type.python_type is int)

    def key(self, row: Mapping[str, Any]) -> Key:
        """The primary key of a row."""
        return tuple(row[c] for c in self.pk)


def registered_tables(app: App) -> list[Table]:
    """Every table of the app's registered models, referenced tables first."""
    tables: dict[str, Table] = {}
    for registration in app.registry.models:
        for model in registration.tables:
            tables[model.__table__.name] = model.__table__
    return sort_tables(tables.values())  # referenced tables before the tables that refer


def _unique_keys(table: Table) -> list[tuple[str, ...]]:
    keys = [tuple(c.name for c in table.primary_key.columns)]
    for constraint in table.constraints:
        columns = getattr(constraint, "columns", None)
        if type(constraint).__name__ == "UniqueConstraint" and columns is not None:
            keys.append(tuple(c.name for c in columns))
    keys += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    keys += list(SAME_ROW_KEYS.get(table.name, ()))
    return keys


def customer_tables(app: App) -> list[CustomerTable]:
    """Every table whose rows point at a customer, referenced tables first."""
    by_table: dict[str, set[str]] = {}
    for entity in app.access.entities.values():
        if entity.customer_column:
            by_table.setdefault(entity.table.name, set()).add(entity.customer_column)
    found = []
    for table in registered_tables(app):
        columns = set(by_table.get(table.name, ()))
        columns |= {fk.parent.name for fk in table.foreign_keys
                    if fk.column.table.name == "customer" and fk.column.name == "id"}
        if table.name == "customer":
            columns.discard("id")  # the retired rows themselves are deleted, not moved
        if not columns or table.name in NOT_MOVED:
            continue
        ordered = tuple(c.name for c in table.columns if c.name in columns)
        uniques = tuple(k for k in _unique_keys(table) if set(k) & columns)
        found.append(CustomerTable(table, ordered, uniques))
    return found


def referring_columns(app: App, table: Table) -> list[tuple[Table, str, str]]:
    """``(table, column, referred column)`` of every foreign key pointing into ``table``."""
    found = []
    for other in registered_tables(app):
        for fk in other.foreign_keys:
            if fk.column.table.name == table.name:
                found.append((other, fk.parent.name, fk.column.name))
    return found


# --------------------------------------------------------------------------- encoding


def _kind(column: Any) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime | DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Money | Quantity | Numeric):
        return "decimal"
    return "plain"


def encode_value(value: Any) -> Any:
    """A column value as JSON: datetimes and dates in ISO form, decimals as text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode_value(column: Any, value: Any) -> Any:
    """The column value a JSON value of :func:`encode_value` stands for."""
    if value is None:
        return None
    kind = _kind(column)
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return value


def encode_row(row: Mapping[str, Any]) -> Row:
    """A whole row as JSON."""
    return {name: encode_value(value) for name, value in row.items()}


def decode_row(table: Table, row: Mapping[str, Any]) -> Row:
    """A journalled row back in column values (columns the table no longer has are left out)."""
    return {name: decode_value(table.c[name], value) for name, value in row.items()
            if name in table.c}


def encode_key(key: Key) -> list[Any]:
    """A primary key as JSON."""
    return [encode_value(v) for v in key]


def decode_key(ct: CustomerTable, key: Sequence[Any]) -> Key:
    """A journalled primary key back in column values."""
    return tuple(decode_value(ct.table.c[c], v) for c, v in zip(ct.pk, key, strict=True))


# --------------------------------------------------------------------------- reading


def snapshot(connection: Any, ct: CustomerTable, ids: Iterable[int]) -> dict[Key, Row]:
    """Every row of ``ct`` that points at one of ``ids`` (in any customer column), by key."""
    wanted = sorted(set(ids))
    rows: dict[Key, Row] = {}
    for column in ct.columns:
        for part in chunks(wanted):
            query = select(ct.table).where(ct.table.c[column].in_(list(part)))
            for row in connection.execute(query).mappings():
                rows[ct.key(row)] = dict(row)
    return rows


def key_condition(ct: CustomerTable, keys: Sequence[Key]) -> Any:
    """A WHERE condition matching rows by primary key."""
    pk = [ct.table.c[c] for c in ct.pk]
    if len(pk) == 1:
        return pk[0].in_([k[0] for k in keys])
    return tuple_(*pk).in_(list(keys)) if keys else pk[0].is_(None) & pk[0].is_not(None)


def by_keys(ct: CustomerTable, keys: Sequence[Key]) -> Iterator[Any]:
    """Conditions for ``keys`` in slices small enough for one statement each."""
    per = max(1, 900 // max(1, len(ct.pk)))
    for part in chunks(list(keys), per):
        yield key_condition(ct, list(part))


# --------------------------------------------------------------------------- id ranges


ranges = id_ranges  # the journal's name for the shared helper


def range_conditions(column: Any, runs: Sequence[Sequence[int]]) -> Iterator[Any]:
    """Conditions for the ids in ``runs``, a few hundred runs per statement."""
    for part in chunks(list(runs), 400):
        yield or_(*(column == a if a == b else and_(column >= a, column <= b) for a, b in part))
