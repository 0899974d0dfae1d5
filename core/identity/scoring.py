"""Field comparisons over candidate pairs and Fellegi–Sunter scores.

Each comparison turns a column of pairs into similarities in one call (rapidfuzz's
``cpdist`` for strings, numpy for dates and numbers), then into levels: 0 agree,
1 partial, 2 disagree, -1 missing. The score of a pair is the sum of the levels' log2
likelihood ratios ``log2(m / u)``; m and u come from the rules or from :func:`estimate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from .blocking import Candidates
from .prepare import Prepared, date_array, is_cjk
from .rules import Comparison, MatchRules

MISSING, AGREE, PARTIAL, DISAGREE = -1, 0, 1, 2
LEVEL_NAMES = ("agree", "partial", "disagree")


@dataclass
class Scores:
    """Candidate pairs with their comparison levels (pairs × comparisons) and scores."""

    pairs: Candidates
    levels: np.ndarray
    scores: np.ndarray
    weights: np.ndarray  # comparisons × 3 (agree, partial, disagree), log2 ratios


def _take(column: list[str], index: np.ndarray) -> list[str]:
    """Values of ``column`` at ``index``, as a list for rapidfuzz."""
    return np.asarray(column, dtype=object)[index].tolist() if column else []


def _dates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 equal, 0.9 day and month transposed, 0.75 one of year/month/day differs, else 0."""
    ya, ma, da = a // 10000, a // 100 % 100, a % 100
    yb, mb, db = b // 10000, b // 100 % 100, b % 100
    same = (ya == yb).astype(np.int64) + (ma == mb) + (da == db)
    sim = np.where(same == 3, 1.0, np.where(same == 2, 0.75, 0.0))
    transposed = (ya == yb) & (ma == db) & (da == mb) & (ma != da)
    return np.where(transposed, 0.9, sim)


def similarity(comp: Comparison, left: list[str], right: list[str]) -> np.ndarray:
    """Similarity in [0, 1] of each pair ``(left[k], right[k])`` under ``comp``."""
    if not left:
        return np.empty(0)
    if comp.method == "exact":
        return np.fromiter((a == b for a, b in zip(left, right, strict=True)), dtype=float,
                           count=len(left))
    if comp.method == "date":
        return _dates(date_array(left), date_array(right))
    if comp.method == "numeric":
        a = np.array([float(v) if v else np.nan for v in left])
        b = np.array([float(v) if v else np.nan for v in right])
        return np.nan_to_num(np.clip(1 - np.abs(a - b) / comp.scale, 0, 1))
    if comp.method == "levenshtein":
        return cpdist(left, right, scorer=Levenshtein.normalized_similarity, dtype=np.float64)
    sim = cpdist(left, right, scorer=JaroWinkler.normalized_similarity, dtype=np.float64)
    if comp.method == "name":
        # Chinese names: characters, not letters, carry the sound, and Jaro-Winkler on a
        # two-character name is erratic; a share of equal characters behaves (张伟/张韦 0.5).
        for k, (x, y) in enumerate(zip(left, right, strict=True)):
            if x and y and (is_cjk(x) or is_cjk(y)):
                sim[k] = Levenshtein.normalized_similarity(x, y)
    return np.asarray(sim, dtype=np.float64)


def compare(left: Prepared, right: Prepared, pairs: Candidates,
            rules: MatchRules) -> np.ndarray:
    """Comparison levels, pairs × comparisons (int8: 0 agree, 1 partial, 2 disagree, -1)."""
    levels = np.full((len(pairs), len(rules.comparisons)), MISSING, dtype=np.int8)
    for c, comp in enumerate(rules.comparisons):
        lcol = np.asarray(left.columns[comp.field], dtype=object)
        rcol = np.asarray(right.columns[comp.field], dtype=object)
        lvals, rvals = lcol[pairs.left], rcol[pairs.right]
        present = (lvals != "") & (rvals != "")
        rows = np.flatnonzero(present)
        sim = similarity(comp, lvals[rows].tolist(), rvals[rows].tolist())
        level = np.where(sim >= comp.agree, AGREE, np.where(sim >= comp.partial, PARTIAL,
                                                             DISAGREE))
        levels[rows, c] = level
    return levels


def rule_weights(rules: MatchRules) -> np.ndarray:
    """log2(m/u) per comparison and level, from the rules."""
    m = np.array([c.m for c in rules.comparisons])
    u = np.array([c.u for c in rules.comparisons])
    return np.asarray(np.log2(m / u))


def total(levels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum of the level weights of each pair (missing values weigh nothing)."""
    padded = np.hstack([weights, np.zeros((weights.shape[0], 1))])  # column 3: missing
    index = np.where(levels < 0, 3, levels).astype(np.int64)
    return np.asarray(padded[np.arange(weights.shape[0]), index].sum(axis=1), dtype=float) \
        if levels.size else np.zeros(levels.shape[0])


def estimate(levels: np.ndarray, rules: MatchRules, iterations: int = 30,
             prior: float = 0.1) -> np.ndarray:
    """Fellegi–Sunter weights re-estimated by EM over the candidate pairs' levels.

    Starts from the rules' m and u, keeps every probability away from 0 so no level
    becomes an absolute veto, and returns log2(m/u) per comparison and level.
    """
    m = np.array([c.m for c in rules.comparisons], dtype=float)
    u = np.array([c.u for c in rules.comparisons], dtype=float)
    if levels.shape[0] == 0:
        return np.asarray(np.log2(m / u))
    onehot = np.stack([(levels == lv) for lv in (AGREE, PARTIAL, DISAGREE)], axis=2)
    onehot = onehot.astype(float)  # pairs × comparisons × 3
    p = prior
    for _ in range(iterations):
        log_m = np.einsum("pcl,cl->p", onehot, np.log(m)) + np.log(p)
        log_u = np.einsum("pcl,cl->p", onehot, np.log(u)) + np.log(1 - p)
        g = 1 / (1 + np.exp(np.clip(log_u - log_m, -50, 50)))
        p = float(np.clip(g.mean(), 1e-6, 1 - 1e-6))
        m = np.einsum("p,pcl->cl", g, onehot) + 1e-3
        u = np.einsum("p,pcl->cl", 1 - g, onehot) + 1e-3
        m /= m.sum(axis=1, keepdims=True)
        u /= u.sum(axis=1, keepdims=True)
    return np.asarray(np.log2(m / u))


def score(left: Prepared, right: Prepared, pairs: Candidates, rules: MatchRules,
          em: bool = False) -> Scores:
    """Levels and scores of the candidate pairs (weights by EM when ``em``)."""
    levels = compare(left, right, pairs, rules)
    weights = estimate(levels, rules) if em else rule_weights(rules)
    return Scores(pairs=pairs, levels=levels, scores=total(levels, weights), weights=weights)
