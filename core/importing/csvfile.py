"""Reading CSV files: codecs, the header, and rows with their faults.

A fault in one record (bytes the codec cannot decode, a quote left open, more cells
than the header, a last line cut short) makes that record bad, not the file: the
reader reports it with its row number and goes on with the next one. Only a header
that cannot be read refuses the file.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from guanxi.importing.report import ImportFileError, MappingError

# What errors="surrogateescape" makes of bytes the codec cannot decode (see open_text), and
# NUL, which no text column holds (PostgreSQL refuses it) but UTF-16 files are full of.
_UNDECODED = re.compile("[\x00\udc80-\udcff]")
# What a quote left open does to the csv module: it reads on to the end of the file (or
# until the field outgrows the csv module's limit of 128 KiB).
_OPEN_QUOTE = ("end of data", "field larger")

# (row number, cells, column at fault, reason); the reason is None for a good row.
RawRow = tuple[int, list[str], str, str | None]


def codec_name(encoding: str | None) -> str:
    """The codec's canonical name (UTF-8 by default); an unknown one is an error."""
    try:
        name = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        raise MappingError(f"unknown encoding {encoding!r}") from None
    # Excel writes UTF-8 with a byte order mark; utf-8-sig reads files with and without.
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def open_text(path: Path, codec: str) -> IO[str]:
    """Open the file as text for the csv module, keeping undecodable bytes visible."""
    # Undecodable bytes become lone surrogates instead of an exception: the decoder
    # works ahead in blocks, so only the parsed row can tell where the bad bytes are.
    try:
        return open(path, encoding=codec, errors="surrogateescape", newline="")
    except OSError as exc:
        raise ImportFileError(path, f"cannot read it ({exc.strerror})") from None


def read_records(handle: IO[str], path: Path) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of every record, the header being row 1.

    Strict: the first record the csv module cannot parse raises :class:`ImportFileError`
    (for readers that refuse a malformed file whole; the core's import uses
    :func:`read_rows`, which reports such a record and reads on).
    """
    for number, cells, _, reason in read_rows(handle):
        if reason is not None and not cells:
            raise ImportFileError(path, reason, row=number)
        yield number, cells


class _Lines:
    """The file's lines as the csv module reads them, remembering the current record's.

    A record whose quote is never closed swallowed the lines after its first one: they
    are put back (``replay``) and read again as rows of their own.
    """

    def __init__(self, handle: IO[str]):
        self._source = iter(handle)
        self._replay: list[str] = []  # a stack: the next line to read is the last
        self.current: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._replay.pop() if self._replay else next(self._source)
        self.current.append(line)
        return line

    def replay(self, lines: list[str]) -> None:
        """Read ``lines`` again before the rest of the file."""
        self._replay.extend(reversed(lines))


def read_rows(handle: IO[str], *, check_width: bool = False) -> Iterator[RawRow]:
    """Every record with its fault, if any: the header is row 1.

    A record the csv module cannot parse comes with no cells and its first line's text
    in the reason. With ``check_width`` rows are checked against the header: more
    non-empty cells is a fault, and so is a last line with fewer cells and no line end
    (a file cut off mid-record).
    """
    width: int | None = None
    lines = _Lines(handle)
    reader = csv.reader(lines, strict=True)
    number = 0
    while True:
        number += 1
        lines.current = []
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, [], "", _parse_fault(lines, str(exc))
            continue
        yield number, cells, *_row_fault(cells, lines.current, width)
        if check_width and width is None:
            width = len(cells)


def _parse_fault(lines: _Lines, message: str) -> str:
    """The reason a record failed; the lines after its first are read again as rows.

    A record that failed after reading several lines is a quote opened in its first
    line (never closed, or closed by a quote in a later row): those later lines are
    rows of their own, not part of the broken one.
    """
    read = lines.current
    first = read[0].rstrip("\r\n") if read else ""
    lines.replay(read[1:])
    if any(text in message for text in _OPEN_QUOTE) or len(read) > 1:
        return f"a quote opened in this row is never closed: {_excerpt(first)}"
    return f"not valid CSV ({message}): {_excerpt(first)}"


def _row_fault(cells: list[str], read: list[str], width: int | None) -> tuple[str, str | None]:
    if _UNDECODED.search("".join(cells)):
        return _decoding_fault(cells)
    if width is None:
        return "", None
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        extra = ",".join(cell for cell in cells[width:] if cell.strip())
        return (
            "",
            f"{len(cells)} cells but the header has {width} columns (extra: {_excerpt(extra)})",
        )
    if len(cells) < width and read and not read[-1].endswith(("\n", "\r")):
        return "", (
            f"the last row is cut short: {len(cells)} of {width} cells and no line end "
            "(was the file truncated?)"
        )
    return "", None


def _decoding_fault(cells: list[str]) -> tuple[str, str]:
    """The index (as text, for the caller to name) and reason of undecodable content."""
    nul = any("\x00" in cell for cell in cells)
    bad = next(
        i for i, cell in enumerate(cells) if ("\x00" in cell if nul else _UNDECODED.search(cell))
    )
    if nul:
        return str(bad), "a NUL character (a UTF-16 or binary file? give its --encoding)"
    return str(bad), "bytes that are not valid {codec}"


def _excerpt(text: str, limit: int = 60) -> str:
    text = _UNDECODED.sub("?", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decoding_reason(reason: str, codec: str) -> str:
    """A decoding fault's reason with the codec named, and a hint for GB18030 files."""
    name = codec.removesuffix("-sig")
    hint = " (a GB18030 file? give --encoding gb18030)" if name == "utf-8" else ""
    return reason.format(codec=name) + (hint if "{codec}" in reason else "")


def read_csv(path: Path, codec: str) -> tuple[list[str], Iterator[RawRow]]:
    """The header and the rows after it; a header that cannot be read refuses the file."""
    handle = open_text(path, codec)
    rows = read_rows(handle, check_width=True)
    _, header, fault_column, reason = next(rows, (1, [], "", None))
    if reason is not None:
        handle.close()
        if fault_column:  # undecodable: the column's own name is what is broken
            reason = decoding_reason(reason, codec)
        raise ImportFileError(path, reason, row=1)
    if not any(cell.strip() for cell in header):
        handle.close()
        raise ImportFileError(path, "no header row", row=1)
    return header, _rest(handle, rows, codec)


def _rest(handle: IO[str], rows: Iterator[RawRow], codec: str) -> Iterator[RawRow]:
    with handle:
        for number, cells, column, reason in rows:
            if reason is not None and column.isdigit():
                reason = decoding_reason(reason, codec)
            yield number, cells, column, reason
