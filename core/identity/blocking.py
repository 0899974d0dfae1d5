"""Candidate pairs from blocking passes, grouped by sorted key codes.

Each pass maps records to key codes, sorts them, and pairs only records inside the same
block, so memory grows with the number of candidate pairs, never with the cross
product. Pairs found by several passes are kept once, with a bit per pass that found them
(the "rule that fired").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .prepare import Prepared, Record, prepare
from .rules import BlockingPass, MatchRules


@dataclass
class Candidates:
    """Candidate pairs as index arrays into the left and right record sets.

    ``passes`` holds, per pair, a bit mask of the blocking passes that produced it
    (bit ``k`` is ``rules.blocking[k]``).
    """

    left: np.ndarray
    right: np.ndarray
    passes: np.ndarray

    def __len__(self) -> int:
        """Number of candidate pairs."""
        return int(self.left.size)


def pass_keys(data: Prepared, bpass: BlockingPass) -> list[str]:
    """The pass's key for every record ('' when any part is missing).

    Public because the stored match keys (:mod:`.keys`) are these same keys.
    """
    columns = [data.key_column(p.field, p.transform) for p in bpass.parts]
    if len(columns) == 1:
        return columns[0]
    return ["\x1f".join(parts) if all(parts) else "" for parts in zip(*columns, strict=True)]


def _codes(keys: list[str], vocab: dict[str, int]) -> np.ndarray:
    """Integer code per key, -1 for no key; ``vocab`` is shared so sides agree."""
    out = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        out[i] = vocab.setdefault(key, len(vocab)) if key else -1
    return out


def _groups(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted record indices, and the (code, start) of each block in them."""
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) \
        if sorted_codes.size else np.empty(0, dtype=np.int64)
    return order, sorted_codes[starts], np.r_[starts, sorted_codes.size]


def _cross(l_order: np.ndarray, l_start: np.ndarray, l_size: np.ndarray,
           r_order: np.ndarray, r_start: np.ndarray, r_size: np.ndarray,
           ) -> tuple[np.ndarray, np.ndarray]:
    """The cross products of many blocks at once, without a Python loop per block.

    Pair ``t`` of block ``k`` is (left row ``t // r_size[k]``, right row ``t % r_size[k]``).
    """
    counts = l_size * r_size
    block = np.repeat(np.arange(counts.size), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return (l_order[l_start[block] + offset // r_size[block]],
            r_order[r_start[block] + offset % r_size[block]])


def _link_pass(left: np.ndarray, right: np.ndarray,
               limit: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Cross products of equal-key blocks between the two sides."""
    l_order, l_codes, l_bounds = _groups(left)
    r_order, r_codes, r_bounds = _groups(right)
    _, li, ri = np.intersect1d(l_codes, r_codes, assume_unique=True, return_indices=True)
    l_size, r_size = l_bounds[li + 1] - l_bounds[li], r_bounds[ri + 1] - r_bounds[ri]
    ok = (l_size <= limit) & (r_size <= limit)
    yield _cross(l_order, l_bounds[li][ok], l_size[ok], r_order, r_bounds[ri][ok], r_size[ok])


def _dedupe_pass(codes: np.ndarray, limit: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every unordered pair inside each block (i < j)."""
    order, _, bounds = _groups(codes)
    sizes = np.diff(bounds)
    ok = (sizes >= 2) & (sizes <= limit)
    # Each block against itself, then keep one orientation: at most twice the pairs.
    first, second = _cross(order, bounds[:-1][ok], sizes[ok], order, bounds[:-1][ok], sizes[ok])
    keep = first < second
    yield first[keep], second[keep]


def _collect(chunks: list[tuple[np.ndarray, np.ndarray, int]], n_right: int) -> Candidates:
    """Merge pass outputs into unique pairs with OR-ed pass bits."""
    if not chunks:
        empty = np.empty(0, dtype=np.int64)
        return Candidates(empty, empty, empty)
    pair_code = np.concatenate([lft * n_right + rgt for lft, rgt, _ in chunks])
    bits = np.concatenate([np.full(lft.size, 1 << k, dtype=np.int64) for lft, _, k in chunks])
    unique, inverse = np.unique(pair_code, return_inverse=True)
    passes = np.zeros(unique.size, dtype=np.int64)
    np.bitwise_or.at(passes, inverse, bits)
    return Candidates(unique // n_right, unique % n_right, passes)


def candidate_pairs(records: Sequence[Record] | Prepared, rules: MatchRules,
                    right: Sequence[Record] | Prepared | None = None) -> Candidates:
    """Candidate pairs by blocking: within ``records`` (dedupe), or against ``right`` (link).

    Every blocking pass of ``rules`` runs; a block over ``rules.max_block_size`` records is
    skipped. The result holds each pair once with the passes that found it.
    """
    left_data = prepare(records, rules)
    right_data = prepare(right, rules) if right is not None else None
    chunks: list[tuple[np.ndarray, np.ndarray, int]] = []
    limit = rules.max_block_size
    for k, bpass in enumerate(rules.blocking):
        vocab: dict[str, int] = {}
        left_codes = _codes(pass_keys(left_data, bpass), vocab)
        if right_data is None:
            pairs = _dedupe_pass(left_codes, limit)
        else:
            pairs = _link_pass(left_codes, _codes(pass_keys(right_data, bpass), vocab), limit)
        chunks.extend((lft, rgt, k) for lft, rgt in pairs)
    n_right = len(right_data) if right_data is not None else len(left_data)
    return _collect(chunks, max(n_right, 1))
