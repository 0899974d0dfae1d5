"""The public entry points: score pairs, link two record sets, dedupe one, cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .blocking import Candidates, candidate_pairs
from .prepare import Prepared, Record, prepare
from .rules import MatchRules
from .scoring import LEVEL_NAMES, Scores, score

Status = Literal["match", "review"]


@dataclass(frozen=True)
class ScoredPair:
    """A pair at or above the review threshold, with why it was found and scored.

    ``left``/``right`` are record ids; ``passes`` the blocking passes that proposed it;
    ``fields`` maps each compared field to ``agree``, ``partial`` or ``disagree``
    (fields missing on either side are left out).
    """

    left: object
    right: object
    score: float
    status: Status
    passes: tuple[str, ...]
    fields: dict[str, str]


def score_pairs(left: Sequence[Record] | Prepared, right: Sequence[Record] | Prepared,
                pairs: Candidates, rules: MatchRules, em: bool = False) -> Scores:
    """Compare and score candidate pairs of ``left`` × ``right`` (arrays, vectorised)."""
    return score(prepare(left, rules), prepare(right, rules), pairs, rules, em=em)


def _one_to_one(scores: Scores, keep: np.ndarray) -> np.ndarray:
    """Greedy best-first assignment: each record keeps at most its best partner."""
    order = np.flatnonzero(keep)
    order = order[np.argsort(-scores.scores[order], kind="stable")]
    used_l: set[int] = set()
    used_r: set[int] = set()
    out = np.zeros_like(keep)
    for k in order.tolist():
        a, b = int(scores.pairs.left[k]), int(scores.pairs.right[k])
        if a not in used_l and b not in used_r:
            used_l.add(a)
            used_r.add(b)
            out[k] = True
    return out


def explain_pairs(scores: Scores, left: Prepared, right: Prepared, rules: MatchRules,
                  keep: np.ndarray) -> list[ScoredPair]:
    """ScoredPair objects for the kept pairs, best first."""
    names = [c.field for c in rules.comparisons]
    out = []
    for k in np.flatnonzero(keep)[np.argsort(-scores.scores[keep], kind="stable")].tolist():
        bits = int(scores.pairs.passes[k])
        value = float(scores.scores[k])
        out.append(ScoredPair(
            left=left.ids[int(scores.pairs.left[k])],
            right=right.ids[int(scores.pairs.right[k])],
            score=round(value, 3),
            status="match" if value >= rules.match_threshold else "review",
            passes=tuple(p.name for i, p in enumerate(rules.blocking) if bits >> i & 1),
            fields={names[c]: LEVEL_NAMES[lv] for c, lv in enumerate(scores.levels[k].tolist())
                    if lv >= 0}))
    return out


def link(left: Sequence[Record] | Prepared, right: Sequence[Record] | Prepared,
         rules: MatchRules, one_to_one: bool = False, em: bool = False) -> list[ScoredPair]:
    """Pairs of records in ``left`` and ``right`` that match or need review, best first.

    ``one_to_one`` keeps, for each record, only its best-scoring partner (for sources
    known to hold each person once); ``em`` re-estimates the weights from the data.
    """
    lprep, rprep = prepare(left, rules), prepare(right, rules)
    scores = score(lprep, rprep, candidate_pairs(lprep, rules, right=rprep), rules, em=em)
    keep = scores.scores >= rules.review_threshold
    if one_to_one:
        keep = _one_to_one(scores, keep)
    return explain_pairs(scores, lprep, rprep, rules, keep)


def dedupe(records: Sequence[Record] | Prepared, rules: MatchRules,
           em: bool = False) -> tuple[list[ScoredPair], list[list[object]]]:
    """Duplicate pairs within ``records`` and the clusters their matches form.

    Clusters join records through "match" pairs only (review pairs wait for a person);
    each cluster lists record ids, and singletons are left out.
    """
    prep = prepare(records, rules)
    scores = score(prep, prep, candidate_pairs(prep, rules), rules, em=em)
    pairs = explain_pairs(scores, prep, prep, rules, scores.scores >= rules.review_threshold)
    matched = scores.scores >= rules.match_threshold
    groups = clusters(len(prep), scores.pairs.left[matched], scores.pairs.right[matched])
    return pairs, [[prep.ids[i] for i in group] for group in groups]


def clusters(n: int, left: np.ndarray | Sequence[int],
             right: np.ndarray | Sequence[int]) -> list[list[int]]:
    """Connected components (union-find, path halving) of ``n`` items joined by edges.

    Returns the components of two or more items, each sorted, ordered by first item.
    """
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(np.asarray(left).tolist(), np.asarray(right).tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    for x in range(n):
        members.setdefault(find(x), []).append(x)
    return sorted((m for m in members.values() if len(m) > 1), key=lambda m: m[0])
