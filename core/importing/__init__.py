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

import csv
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from guanxi.app import App, UnitOfWork
from guanxi.errors import GuanxiError, first_line
from guanxi.importing.csvfile import batches, codec_name, open_text, read_records, scan
from guanxi.importing.mapping import CellError, ColumnMapping, load_mapping_file, parse_mapping
from guanxi.importing.report import (
    CUSTOMERS,
    DEFAULT_BATCH_SIZE,
    EXIT_ABORTED,
    EXIT_NOT_STARTED,
    EXIT_OK,
    EXIT_REJECTED,
    INTERACTIONS,
    REJECT_COLUMNS,
    ImportAborted,
    ImportFileError,
    ImportReport,
    MappingError,
)

__all__ = [
    "CUSTOMERS",
    "DEFAULT_BATCH_SIZE",
    "EXIT_ABORTED",
    "EXIT_NOT_STARTED",
    "EXIT_OK",
    "EXIT_REJECTED",
    "INTERACTIONS",
    "ImportAborted",
    "ImportFileError",
    "ImportReport",
    "MappingError",
    "import_customers",
    "import_interactions",
    "load_mapping_file",
    "parse_mapping",
    "run_import",
    "scan",
]
from guanxi.services import customers, interactions
from guanxi.services.references import match_references

# --------------------------------------------------------------------------- importing


@dataclass(frozen=True, order=True)
class Reject:
    """A row that was not stored: its number, the column at fault and why."""

    row: int
    column: str
    reason: str
    cells: tuple[str, ...] = field(compare=False)


class RejectFile:
    """The reject file, created on the first rejected row only: the input's columns, then
    row, column and reason. Plugins' importers use it too, so every reject file reads
    the same."""

    def __init__(self, path: Path, header: list[str], codec: str):
        self.path, self.header, self.codec = path, header, codec
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def write(self, rejects: Iterable[Reject]) -> None:
        """Append rejected rows; an unwritable file aborts the import in one line."""
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
        """Close the file if a row was written."""
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
        except CellError as exc:
            rejects.append(Reject(number, exc.column, exc.reason, tuple(cells)))
    return pending


def _resolve_customers(
    uow: UnitOfWork,
    mapping: ColumnMapping,
    pending: list[tuple[int, list[str], dict]],
    rejects: list[Reject],
    source: str | None,
) -> list[tuple[int, list[str], dict]]:
    """Replace each row's ``customer`` reference by ``customer_id``; reject the rest."""
    column = mapping.column_for("customer")
    matches = match_references(
        uow, {d["customer"] for _, _, d in pending if "customer" in d}, source=source
    )
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
    app: App,
    kind: str,
    mapping: ColumnMapping,
    batch: list[tuple[int, list[str]]],
    *,
    source: str | None,
    dry_run: bool,
    as_user: str | None,
) -> tuple[int, list[Reject]]:
    """Validate and store one batch in one transaction; return stored count and rejects."""
    rejects: list[Reject] = []
    pending = _convert(mapping, batch, rejects)
    stored = 0
    try:
        with app.transaction(as_user=as_user) as uow:
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
    as_user: str | None = None,
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
    codec = codec_name(encoding)
    reject_file = RejectFile(reject_path, checked.header, codec)
    try:
        with open_text(path, codec) as handle:
            records = read_records(handle, path)
            next(records)  # the header, checked by the scan
            for batch, last in batches(records, batch_size):
                try:
                    stored, rejected = _run_batch(
                        app,
                        kind,
                        checked.mapping,
                        batch,
                        source=source,
                        dry_run=dry_run,
                        as_user=as_user,
                    )
                except Exception as exc:  # a plugin's hook may raise anything
                    stored_before = (
                        "dry run: nothing was stored"
                        if dry_run
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
