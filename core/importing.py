"""Importing customers and interactions from CSV files, in batches.

The file is read twice, both times streamed (never loaded whole):

1. :func:`scan` checks the file's *structure* only: it decodes, every record parses,
   no row has more cells than the header, the mapping fits the header. It also counts
   the rows for the progress bar. A malformed file is refused with one error naming
   the row (and the column when known) before anything is stored. Finding the broken
   line only while storing would leave the batches before it committed, and an import
   that half happened is the worst outcome for a person who fixes the file and runs it
   again (every earlier row would then be a duplicate). The csv module does this pass
   far faster than the rows can be validated and stored, so it costs little.
2. The import proper reads ``batch_size`` rows at a time, one transaction per batch:
   the cells become the services' input (:class:`ColumnMapping`), the customer
   references of interactions are resolved for the whole batch in a few queries
   (:func:`match_references`), ``validate_customers``/``validate_interactions`` sort
   the rows into good and bad, the good are stored with ``insert_customers``/
   ``insert_interactions`` (one hook per batch) and the bad are written to the reject
   file with their row number, column and reason.

Rows are numbered as a person sees them in a spreadsheet: the header is row 1. Blank
rows are skipped (and keep their number). A cell that is empty or only whitespace
means "not given".

With ``dry_run`` every batch is validated exactly as in a real run, database checks
included, inside a transaction that is rolled back; the rows are not inserted, so no
hook fires (a hook may act outside the database, a message sent or a web hook called,
which no rollback undoes). Later batches then cannot see the rows of earlier ones: an
external identity given twice in one file is rejected by a real run when the two rows
fall into different batches, but not by a dry run.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from guanxi.app import App, UnitOfWork
from guanxi.errors import GuanxiError, first_line
from guanxi.services import customers, interactions
from guanxi.services.references import match_references

CUSTOMERS = "customers"
INTERACTIONS = "interactions"
DEFAULT_BATCH_SIZE = 5000
# Exit statuses of an import (the CLI's too): scripts must tell "some rows need fixing"
# from "nothing happened" and from "stopped half-way".
EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_NOT_STARTED = 2
EXIT_ABORTED = 3
REJECT_COLUMNS = ("_row", "_column", "_reason")
# Keeps each IN (...) list well under every database's limit on bound parameters.

_SPLIT = re.compile(r"[;|]")
# What errors="surrogateescape" makes of bytes the codec cannot decode (see _open), and
# NUL, which no text column holds (PostgreSQL refuses it) but UTF-16 files are full of.
_UNDECODED = re.compile("[\x00\udc80-\udcff]")
# Spreadsheets in China write dates as 2026/5/1 9:05 or 2026年5月1日; pydantic reads ISO.
_LOOSE_DATE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_CUSTOMER_SCALARS = (
    "name", "kind", "family_name", "given_name", "lifecycle_stage", "owner",
    "organization_id", "gender", "birth_date", "occupation", "preferred_channel", "language",
    "care_notes",
)
# field -> (key of CustomerIn, mode): "split" cells hold several values, "list" cells one.
_CUSTOMER_LISTS = {
    "roles": ("roles", "split"), "tags": ("tags", "split"), "interests": ("interests", "split"),
    "email": ("emails", "split"), "emails": ("emails", "split"),
    "phone": ("phones", "split"), "phones": ("phones", "split"),
    "address": ("addresses", "list"), "addresses": ("addresses", "list"),
}
_INTERACTION_SCALARS = (
    "kind", "channel", "direction", "occurred_at", "actor", "subject", "revenue", "cost",
    "currency", "source",
)
_DATES = ("birth_date", "occurred_at")
_REQUIRED = {CUSTOMERS: ("name",), INTERACTIONS: ("customer", "kind")}
# Modes whose field takes one column; the others collect values from several columns.
_SINGLE = ("scalar", "date", "field", "object", "reference")


class MappingError(GuanxiError):
    """The mapping (or another option) is wrong: an unknown field, column or encoding."""

    exit_code = EXIT_NOT_STARTED


class ImportFileError(GuanxiError):
    """The file cannot be imported (unreadable or malformed); nothing was stored."""

    exit_code = EXIT_NOT_STARTED

    def __init__(self, path: Path | str, reason: str, *, row: int | None = None,
                 column: str | None = None):
        self.path, self.reason, self.row, self.column = str(path), reason, row, column
        where = [self.path]
        if row is not None:
            where.append(f"row {row}" + (f", column {column!r}" if column else ""))
        super().__init__(f"{': '.join(where)}: {reason}")


class ImportAborted(GuanxiError):
    """A batch failed to store (a database or plugin error); earlier batches stayed."""

    exit_code = EXIT_ABORTED


@dataclass
class ImportReport:
    """What an import did; ``stored`` counts what a dry run would have stored."""

    kind: str
    path: str
    rows: int = 0
    stored: int = 0
    rejected: int = 0
    rejects_path: str | None = None  # set only when some row was rejected
    dry_run: bool = False
    batches: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 when every row was (or would be) stored, 1 when some were rejected."""
        return EXIT_REJECTED if self.rejected else EXIT_OK


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class Target:
    """Where one column's cells go in the record handed to the services.

    ``key`` is the input's key (``emails`` for the field ``email``); ``mode`` says how a
    cell is added; ``sub`` is the custom field, payload field or identity source.
    """

    field: str
    key: str
    mode: str
    sub: str | None = None


class _CellError(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def field_names(kind: str, app: App) -> list[str]:
    """The fields a column can be mapped to for ``kind`` (for help and errors)."""
    if kind == CUSTOMERS:
        custom = sorted(app.registry.custom_fields)
        return [*_CUSTOMER_SCALARS, *_CUSTOMER_LISTS, "identity", "identity.SOURCE",
                *custom, "custom.NAME"]
    return ["customer", *_INTERACTION_SCALARS, "payload", "payload.NAME"]


def target_for(kind: str, name: str, *, app: App, source: str | None = None) -> Target:
    """The :class:`Target` of the field ``name``; :class:`MappingError` if unknown."""
    if kind == CUSTOMERS:
        if name in _CUSTOMER_SCALARS:
            return Target(name, name, "date" if name in _DATES else "scalar")
        if name in _CUSTOMER_LISTS:
            return Target(name, *_CUSTOMER_LISTS[name])
        if name == "identity":
            return Target(name, "identities", "identity", source)
        if name.startswith("identity.") and len(name) > len("identity."):
            return Target(name, "identities", "identity", name.removeprefix("identity."))
        custom = name.removeprefix("custom.")
        if custom in app.registry.custom_fields:
            return Target(name, "custom", "field", custom)
    elif kind == INTERACTIONS:
        if name in _INTERACTION_SCALARS:
            return Target(name, name, "date" if name in _DATES else "scalar")
        if name == "customer":
            return Target(name, "customer", "reference")
        if name == "payload":
            return Target(name, "payload", "object")
        if name.startswith("payload.") and len(name) > len("payload."):
            return Target(name, "payload", "field", name.removeprefix("payload."))
    else:
        raise MappingError(f"cannot import {kind!r}: only {CUSTOMERS} or {INTERACTIONS}")
    known = ", ".join(field_names(kind, app))
    raise MappingError(f"unknown field {name!r} (fields of {kind}: {known})")


def load_mapping_file(path: Path | str) -> dict[str, str]:
    """Read a ``{column: field}`` mapping from a .json or .toml file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOML and JSON errors are ValueErrors
        raise MappingError(f"mapping file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise MappingError(f"mapping file {path}: expected an object of column = field")
    return data


def parse_mapping(
    kind: str, mapping: Mapping[str, Any], *, app: App, source: str | None = None
) -> dict[str, Target | None]:
    """Check an explicit ``{column: field}`` mapping; an empty field ignores the column."""
    targets: dict[str, Target | None] = {}
    for column, name in mapping.items():
        if name is not None and not isinstance(name, str):
            raise MappingError(f"column {column!r}: the field must be a name, not {name!r}")
        name = (name or "").strip()
        try:
            target = target_for(kind, name, app=app, source=source) if name else None
        except MappingError as exc:
            raise MappingError(f"mapping of column {column!r}: {exc}") from None
        targets[column.strip()] = target
    return targets


class ColumnMapping:
    """Which column of the file feeds which field; turns a row's cells into input."""

    def __init__(self, columns: list[tuple[int, str, Target]], ignored: list[str]):
        self.columns = columns
        self.ignored = ignored

    @classmethod
    def plan(
        cls, kind: str, header: Sequence[str], *, app: App,
        explicit: Mapping[str, Target | None], source: str | None = None,
    ) -> ColumnMapping:
        """Match the header against the explicit mapping, then against field names.

        An explicitly mapped column must exist; a column not mapped explicitly feeds
        the field it is named after (case does not matter), unless the mapping already
        feeds that field from another column; any other column is ignored.
        """
        names = [cell.strip() for cell in header]
        missing = [column for column in explicit if column not in names]
        if missing:
            raise MappingError(f"the mapping names column {missing[0]!r}, which the header lacks")
        explicit_slots = {_slot(t) for t in explicit.values() if t is not None}
        columns: list[tuple[int, str, Target]] = []
        ignored: list[str] = []
        for index, name in enumerate(names):
            if name in explicit:
                target = explicit[name]
            else:
                target = _default_target(kind, name, app=app, source=source)
                if target is None or (target.mode in _SINGLE and _slot(target) in explicit_slots):
                    if name:
                        ignored.append(name)
                    continue
            if target is not None:
                columns.append((index, name, target))
        _check_columns(columns)
        return cls(columns, ignored)

    def missing(self, kind: str) -> list[str]:
        """The required fields of ``kind`` that no column feeds."""
        mapped = {target.field for _, _, target in self.columns}
        return [name for name in _REQUIRED[kind] if name not in mapped]

    def column_for(self, field_name: str) -> str:
        """The column that feeds ``field_name`` (as named in the mapping), or the name."""
        return next((c for _, c, t in self.columns if t.field == field_name), field_name)

    def convert(self, cells: Sequence[str], origins: dict[str, str] | None = None) -> dict:
        """The service input of one row; ``origins`` collects field path -> column."""
        data: dict[str, Any] = {}
        for index, column, target in self.columns:
            cell = cells[index].strip() if index < len(cells) else ""
            if cell:
                _put(data, target, cell, column, origins)
        return data

    def column_of(self, cells: Sequence[str], field_path: str | None) -> str:
        """The column behind a field a service named in an error (``emails.1`` …).

        Worked out again only for rejected rows, so the common path keeps no origins.
        """
        if not field_path:
            return ""
        origins: dict[str, str] = {}
        with suppress(_CellError):
            self.convert(cells, origins)
        parts = field_path.split(".")
        for end in range(len(parts), 0, -1):
            column = origins.get(".".join(parts[:end]))
            if column:
                return column
        return field_path


def _slot(target: Target) -> tuple[str, str | None]:
    return (target.key, target.sub)


def _default_target(kind: str, name: str, *, app: App, source: str | None) -> Target | None:
    if not name:
        return None
    for candidate in dict.fromkeys((name, name.lower())):
        with suppress(MappingError):
            return target_for(kind, candidate, app=app, source=source)
    return None


def _check_columns(columns: list[tuple[int, str, Target]]) -> None:
    fed: dict[tuple[str, str | None], str] = {}
    seen: set[str] = set()
    for _, column, target in columns:
        if column in seen:
            raise MappingError(f"column {column!r} appears twice in the header")
        seen.add(column)
        if target.mode in _SINGLE:
            if _slot(target) in fed:
                other = fed[_slot(target)]
                raise MappingError(
                    f"columns {other!r} and {column!r} both feed field {target.field!r}"
                )
            fed[_slot(target)] = column


def _put(data: dict, target: Target, cell: str, column: str, origins: dict | None) -> None:
    mode, key = target.mode, target.key
    path = key
    if mode == "scalar" or mode == "reference":
        data[key] = cell
        if mode == "reference" and origins is not None:
            origins["customer_id"] = column  # what validate_interactions names
    elif mode == "date":
        data[key] = _iso_date(cell)
    elif mode in ("split", "list", "identity"):
        items = data.setdefault(key, [])
        start = len(items)
        if mode == "split":
            items.extend(v.strip() for v in _SPLIT.split(cell) if v.strip())
        elif mode == "list":
            items.append(cell)
        else:
            items.append(_identity(target.sub, cell, column))
        if origins is not None:
            origins.setdefault(key, column)
            origins.update({f"{key}.{i}": column for i in range(start, len(items))})
        return
    elif mode == "field":
        data.setdefault(key, {})[target.sub] = _json_cell(cell, column)
        path = f"{key}.{target.sub}"
    else:  # "object": a JSON object; its own payload.NAME columns win over its keys
        value = _json_cell(cell, column)
        if not isinstance(value, dict):
            raise _CellError(column, "is not a JSON object")
        nested = data.setdefault(key, {})
        for name, item in value.items():
            nested.setdefault(name, item)
    if origins is not None:
        origins[path] = column


def _identity(source: str | None, cell: str, column: str) -> dict[str, str]:
    if source is None:
        source, sep, cell = cell.partition(":")
        if not sep or not source.strip() or not cell.strip():
            raise _CellError(column, f"{source + sep + cell!r} is not SOURCE:ID")
    return {"source": source.strip(), "external_id": cell.strip()}


def _json_cell(cell: str, column: str) -> Any:
    """A JSON list or object as such; any other cell stays text for pydantic to read."""
    if not cell.startswith(("[", "{")):
        return cell
    try:
        return json.loads(cell)
    except json.JSONDecodeError as exc:
        raise _CellError(column, f"is not valid JSON ({exc.msg})") from None


def _iso_date(cell: str) -> str:
    match = _LOOSE_DATE.match(cell)
    if match is None:
        return cell
    year, month, day, hour, minute, second = match.groups()
    text = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        text += f" {int(hour):02d}:{minute}:{second or '00'}"
    return text


# --------------------------------------------------------------------------- reading


def _codec(encoding: str | None) -> str:
    try:
        name = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        raise MappingError(f"unknown encoding {encoding!r}") from None
    # Excel writes UTF-8 with a byte order mark; utf-8-sig reads files with and without.
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def _open(path: Path, codec: str) -> IO[str]:
    # Undecodable bytes become lone surrogates instead of an exception: the decoder
    # works ahead in blocks, so only the parsed row can tell where the bad bytes are.
    try:
        return open(path, encoding=codec, errors="surrogateescape", newline="")
    except OSError as exc:
        raise ImportFileError(path, f"cannot read it ({exc.strerror})") from None


def _records(handle: IO[str], path: Path) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of every record, the header being row 1."""
    reader = csv.reader(handle, strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "end of data" in reason or "field larger" in reason:
                reason += " (is a quote left open?)"
            raise ImportFileError(path, reason, row=number) from None
        yield number, cells


@dataclass
class FileScan:
    """The outcome of :func:`scan`: the header, the mapping and the number of rows."""

    header: list[str]
    mapping: ColumnMapping
    rows: int


def scan(
    kind: str, path: Path | str, *, app: App, explicit: Mapping[str, Target | None],
    source: str | None = None, encoding: str | None = None,
) -> FileScan:
    """Check the structure of the whole file, storing nothing (see the module docstring).

    Raises :class:`ImportFileError` naming the first bad row: undecodable bytes, a
    record the csv module cannot parse (an unterminated quote, a stray one), more
    non-empty cells than the header has columns, or a missing required column.
    """
    path = Path(path)
    codec = _codec(encoding)
    with _open(path, codec) as handle:
        records = _records(handle, path)
        number, header = next(records, (1, []))
        if not any(cell.strip() for cell in header):
            raise ImportFileError(path, "no header row", row=1)
        _check_decoded(path, codec, 1, header, header)
        mapping = ColumnMapping.plan(kind, header, app=app, explicit=explicit, source=source)
        missing = mapping.missing(kind)
        if missing:
            raise ImportFileError(
                path, f"no {missing[0]!r} column (map one with --map COLUMN={missing[0]})", row=1
            )
        width = len(header)
        for number, cells in records:
            _check_decoded(path, codec, number, cells, header)
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                raise ImportFileError(
                    path, f"{len(cells)} cells but the header has {width} columns", row=number
                )
    return FileScan(header, mapping, number - 1)


def _check_decoded(
    path: Path, codec: str, number: int, cells: list[str], header: list[str]
) -> None:
    if _UNDECODED.search("".join(cells)) is None:
        return
    nul = any("\x00" in cell for cell in cells)
    bad = next(
        i for i, cell in enumerate(cells) if ("\x00" in cell if nul else _UNDECODED.search(cell))
    )
    name = codec.removesuffix("-sig")
    if nul:
        reason = "a NUL character (a UTF-16 or binary file? give its --encoding)"
    else:
        hint = " (a GB18030 file? give --encoding gb18030)" if name == "utf-8" else ""
        reason = f"bytes that are not valid {name}{hint}"
    # In the header the column's own name is what is broken.
    column = header[bad].strip() if number > 1 and bad < len(header) else None
    raise ImportFileError(path, reason, row=number, column=column)


def _batches(
    records: Iterable[tuple[int, list[str]]], size: int
) -> Iterator[tuple[list[tuple[int, list[str]]], int]]:
    """Batches of non-blank rows, each with the number of the last row read."""
    batch: list[tuple[int, list[str]]] = []
    number = 1
    for number, cells in records:
        if any(cell.strip() for cell in cells):
            batch.append((number, cells))
            if len(batch) >= size:
                yield batch, number
                batch = []
    if batch:
        yield batch, number


# --------------------------------------------------------------------------- importing


@dataclass(frozen=True, order=True)
class Reject:
    """A row that was not stored: its number, the column at fault and why."""

    row: int
    column: str
    reason: str
    cells: tuple[str, ...] = field(compare=False)


class _RejectFile:
    """The reject file, created on the first rejected row only."""

    def __init__(self, path: Path, header: list[str], codec: str):
        self.path, self.header, self.codec = path, header, codec
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def write(self, rejects: Iterable[Reject]) -> None:
        try:
            for reject in rejects:
                self._write(reject)
        except OSError as exc:
            raise ImportAborted(f"cannot write the reject file {self.path}: {exc}") from exc

    def _write(self, reject: Reject) -> None:
        if self._writer is None:
            # The input's encoding, so the fixed rows import with the same options.
            self._handle = open(  # noqa: SIM115 (closed by close())
                self.path, "w", encoding=self.codec, errors="replace", newline=""
            )
            self._writer = csv.writer(self._handle)
            self._writer.writerow([*self.header, *REJECT_COLUMNS])
        width = len(self.header)
        cells = [*reject.cells[:width], *[""] * (width - len(reject.cells))]
        self._writer.writerow([*cells, reject.row, reject.column, reject.reason])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


class _DryRun(Exception):
    """Raised inside a dry run's transaction so that it rolls back."""


def _convert(
    mapping: ColumnMapping, batch: list[tuple[int, list[str]]], rejects: list[Reject]
) -> list[tuple[int, list[str], dict]]:
    pending = []
    for number, cells in batch:
        try:
            pending.append((number, cells, mapping.convert(cells)))
        except _CellError as exc:
            rejects.append(Reject(number, exc.column, exc.reason, tuple(cells)))
    return pending


def _resolve_customers(
    uow: UnitOfWork, mapping: ColumnMapping, pending: list[tuple[int, list[str], dict]],
    rejects: list[Reject], source: str | None,
) -> list[tuple[int, list[str], dict]]:
    """Replace each row's ``customer`` reference by ``customer_id``; reject the rest."""
    column = mapping.column_for("customer")
    matches = match_references(uow, {d["customer"] for _, _, d in pending if "customer" in d},
                               source=source)
    kept = []
    for number, cells, data in pending:
        reference = data.pop("customer", None)
        ids = matches.get(reference, set()) if reference is not None else set()
        label = f"{source}:{reference}" if source else reference
        if len(ids) == 1:
            data["customer_id"] = next(iter(ids))
            kept.append((number, cells, data))
            continue
        if reference is None:
            reason = "is empty: name the customer by id, email, phone or SOURCE:ID"
        elif not ids:
            reason = f"no customer matches {label!r}"
        else:
            listed = ", ".join(str(i) for i in sorted(ids)[:5])
            reason = f"{label!r} matches {len(ids)} customers ({listed})"
        rejects.append(Reject(number, column, reason, tuple(cells)))
    return kept


def _run_batch(
    app: App, kind: str, mapping: ColumnMapping, batch: list[tuple[int, list[str]]], *,
    source: str | None, dry_run: bool, actor_id: int | None,
) -> tuple[int, list[Reject]]:
    """Validate and store one batch in one transaction; return stored count and rejects."""
    rejects: list[Reject] = []
    pending = _convert(mapping, batch, rejects)
    stored = 0
    try:
        with app.transaction(actor_id=actor_id) as uow:
            validate: Callable[..., Any] = customers.validate_customers
            insert: Callable[..., Any] = customers.insert_customers
            if kind == INTERACTIONS:
                pending = _resolve_customers(uow, mapping, pending, rejects, source)
                validate = interactions.validate_interactions
                insert = interactions.insert_interactions
            # Rows rejected above leave gaps in the numbering, so the services number the
            # rows by position (first_row=0) and the position gives back the file's row.
            valid, errors = validate(uow, [data for _, _, data in pending], first_row=0)
            for error in errors:
                assert error.row is not None
                number, cells, _ = pending[error.row]
                column = mapping.column_of(cells, error.field)
                rejects.append(Reject(number, column, error.reason, tuple(cells)))
            stored = len(valid)
            if dry_run:
                raise _DryRun
            insert(uow, [record for _, record in valid])
    except _DryRun:
        pass
    return stored, sorted(rejects)


def _failure(exc: Exception) -> str:
    """One line for an error that stopped a batch (the driver's own for the database)."""
    if isinstance(exc, GuanxiError):
        return str(exc)
    label = "database error" if isinstance(exc, SQLAlchemyError) else type(exc).__name__
    return f"{label}: {first_line(exc)}"


def run_import(
    kind: str,
    app: App,
    path: Path | str,
    *,
    mapping: Mapping[str, Any] | None = None,
    source: str | None = None,
    encoding: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rejects: Path | str | None = None,
    dry_run: bool = False,
    actor_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a CSV file of ``kind`` (``"customers"`` or ``"interactions"``).

    ``mapping`` is ``{column: field}`` over the default of columns named like fields (an
    empty field ignores the column); ``source`` names the system whose external ids the
    ``identity`` column (customers) or the ``customer`` column (interactions) holds.
    Rejected rows go to ``rejects`` (default: FILE.rejects.csv beside the file).
    ``progress(rows done, rows in all)`` is called after the scan and each batch.

    Raises :class:`MappingError` or :class:`ImportFileError` with nothing stored, and
    :class:`ImportAborted` if a batch fails to store (earlier batches stay stored).
    """
    if batch_size < 1:
        raise MappingError("the batch size must be at least 1")
    path = Path(path)
    explicit = parse_mapping(kind, mapping or {}, app=app, source=source)
    reject_path = Path(rejects) if rejects is not None else path.with_suffix(".rejects.csv")
    if reject_path.resolve() == path.resolve():
        raise ImportFileError(path, "the reject file cannot be the file imported")
    if not os.access(reject_path.parent.resolve(), os.W_OK):
        raise ImportFileError(reject_path, "cannot write the reject file in this folder")
    checked = scan(kind, path, app=app, explicit=explicit, source=source, encoding=encoding)
    report = ImportReport(kind, str(path), dry_run=dry_run, ignored_columns=checked.mapping.ignored)
    if progress is not None:
        progress(0, checked.rows)
    codec = _codec(encoding)
    reject_file = _RejectFile(reject_path, checked.header, codec)
    try:
        with _open(path, codec) as handle:
            records = _records(handle, path)
            next(records)  # the header, checked by the scan
            for batch, last in _batches(records, batch_size):
                try:
                    stored, rejected = _run_batch(
                        app, kind, checked.mapping, batch, source=source, dry_run=dry_run,
                        actor_id=actor_id,
                    )
                except Exception as exc:  # a plugin's hook may raise anything
                    stored_before = (
                        "dry run: nothing was stored" if dry_run
                        else f"{report.stored} {kind} of earlier rows were stored"
                    )
                    raise ImportAborted(
                        f"rows {batch[0][0]}-{batch[-1][0]}: {_failure(exc)} "
                        f"(this batch was rolled back; {stored_before})"
                    ) from exc
                reject_file.write(rejected)
                report.batches += 1
                report.rows += len(batch)
                report.stored += stored
                report.rejected += len(rejected)
                if progress is not None:
                    progress(last - 1, checked.rows)
    finally:
        reject_file.close()
    if report.rejected:
        report.rejects_path = str(reject_path)
    return report


def import_customers(app: App, path: Path | str, **options: Any) -> ImportReport:
    """Import customers from a CSV file; see :func:`run_import` for the options."""
    return run_import(CUSTOMERS, app, path, **options)


def import_interactions(app: App, path: Path | str, **options: Any) -> ImportReport:
    """Import interactions from a CSV file; see :func:`run_import` for the options."""
    return run_import(INTERACTIONS, app, path, **options)
