"""The classifications of the value area, as numpy functions over per-customer arrays.

Every function takes arrays aligned on customers (amounts in integer hundredths, so sums
and comparisons are exact) and returns one label or score per customer. Nothing here
touches the database: :mod:`guanxi_analytics.value.service` feeds these from a SQL
``GROUP BY`` and stores or lists what they return.

Ties are always decided by the value alone, never by the order of the rows: two
customers with the same figures get the same class, tier and scores.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

TIERS = ("high", "medium", "low", "zero", "negative")
ABC = ("A", "B", "C")
# Revenue × cost-to-serve, numbered as in REQUIREMENTS §7.2.2 [S004:815–821]; never
# lettered A/B/C (§8: the seed does not say which quadrant is which letter).
QUADRANTS = ("rev_high_cost_low", "rev_high_cost_high", "rev_low_cost_low",
             "rev_low_cost_high")
QUADRANT_LABELS = {
    "rev_high_cost_low": "(1) high revenue, low cost-to-serve",
    "rev_high_cost_high": "(2) high revenue, high cost-to-serve",
    "rev_low_cost_low": "(3) low revenue, low cost-to-serve",
    "rev_low_cost_high": "(4) low revenue, high cost-to-serve",
}
# The four-quadrant member model [S004:983], REQUIREMENTS §7.2.1.
MEMBER_CLASSES = ("confidant", "butterfly", "barnacle", "passer_by")
MEMBER_LABELS = {"confidant": "知己 confidant", "butterfly": "蝴蝶 butterfly",
                 "barnacle": "藤壶 barnacle", "passer_by": "过客 passer-by"}

# RFM segments on a grid of the recency score (rows, 5 = most recent) and the FM score
# (columns, FM = (F + M) / 2 rounded half up). Made from Putler's eleven RFM segments
# (R and F·M ranges) with the overlaps of those ranges resolved so every cell has one
# segment and every segment at least one cell; see docs/plugins/analytics/value.md.
SEGMENTS = ("champions", "loyal", "potential_loyalists", "new", "promising",
            "need_attention", "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost")
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    # FM:   1                 2                      3                      4          5
    5: ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    4: ("promising", "potential_loyalists", "potential_loyalists", "loyal", "champions"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    1: ("lost", "lost", "at_risk", "cant_lose", "cant_lose"),
}
QUINTILES = (20.0, 40.0, 60.0, 80.0)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
StrArray = NDArray[np.object_]


def value_tiers(margin: IntArray, high_cut: float, medium_cut: float) -> StrArray:
    """high / medium / low for a positive margin (at or above ``high_cut`` is high, at or
    above ``medium_cut`` medium), zero for 0 and negative below 0 (§7.2.3 [S000:9])."""
    tiers = np.full(margin.shape, "low", dtype=object)
    tiers[margin >= medium_cut] = "medium"
    tiers[margin >= high_cut] = "high"
    tiers[margin == 0] = "zero"
    tiers[margin < 0] = "negative"
    return tiers


def tier_cuts(margin: IntArray, high_percentile: float,
              medium_percentile: float) -> tuple[float, float]:
    """The high and medium cut-offs as percentiles of the positive margins (numpy's
    default linear interpolation, Hyndman & Fan type 7); infinite when none is positive."""
    positive = margin[margin > 0]
    if positive.size == 0:
        return float("inf"), float("inf")
    high, medium = np.percentile(positive, [high_percentile, medium_percentile])
    return float(high), float(medium)


def abc_classes(revenue: IntArray, a_share: float, b_share: float) -> StrArray:
    """ABC (Pareto) classes by revenue [S002:239]: customers sorted by revenue, largest
    first; A while the revenue of those before is below ``a_share`` of the total (so the
    customer who crosses the line is in A), B below ``b_share``, C the rest. Customers
    with equal revenue share the class of the first of them. None without revenue."""
    classes = np.full(revenue.shape, None, dtype=object)
    positive = np.flatnonzero(revenue > 0)
    if positive.size == 0:
        return classes
    amounts = revenue[positive]
    order = np.argsort(-amounts, kind="stable")
    ordered = amounts[order]
    before = (np.cumsum(ordered) - ordered) / ordered.sum()
    # Equal revenues: the share before the first of the run decides for all of them.
    first = np.searchsorted(-ordered, -ordered, side="left")
    before = before[first]
    labels = np.where(before < a_share, "A", np.where(before < b_share, "B", "C"))
    classes[positive[order]] = labels
    return classes


def quadrants(revenue: IntArray, cost: IntArray, revenue_cut: float,
              cost_cut: float) -> StrArray:
    """Revenue × cost-to-serve quadrant per customer [S004:815–821]: above a cut is high."""
    high_revenue = revenue > revenue_cut
    high_cost = cost > cost_cut
    return np.where(
        high_revenue,
        np.where(high_cost, QUADRANTS[1], QUADRANTS[0]),
        np.where(high_cost, QUADRANTS[3], QUADRANTS[2]),
    ).astype(object)


def member_classes(count: IntArray, spend: IntArray, count_cut: float,
                   spend_cut: float) -> StrArray:
    """The four-quadrant member model [S004:983]: count × spend, above a cut is high.
    知己 high/high, 蝴蝶 low count/high spend, 藤壶 high count/low spend, 过客 low/low."""
    high_count = count > count_cut
    high_spend = spend > spend_cut
    return np.where(
        high_spend,
        np.where(high_count, "confidant", "butterfly"),
        np.where(high_count, "barnacle", "passer_by"),
    ).astype(object)


def quintile_scores(values: FloatArray) -> IntArray:
    """Scores 1–5: one plus the number of quintile cut points (the 20th, 40th, 60th and
    80th percentiles of ``values``, linear interpolation) strictly below the value.

    Equal values always get the same score, whatever their order; with many ties a
    score may be skipped (if most customers bought once, F is 1 for all of them)."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    cuts = np.percentile(values, QUINTILES)
    return (np.searchsorted(cuts, values, side="left") + 1).astype(np.int64)


def rfm_scores(recency_days: FloatArray, frequency: FloatArray,
               monetary: FloatArray) -> tuple[IntArray, IntArray, IntArray]:
    """R, F and M scores of buyers: recent, frequent and big spenders score 5 (Hughes'
    quintile method); recency is scored on its negative so fewer days score higher."""
    return (quintile_scores(-recency_days), quintile_scores(frequency),
            quintile_scores(monetary))


def rfm_segments(r: IntArray, f: IntArray, m: IntArray) -> StrArray:
    """The named segment of each (R, F, M) from :data:`SEGMENT_GRID`."""
    fm = (f + m + 1) // 2  # the mean of F and M, halves rounded up
    grid = np.empty((6, 6), dtype=object)
    for score, row in SEGMENT_GRID.items():
        grid[score, 1:] = row
    return grid[r, fm]


def lorenz(revenue: IntArray, points: int = 101) -> tuple[list[float], list[float], float]:
    """The Lorenz curve of revenue over customers with revenue (ascending) at ``points``
    evenly spaced customer shares, and the Gini coefficient.

    Gini = 2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n with x ascending, i = 1..n (the mean
    absolute difference over twice the mean; Gini 1912, in the form of Damgaard & Weiner).
    """
    x = np.sort(revenue[revenue > 0]).astype(np.float64)
    n = x.size
    if n == 0:
        return [], [], 0.0
    total = x.sum()
    cumulative = np.concatenate([[0.0], np.cumsum(x) / total])
    shares = np.linspace(0.0, 1.0, points)
    # The curve at a customer share between two customers is linear between them.
    curve = np.interp(shares * n, np.arange(n + 1), cumulative)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    gini = float(2.0 * (ranks * x).sum() / (n * total) - (n + 1) / n)
    return [float(s) for s in shares], [float(c) for c in curve], gini
