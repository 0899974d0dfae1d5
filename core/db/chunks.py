"""Splitting long id lists for ``IN (…)`` conditions, and writing them as ranges.

SQLite builds before 3.32 allow at most 999 bound parameters in one statement, and very
long ``IN`` lists plan badly on either backend, so code that looks up many ids at once
asks in slices of :data:`IN_CHUNK`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

IN_CHUNK = 900

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size`` items."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Integer ids as ``[first, last]`` runs: 100,000 consecutive ids are one pair."""
    runs: list[list[int]] = []
    for value in sorted(ids):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return runs
