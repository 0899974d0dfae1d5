"""What every file format becomes before validation: numbered items, batches, rejects.

A reader (CSV, Excel, vCard) turns its file into :class:`Item` objects in file order:
each has its position (row number, or card number for vCard), the raw content that goes
back to the reject file, and either the service input or the reason it is bad. From
there on one code path validates, stores and reports them, whatever the format.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from guanxi.importing.report import REJECT_COLUMNS, ImportAborted


@dataclass(slots=True)
class Item:
    """One record of the file: a row of cells or a vCard."""

    number: int  # the row (header = row 1) or the card (first card = 1)
    raw: tuple[str, ...]  # the cells, or the card's lines, for the reject file
    data: dict[str, Any] | None = None  # the service input; None when bad or blank
    column: str = ""  # the column (vCard: property) at fault
    reason: str | None = None  # why it is bad before validation
    line: int | None = None  # vCard: the line the card starts on
    blank: bool = False  # a blank row: skipped, but its number counts


@dataclass(frozen=True, order=True)
class Reject:
    """A record that was not stored: its number, the column at fault and why."""

    row: int
    column: str
    reason: str
    cells: tuple[str, ...] = field(compare=False)
    line: int | None = field(default=None, compare=False)


def reject_of(item: Item, column: str, reason: str) -> Reject:
    """The reject of ``item``: at ``column`` for ``reason``."""
    return Reject(item.number, column, reason, item.raw, item.line)


def batches(items: Iterable[Item], size: int) -> Iterator[tuple[list[Item], int]]:
    """Batches of non-blank items, each with the number of the last item read."""
    batch: list[Item] = []
    number = 0
    for item in items:
        number = item.number
        if item.blank:
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch, number
            batch = []
    if batch:
        yield batch, number


def _write_back(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Encode error handler of reject files: undecodable input bytes (lone surrogates,
    see ``open_text``) go back exactly as they came; what the codec cannot hold (a
    Chinese reason in a Latin-1 file) becomes "?"."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    if all("\udc80" <= char <= "\udcff" for char in chunk):
        return bytes(ord(char) - 0xDC00 for char in chunk), exc.end
    return "?" * len(chunk), exc.end


codecs.register_error("guanxi-write-back", _write_back)


class RejectWriter(Protocol):
    """Where rejected records go (a CSV file, or a vCard file for vCards)."""

    path: Path

    def write(self, rejects: Iterable[Reject]) -> None:
        """Append rejected records."""

    def close(self) -> None:
        """Close the file if one was written."""


class LazyFile:
    """A file opened on the first write: no reject file when nothing is rejected.

    ``append`` (a resumed import) adds to what the interrupted run wrote.
    """

    def __init__(self, path: Path, codec: str, *, append: bool = False):
        self.path, self.codec, self.append = path, codec, append
        self._handle: IO[str] | None = None

    def _open(self) -> tuple[IO[str], bool]:
        """The open handle, and whether it was just created empty."""
        if self._handle is None:
            fresh = not (self.append and self.path.exists() and self.path.stat().st_size)
            self._handle = open(  # noqa: SIM115 (closed by close())
                self.path,
                "w" if fresh else "a",
                encoding=self.codec,
                errors="guanxi-write-back",
                newline="",
            )
            return self._handle, fresh
        return self._handle, False

    def write(self, rejects: Iterable[Reject]) -> None:
        """Append rejected records; an unwritable file aborts the import in one line."""
        try:
            for reject in rejects:
                self._write(reject)
            if self._handle is not None:
                self._handle.flush()  # a killed import keeps what it reported
        except (OSError, UnicodeError) as exc:
            raise ImportAborted(f"cannot write the reject file {self.path}: {exc}") from exc

    def _write(self, reject: Reject) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Close the file if a record was written."""
        if self._handle is not None:
            self._handle.close()


class RejectFile(LazyFile):
    """The CSV reject file: the input's columns, then row, column and reason. Plugins'
    importers use it too, so every reject file reads the same."""

    def __init__(self, path: Path, header: Sequence[str], codec: str, *, append: bool = False):
        super().__init__(path, codec, append=append)
        self.header = list(header)
        self._writer: Any = None

    def _write(self, reject: Reject) -> None:
        handle, fresh = self._open()
        if self._writer is None:
            self._writer = csv.writer(handle)
            if fresh:
                self._writer.writerow([*self.header, *REJECT_COLUMNS])
        width = len(self.header)
        cells = [*reject.cells[:width], *[""] * (width - len(reject.cells))]
        self._writer.writerow([*cells, reject.row, reject.column, reject.reason])
