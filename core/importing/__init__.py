"""Importing customers and interactions from CSV, Excel (.xlsx) and vCard files.

Every format becomes numbered items (see :mod:`guanxi.importing.rows`), streamed, never
loaded whole; from there on one code path stores them, ``batch_size`` at a time, one
transaction per batch: the customer references of interactions (or a vCard's ORG) are
resolved for the whole batch in a few queries, ``validate_customers``/
``validate_interactions`` sort the rows into good and bad, the good are stored with
``insert_customers``/``insert_interactions`` (one hook per batch) and the bad are
written to the reject file with their position, column and reason.

A bad record does not stop the import: bytes the encoding cannot decode, a quote left
open, more cells than the header, a last line cut short, a cell showing an Excel error,
a card vobject cannot parse or the file ends inside, and every validation error make
that record bad, and the others are stored. Only what makes every record bad or the
file unusable is refused, in one line, before anything is stored: no such file, an
empty file or sheet, a header that cannot be read, a mapping that names a missing
column, no column for a required field (``name``; ``customer`` and ``kind``).

Rows are numbered as a person sees them in a spreadsheet: the header is row 1; cards
from 1. Blank rows are skipped (and keep their number). A cell that is empty or only
whitespace means "not given".

Each real import is recorded as a run (:mod:`guanxi.importing.runs`) that each batch's
transaction moves on; rerunning the same file with the same options after a crash
resumes after the last committed row, and a finished import is refused unless
``again``.

With ``dry_run`` every batch is validated exactly as in a real run, database checks
included, inside a transaction that is rolled back; the rows are not inserted, so no
hook fires (a hook may act outside the database, a message sent or a web hook called,
which no rollback undoes), and no run is recorded. Later batches then cannot see the
rows of earlier ones: an external identity given twice in one file is rejected by a
real run when the two rows fall into different batches, but not by a dry run.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from guanxi.app import App, UnitOfWork
from guanxi.errors import GuanxiError, first_line
from guanxi.importing.csvfile import codec_name, read_csv
from guanxi.importing.mapping import Defaults, load_mapping_file, parse_defaults, parse_mapping
from guanxi.importing.report import (
    CSV,
    CUSTOMERS,
    DEFAULT_BATCH_SIZE,
    EXIT_ABORTED,
    EXIT_NOT_STARTED,
    EXIT_OK,
    EXIT_REJECTED,
    FORMATS,
    INTERACTIONS,
    VCARD,
    XLSX,
    AlreadyImported,
    ImportAborted,
    ImportFileError,
    ImportReport,
    MappingError,
)
from guanxi.importing.rows import Item, Reject, RejectFile, RejectWriter, batches, reject_of
from guanxi.importing.runs import finish_run, identify, record_batch, start_run
from guanxi.importing.tabular import TabularSource, check_options
from guanxi.records import CustomerRecord
from guanxi.services import customers, interactions

__all__ = [
    "CUSTOMERS",
    "DEFAULT_BATCH_SIZE",
    "EXIT_ABORTED",
    "EXIT_NOT_STARTED",
    "EXIT_OK",
    "EXIT_REJECTED",
    "FORMATS",
    "INTERACTIONS",
    "AlreadyImported",
    "ImportAborted",
    "ImportFileError",
    "ImportReport",
    "MappingError",
    "Reject",
    "RejectFile",
    "detect_format",
    "identity_outcomes",
    "import_customers",
    "import_interactions",
    "load_mapping_file",
    "parse_mapping",
    "run_import",
]


class Source(Protocol):
    """A file read as items (:class:`TabularSource` for CSV and Excel, or vCard)."""

    format: str
    total: int
    ignored: list[str]

    def items(self) -> Iterator[Item]:
        """Every record of the file, in order."""

    def column_of(self, item: Item, field_path: str | None) -> str:
        """The column (vCard: property) behind a field a service named."""

    def prepare(self, uow: UnitOfWork, pending: list[Item], rejects: list[Reject]) -> list[Item]:
        """Batch-wide lookups before validation; rejects what they cannot resolve."""

    def reject_writer(self, path: Path, *, append: bool) -> RejectWriter:
        """The reject file of this format."""


_SUFFIXES = {".csv": CSV, ".txt": CSV, ".tsv": CSV, ".xlsx": XLSX, ".xlsm": XLSX}
_SUFFIXES |= {".vcf": VCARD, ".vcard": VCARD, ".xls": XLSX}


def detect_format(path: Path, format: str | None) -> str:
    """``format`` if given, else what the file's suffix says (CSV for anything else)."""
    if format is not None:
        if format not in FORMATS:
            raise MappingError(f"unknown format {format!r} (formats: {', '.join(FORMATS)})")
        return format
    return _SUFFIXES.get(path.suffix.lower(), CSV)


def identity_outcomes(records: Sequence[CustomerRecord]) -> tuple[int, int]:
    """How many validated records link into an existing customer, how many are flagged."""
    linked = sum(1 for r in records if r.link_to is not None)
    flagged = sum(1 for r in records if r.link_to is None and r.duplicate_of)
    return linked, flagged


def _open_source(
    kind: str,
    format: str,
    path: Path,
    *,
    app: App,
    explicit: dict,
    source: str | None,
    encoding: str | None,
    sheet: str | None,
    supplied: set[str],
) -> Source:
    """Read the header (or check the file is a vCard); refusals happen here."""
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    codec = codec_name(encoding)
    if format == VCARD:
        from guanxi.importing.vcard import VCardSource

        return VCardSource(path, codec, source=source)
    if format == XLSX:
        from guanxi.importing.xlsx import read_xlsx

        header, rows, total = read_xlsx(path, sheet)
        # Excel opens a CSV in UTF-8 only with a byte order mark.
        reject_codec = "utf-8-sig"
    else:
        header, rows = read_csv(path, codec)
        total, reject_codec = _line_count(path), codec
    return TabularSource(
        kind,
        format,
        path,
        header,
        rows,
        app=app,
        explicit=explicit,
        source=source,
        total=total,
        reject_codec=reject_codec,
        supplied=supplied,
    )


def _line_count(path: Path) -> int:
    """Rows for the progress bar (lines: a quoted cell may span several)."""
    with open(path, "rb") as handle:
        return max(sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")), 1)


class _DryRun(Exception):
    """Raised inside a dry run's transaction so that it rolls back."""


def _run_batch(
    app: App,
    kind: str,
    reader: Source,
    batch: list[Item],
    report: ImportReport,
    *,
    rows_done: int,
    run_id: int | None,
    as_user: str | None,
) -> list[Reject]:
    """Validate and store one batch in one transaction; count it into ``report``."""
    rejects = [reject_of(item, item.column, item.reason) for item in batch if item.reason]
    pending = [item for item in batch if item.data is not None]
    stored = linked = flagged = 0
    try:
        with app.transaction(as_user=as_user) as uow:
            pending = reader.prepare(uow, pending, rejects)
            # Pairs the identity check queues say they came from an import.
            validate: Callable[..., Any] = functools.partial(
                customers.validate_customers, origin="import"
            )
            insert: Callable[..., Any] = customers.insert_customers
            if kind == INTERACTIONS:
                validate = interactions.validate_interactions
                insert = interactions.insert_interactions
            # Rows rejected above leave gaps in the numbering, so the services number the
            # rows by position (first_row=0) and the position gives back the file's row.
            valid, errors = validate(uow, [item.data for item in pending], first_row=0)
            for error in errors:
                assert error.row is not None
                item = pending[error.row]
                rejects.append(reject_of(item, reader.column_of(item, error.field), error.reason))
            records = [record for _, record in valid]
            stored = len(records)
            if kind == CUSTOMERS:
                linked, flagged = identity_outcomes(records)
            if report.dry_run:
                raise _DryRun
            insert(uow, records)
            if run_id is not None:
                record_batch(
                    uow,
                    run_id,
                    rows_done=rows_done,
                    stored=stored,
                    rejected=len(rejects),
                    linked=linked,
                    flagged=flagged,
                )
    except _DryRun:
        pass
    report.batches += 1
    report.rows += len(batch)
    report.stored += stored
    report.rejected += len(rejects)
    report.linked += linked
    report.flagged += flagged
    return sorted(rejects)


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
    defaults: Mapping[str, Any] | None = None,
    source: str | None = None,
    encoding: str | None = None,
    format: str | None = None,
    sheet: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rejects: Path | str | None = None,
    dry_run: bool = False,
    again: bool = False,
    as_user: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_resume: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a file of ``kind`` (``"customers"`` or ``"interactions"``).

    ``format`` is csv, xlsx or vcard (default: from the suffix); ``sheet`` names the
    Excel sheet (default: the first). ``mapping`` is ``{column: field}`` over the
    default of columns named like fields (an empty field ignores the column);
    ``defaults`` is ``{field: value}`` for the fields a record leaves empty; ``source``
    names the system whose external ids the ``identity`` column (customers), the
    ``customer`` column (interactions) or a vCard's UID holds. Rejected records go to
    ``rejects`` (default: FILE.rejects.csv, or FILE.rejects.vcf for a vCard).
    ``progress(rows done, rows in all)`` is called at the start and after each batch;
    ``on_resume(message)`` says so when an unfinished run resumes.

    Raises :class:`MappingError`, :class:`ImportFileError` or :class:`AlreadyImported`
    with nothing stored, and :class:`ImportAborted` if a batch fails to store (earlier
    batches stay stored, and a rerun resumes after them).
    """
    if batch_size < 1:
        raise MappingError("the batch size must be at least 1")
    path = Path(path)
    format = detect_format(path, format)
    check_options(format, mapping=dict(mapping or {}), sheet=sheet, kind=kind)
    explicit = parse_mapping(kind, mapping or {}, app=app, source=source)
    fill = parse_defaults(kind, defaults or {}, app=app, source=source)
    suffix = ".rejects.vcf" if format == VCARD else ".rejects.csv"
    reject_path = Path(rejects) if rejects is not None else path.with_suffix(suffix)
    if reject_path.resolve() == path.resolve():
        raise ImportFileError(path, "the reject file cannot be the file imported")
    if not os.access(reject_path.parent.resolve(), os.W_OK):
        raise ImportFileError(reject_path, "cannot write the reject file in this folder")
    reader = _open_source(
        kind,
        format,
        path,
        app=app,
        explicit=explicit,
        source=source,
        encoding=encoding,
        sheet=sheet,
        supplied=fill.fields,
    )
    report = ImportReport(
        kind, str(path), dry_run=dry_run, ignored_columns=reader.ignored, format=format
    )
    run_id, resume_after = None, 0
    if not dry_run:
        options = {
            "mapping": dict(mapping or {}),
            "defaults": dict(defaults or {}),
            "source": source,
            "sheet": sheet,
            "encoding": codec_name(encoding),
        }
        run_id, resume_after = start_run(
            app, identify(kind, format, path, options), as_user=as_user, again=again
        )
        report.run_id = run_id
        if resume_after:
            report.resumed_after = resume_after
            if on_resume is not None:
                noun = "card" if format == VCARD else "row"
                on_resume(f"resuming import {run_id} at {noun} {resume_after + 1:,}")
    if progress is not None:
        progress(resume_after, reader.total)
    reject_file = reader.reject_writer(reject_path, append=bool(resume_after))
    items = (_filled(item, fill) for item in reader.items() if item.number > resume_after)
    try:
        for batch, last in batches(items, batch_size):
            try:
                rejected = _run_batch(
                    app,
                    kind,
                    reader,
                    batch,
                    report,
                    rows_done=last,
                    run_id=run_id,
                    as_user=as_user,
                )
            except Exception as exc:  # a plugin's hook may raise anything
                raise ImportAborted(_aborted(kind, batch, report, exc)) from exc
            reject_file.write(rejected)
            if progress is not None:
                progress(last, reader.total)
    finally:
        reject_file.close()
    if run_id is not None:
        finish_run(app, run_id, as_user=as_user)
    if report.rejected or (resume_after and reject_path.exists()):
        report.rejects_path = str(reject_path)
    return report


def _filled(item: Item, fill: Defaults) -> Item:
    if item.data is not None:
        fill.apply(item.data)
    return item


def _aborted(kind: str, batch: list[Item], report: ImportReport, exc: Exception) -> str:
    noun = "cards" if report.format == VCARD else "rows"
    if report.dry_run:
        stored_before = "dry run: nothing was stored"
    else:
        stored_before = (
            f"{report.stored} {kind} of earlier {noun} were stored; run the same import "
            "again to resume after them"
        )
    return (
        f"{noun} {batch[0].number}-{batch[-1].number}: {_failure(exc)} "
        f"(this batch was rolled back; {stored_before})"
    )


def import_customers(app: App, path: Path | str, **options: Any) -> ImportReport:
    """Import customers from a CSV, Excel or vCard file; see :func:`run_import`."""
    return run_import(CUSTOMERS, app, path, **options)


def import_interactions(app: App, path: Path | str, **options: Any) -> ImportReport:
    """Import interactions from a CSV or Excel file; see :func:`run_import`."""
    return run_import(INTERACTIONS, app, path, **options)
