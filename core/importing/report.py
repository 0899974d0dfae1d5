"""The outcome of an import and the errors that stop one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guanxi.errors import GuanxiError

CUSTOMERS = "customers"
INTERACTIONS = "interactions"
DEFAULT_BATCH_SIZE = 5000
CSV, XLSX, VCARD = "csv", "xlsx", "vcard"
FORMATS = (CSV, XLSX, VCARD)
# Exit statuses of an import (the CLI's too): scripts must tell "some rows need fixing"
# from "nothing happened" and from "stopped half-way".
EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_NOT_STARTED = 2
EXIT_ABORTED = 3
REJECT_COLUMNS = ("_row", "_column", "_reason")


class MappingError(GuanxiError):
    """The mapping (or another option) is wrong: an unknown field, column or encoding."""

    exit_code = EXIT_NOT_STARTED


class ImportFileError(GuanxiError):
    """The file cannot be imported (unreadable or malformed); nothing was stored."""

    exit_code = EXIT_NOT_STARTED

    def __init__(
        self, path: Path | str, reason: str, *, row: int | None = None, column: str | None = None
    ):
        self.path, self.reason, self.row, self.column = str(path), reason, row, column
        where = [self.path]
        if row is not None:
            where.append(f"row {row}" + (f", column {column!r}" if column else ""))
        super().__init__(f"{': '.join(where)}: {reason}")


class ImportAborted(GuanxiError):
    """A batch failed to store (a database or plugin error); earlier batches stayed."""

    exit_code = EXIT_ABORTED


class AlreadyImported(GuanxiError):
    """The same file was imported with the same options before (rerun with ``again``)."""

    exit_code = EXIT_NOT_STARTED


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
    format: str = CSV
    # Of the stored: linked into an existing customer, and stored but queued for review
    # as a possible duplicate (the identity check of new records sets them).
    linked: int = 0
    flagged: int = 0
    run_id: int | None = None  # the import_run row (None for a dry run)
    resumed_after: int | None = None  # the row (vCard: card) a resumed run started after

    @property
    def exit_status(self) -> int:
        """0 when every row was (or would be) stored, 1 when some were rejected."""
        return EXIT_REJECTED if self.rejected else EXIT_OK
