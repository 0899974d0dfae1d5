"""Reading Excel workbooks (.xlsx): a sheet's rows as cells of text, like a CSV file's.

The workbook is opened read-only (rows streamed, not loaded whole) with the values
Excel last computed (``data_only``: a formula's result, not its text). Typed cells
become the text a person would have typed: a date as an ISO date, a whole number
stored as a float (Excel keeps phone numbers so) without ``.0``, a boolean as
true/false. A cell showing an Excel error (#REF!, #N/A …) makes its row bad.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from guanxi.importing.csvfile import RawRow
from guanxi.importing.report import ImportFileError, MappingError

_EXCEL_ERRORS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
)
# Floats hold whole numbers exactly up to 2**53; past that "no .0" would invent digits.
_EXACT = 2**53


def cell_text(value: Any) -> str:
    """A cell's value as text (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: True is an int too
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)  # text, int, Decimal, timedelta


def read_xlsx(path: Path, sheet: str | None) -> tuple[list[str], Iterator[RawRow], int]:
    """The header (the first non-blank row), the rows after it, and the last row's number.

    Refuses, with nothing read, a file that is no .xlsx workbook, a missing sheet and a
    sheet without a header.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        hint = " (an old .xls? save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        raise ImportFileError(path, f"not an Excel .xlsx workbook{hint}: {exc}") from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            names = ", ".join(repr(name) for name in workbook.sheetnames)
            raise MappingError(f"{path}: no sheet {sheet!r} (sheets: {names})")
        rows = _rows(worksheet)
        first = next((row for row in rows if any(cell.strip() for cell in row[1])), None)
        if first is None:
            raise ImportFileError(path, "no header row (the sheet is empty)", row=1)
    except BaseException:
        workbook.close()
        raise
    number, cells, column, reason = first
    if reason is not None:
        workbook.close()
        raise ImportFileError(path, reason, row=number, column=column or None)
    width = max((i + 1 for i, cell in enumerate(cells) if cell.strip()), default=0)
    return cells[:width], _closing(workbook, rows), worksheet.max_row or number


def _rows(worksheet: Any) -> Iterator[RawRow]:
    for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
        cells = [cell_text(value) for value in values]
        bad = next((i for i, cell in enumerate(cells) if cell in _EXCEL_ERRORS), None)
        if bad is None:
            yield number, cells, "", None
        else:
            yield number, cells, str(bad), f"the cell shows the Excel error {cells[bad]}"


def _closing(workbook: Any, rows: Iterator[RawRow]) -> Iterator[RawRow]:
    try:
        yield from rows
    finally:
        workbook.close()
