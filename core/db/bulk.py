"""Batch inserts that stay close to the driver's own ``executemany`` speed.

The ORM unit of work, and even Core ``insert()`` with a list of dicts, spend more time
per row in Python than SQLite spends storing it. Bulk paths therefore compile the
INSERT once per table, convert values with the columns' own bind processors (so what is
stored is exactly what the ORM would store) and hand plain tuples to the driver.
See docs/decisions/0003-bulk-writes.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from decimal import Decimal
from functools import cache
from json.encoder import encode_basestring_ascii
from operator import attrgetter, itemgetter
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import JSON, Column, Connection, Dialect, Insert, Table, func, select, text

_Prepared = tuple[
    str, bool, list[str], "Callable[[Sequence[Any]], Sequence[Any]] | None",
    list[tuple[int, Callable[[Any], Any]]],
]


def _prepare(
    dialect: Dialect, table: Table, columns: tuple[str, ...], bound: frozenset[str],
    statement: Insert,
) -> _Prepared:
    """Compile ``statement`` for ``columns``: its SQL, parameter style and order, and the
    value converters of the columns that need one."""
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    positional = bool(compiled.positional)
    # The compiled statement names its parameters in its own order.
    names = list(compiled.positiontup or []) if positional else list(columns)
    index = {name: i for i, name in enumerate(columns)}
    order = [index[name] for name in names]
    # Rows come in the order of ``columns``; reorder only if the statement differs.
    reorder = None if order == list(range(len(columns))) else _picker(order)
    processors = [
        None if name in bound else bulk_bind_processor(table.c[name].type, dialect)
        for name in names
    ]
    # Only the columns whose type converts values cost anything per row.
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    return compiled.string, positional, names, reorder, converting


@functools.lru_cache(maxsize=512)
def _prepare_plain(
    dialect: Dialect, table: Table, columns: tuple[str, ...], bound: frozenset[str]
) -> _Prepared:
    """:func:`_prepare` of a plain INSERT into ``table``, remembered."""
    return _prepare(dialect, table, columns, bound, table.insert())


class BulkInserter:
    """Insert many rows of fixed columns into one table through ``executemany``."""

    def __init__(
        self,
        connection: Connection,
        table: Table,
        columns: Sequence[str],
        *,
        statement: Insert | None = None,
        bound: Iterable[str] = (),
    ):
        """Prepare ``statement`` (default: a plain INSERT into ``table``) for ``columns``.

        An upsert built with the dialect's ``insert().on_conflict_do_update()`` works
        too, as long as its parameters are exactly ``columns``. Values of the ``bound``
        columns come already converted (by :func:`bulk_bind_processor`), so they are
        passed on as they are.
        """
        self.connection = connection
        self.table = table
        self.columns = list(columns)
        key = (connection.dialect, table, tuple(self.columns), frozenset(bound))
        # A plain INSERT is the same for every batch of a table and columns: compile it
        # once per dialect (small batches — one logged call, one audit entry — would
        # otherwise spend most of their time compiling).
        prepared = _prepare_plain(*key) if statement is None else _prepare(*key, statement)
        self.sql, self.positional, self._names, self._reorder, self._processors = prepared

    def _convert(self, rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Rows in the statement's parameter order, each value through its processor.

        A value that is the very object converted just before in the same column (the
        batch's ``now``, a shared default) reuses that result, if it is immutable; so
        does an empty list or dict after another (``interests``, ``custom``).
        """
        reorder = self._reorder
        processors = self._processors
        last_in: list[Any] = [_NOTHING] * len(processors)
        last_out: list[Any] = [None] * len(processors)
        converted = []
        for row in rows:
            values = list(row if reorder is None else reorder(row))
            for k, (position, process) in enumerate(processors):
                value = values[position]
                if value is None:
                    continue
                kind = type(value)
                reusable = kind in IMMUTABLE_TYPES
                if not reusable and not value and kind in EMPTY_CONTAINERS:
                    value = EMPTY_CONTAINERS[kind]  # every empty list (dict) converts alike
                    reusable = True
                if value is last_in[k]:
                    values[position] = last_out[k]
                    continue
                values[position] = result = process(value)
                if reusable:
                    last_in[k], last_out[k] = value, result
            converted.append(tuple(values))
        return converted

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in the order of ``columns``); return how many."""
        converted = self._convert(rows)
        if not converted:
            return 0
        params: list[Any] = (
            converted
            if self.positional
            else [dict(zip(self._names, values, strict=True)) for values in converted]
        )
        self.connection.exec_driver_sql(self.sql, params)
        return len(converted)


def bulk_bind_processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processor, or its faster bulk equivalent where it has one.

    Types may offer ``bulk_bind_processor(dialect)`` (``UTCDateTime``, ``Money``): the
    same stored values for the common inputs, without the general machinery; a test
    compares the two.
    """
    fast = getattr(column_type, "bulk_bind_processor", None)
    if fast is not None:
        return fast(dialect)
    impl = column_type.dialect_impl(dialect)
    full = impl.bind_processor(dialect)
    if isinstance(impl, JSON) and full is not None:
        return _json_bind_processor(impl, dialect, full)
    return full


def _json_bind_processor(
    impl: JSON, dialect: Any, full: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    """``JSON``'s bind processor with ``json.dumps`` made once, for dicts and lists.

    ``json.dumps(value)`` with its defaults builds a C encoder per call through two
    Python methods; this keeps one such encoder, made with the same arguments, so the
    text is the same. Only on SQLite, which stores the serializer's text as it is, and
    without a custom ``json_serializer``; any value the encoder refuses goes through the
    full processor (and its errors).
    """
    if (
        dialect.name != "sqlite"
        or getattr(dialect, "_json_serializer", None) is not None
        or impl._str_impl.bind_processor(dialect) is not None
    ):
        return full
    make = json.encoder.c_make_encoder  # type: ignore[attr-defined]
    if make is None:  # a Python without the C accelerator
        return full
    default = json.JSONEncoder().default

    def encoder() -> Any:
        # json.JSONEncoder.iterencode's arguments for json.dumps' defaults.
        return make({}, default, encode_basestring_ascii, None, ": ", ", ", False, False, True)

    current = [encoder()]
    join = "".join

    def process(value: Any) -> Any:
        kind = type(value)
        if kind is dict or kind is list:
            try:
                return join(current[0](value, 0))
            except Exception:
                current[0] = encoder()  # its circular-reference markers may be left over
        return full(value)

    return process


R = TypeVar("R")
P = ParamSpec("P")
_NOTHING = object()
# Values whose conversion can be reused when the same object comes again.
IMMUTABLE_TYPES = frozenset({str, int, float, bool, bytes, Decimal, dt.datetime, dt.date, dt.time})
# One shared stand-in per container type for its empty values (never handed out).
EMPTY_CONTAINERS: dict[type, Any] = {list: [], dict: {}}


def _picker(order: list[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    if len(order) == 1:  # itemgetter of one index returns the value, not a tuple
        only = order[0]
        return lambda row: (row[only],)
    return itemgetter(*order)


def set_ids(records: Sequence[R], ids: Sequence[int]) -> list[R]:
    """Set ``id`` on frozen dataclass ``records`` in place, one id each; return them.

    Only for records the caller has just built and nobody else holds yet (a batch
    validated inside the same call): a frozen record is then still being finished.
    Records that came from elsewhere are copied with :func:`with_ids` instead.
    """
    setter = object.__setattr__
    for record, new_id in zip(records, ids, strict=True):
        setter(record, "id", new_id)
    return list(records)


def with_ids(records: Sequence[R], ids: Sequence[int]) -> list[R]:
    """Copies of frozen dataclass ``records`` with ``id`` set, one id each, in order.

    The same as ``dataclasses.replace(record, id=i)`` at half the cost: one C-level
    ``attrgetter`` call reads every field, and the class is called with them positionally.
    """
    copies: list[R] = []
    for record, new_id in zip(records, ids, strict=True):
        # Plain ``type``: mypy takes ``type[R]`` for unhashable (python/mypy#20409).
        cls: type = type(record)
        read, position = _fields_of(cls)
        values = list(read(record))
        values[position] = new_id
        copies.append(cls(*values))
    return copies


@cache
def _fields_of(cls: type) -> tuple[Callable[[Any], tuple[Any, ...]], int]:
    names = [f.name for f in fields(cls)]
    if not all(f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__} has fields its constructor does not take")
    return attrgetter(*names), names.index("id")


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Reserve ``count`` primary keys for ``table`` before a bulk insert.

    Knowing the ids up front lets child rows (contact points, identities) go in the
    same batch without a RETURNING round trip per row. On SQLite every write
    transaction holds the database write lock from BEGIN IMMEDIATE, so ``max(id)+1`` is
    safe; on PostgreSQL the table's own sequence hands out the numbers.
    """
    if count <= 0:
        return []
    if connection.dialect.name == "sqlite":
        start = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return list(range(int(start) + 1, int(start) + 1 + count))
    rows = connection.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    )
    return [int(r[0]) for r in rows]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (if it runs at all).

    A batch allocates a few objects per row and frees nearly all of them by reference
    counting; the collector, triggered every 700 net allocations, meanwhile rescans the
    batch's live rows and records again and again (about a tenth of a customer batch's
    time). Cycles made during the block are collected after it. Nested and concurrent
    blocks are harmless: only the block that paused the collector restarts it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_gc(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a batch function to run with :func:`gc_paused`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return function(*args, **kwargs)

    return wrapper


def existing_ids(connection: Connection, column: Column[Any], ids: Iterable[int]) -> set[int]:
    """Which of the integer ``ids`` are values of ``column`` (a key of its table).

    On SQLite the ids go as one JSON array read by ``json_each``: one statement per
    batch, nothing compiled per call. Elsewhere, ``IN`` queries in chunks.
    """
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return set()
    table = column.table.name
    if connection.dialect.name == "sqlite":
        sql = (
            f'SELECT "{column.name}" FROM "{table}" '
            f'WHERE "{column.name}" IN (SELECT value FROM json_each(?))'
        )
        array = "[" + ",".join(map(str, wanted)) + "]"
        return {v for (v,) in connection.exec_driver_sql(sql, (array,))}
    found: set[int] = set()
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        found |= {v for (v,) in connection.execute(select(column).where(column.in_(chunk)))}
    return found
