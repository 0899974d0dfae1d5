"""CSV and Excel files as items: one code path from "rows of cells" on.

The header names the columns; :class:`~guanxi.importing.mapping.ColumnMapping` turns
each row's cells into the services' input. A fault the reader found (bad bytes, a
broken record, an Excel error) or a cell the mapping cannot read makes the row bad.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from guanxi.app import App, UnitOfWork
from guanxi.importing.csvfile import RawRow
from guanxi.importing.mapping import CellError, ColumnMapping, Target
from guanxi.importing.report import INTERACTIONS, ImportFileError, MappingError
from guanxi.importing.rows import Item, Reject, RejectFile, RejectWriter, reject_of
from guanxi.services.references import match_references


class TabularSource:
    """The items of a CSV file or an Excel sheet (``format`` says which)."""

    def __init__(
        self,
        kind: str,
        format: str,
        path: Path,
        header: list[str],
        rows: Iterator[RawRow],
        *,
        app: App,
        explicit: dict[str, Target | None],
        source: str | None,
        total: int,
        reject_codec: str,
        supplied: set[str] | frozenset[str] = frozenset(),
    ):
        self.kind, self.format, self.header, self.total = kind, format, header, total
        self._rows, self._source, self._reject_codec = rows, source, reject_codec
        self.mapping = ColumnMapping.plan(kind, header, app=app, explicit=explicit, source=source)
        missing = self.mapping.missing(kind, supplied)
        if missing:
            raise ImportFileError(
                path, f"no {missing[0]!r} column (map one with --map COLUMN={missing[0]})", row=1
            )
        self.ignored = self.mapping.ignored

    def items(self) -> Iterator[Item]:
        """Every row after the header, converted or with its fault."""
        for number, cells, column, reason in self._rows:
            item = Item(number, tuple(cells))
            if reason is not None:
                item.column, item.reason = self._column_name(column), reason
            elif not any(cell.strip() for cell in cells):
                item.blank = True
            else:
                try:
                    item.data = self.mapping.convert(cells)
                except CellError as exc:
                    item.column, item.reason = exc.column, exc.reason
            yield item

    def _column_name(self, column: str) -> str:
        """A reader names a column by its index; the reject file by its header name."""
        if column.isdigit() and int(column) < len(self.header):
            return self.header[int(column)].strip()
        return column

    def column_of(self, item: Item, field_path: str | None) -> str:
        """The column behind a field a service named in an error."""
        return self.mapping.column_of(item.raw, field_path)

    def prepare(self, uow: UnitOfWork, pending: list[Item], rejects: list[Reject]) -> list[Item]:
        """Interactions: each row's ``customer`` reference becomes ``customer_id``."""
        if self.kind != INTERACTIONS:
            return pending
        return resolve_customers(
            uow, self.mapping.column_for("customer"), pending, rejects, self._source
        )

    def reject_writer(self, path: Path, *, append: bool) -> RejectWriter:
        """The CSV reject file: this file's columns, then row, column and reason."""
        return RejectFile(path, self.header, self._reject_codec, append=append)


def resolve_customers(
    uow: UnitOfWork, column: str, pending: list[Item], rejects: list[Reject], source: str | None
) -> list[Item]:
    """Replace each item's ``customer`` reference by ``customer_id``; reject the rest."""
    matches = match_references(
        uow,
        {item.data["customer"] for item in pending if item.data and "customer" in item.data},
        source=source,
    )
    kept = []
    for item in pending:
        assert item.data is not None
        reference = item.data.pop("customer", None)
        ids = matches.get(reference, set()) if reference is not None else set()
        label = f"{source}:{reference}" if source else reference
        if len(ids) == 1:
            item.data["customer_id"] = next(iter(ids))
            kept.append(item)
            continue
        if reference is None:
            reason = "is empty: name the customer by id, email, phone or SOURCE:ID"
        elif not ids:
            reason = f"no customer matches {label!r}"
        else:
            listed = ", ".join(str(i) for i in sorted(ids)[:5])
            reason = f"{label!r} matches {len(ids)} customers ({listed})"
        rejects.append(reject_of(item, column, reason))
    return kept


def check_options(format: str, *, mapping: dict, sheet: str | None, kind: str) -> None:
    """Refuse options that do not apply to ``format``."""
    if sheet is not None and format != "xlsx":
        raise MappingError("--sheet applies to Excel (.xlsx) files only")
    if format == "vcard":
        if mapping:
            raise MappingError("a vCard has no columns to map: --map applies to CSV and Excel")
        if kind == INTERACTIONS:
            raise MappingError("a vCard holds contacts: import it with 'import customers'")
