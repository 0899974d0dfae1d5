"""Reading CSV files: codecs, the structure scan and batches of rows."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from guanxi.app import App
from guanxi.importing.mapping import ColumnMapping, Target
from guanxi.importing.report import ImportFileError, MappingError

# What errors="surrogateescape" makes of bytes the codec cannot decode (see open_text), and
# NUL, which no text column holds (PostgreSQL refuses it) but UTF-16 files are full of.
_UNDECODED = re.compile("[\x00\udc80-\udcff]")


# --------------------------------------------------------------------------- reading


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
    kind: str,
    path: Path | str,
    *,
    app: App,
    explicit: Mapping[str, Target | None],
    source: str | None = None,
    encoding: str | None = None,
) -> FileScan:
    """Check the structure of the whole file, storing nothing (see the module docstring).

    Raises :class:`ImportFileError` naming the first bad row: undecodable bytes, a
    record the csv module cannot parse (an unterminated quote, a stray one), more
    non-empty cells than the header has columns, or a missing required column.
    """
    path = Path(path)
    codec = codec_name(encoding)
    with open_text(path, codec) as handle:
        records = read_records(handle, path)
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


def batches(
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
