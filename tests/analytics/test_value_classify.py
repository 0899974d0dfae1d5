"""The value area's classifications on hand-computed arrays (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from guanxi_analytics.value import classify


def test_tiers_cut_positive_margins_at_the_80th_and_50th_percentiles() -> None:
    margin = np.array([-500, 0, 100, 200, 300, 400, 500])
    # Positive margins 100..500: P80 at index 0.8·4 = 3.2 → 400 + 0.2·100 = 420;
    # P50 at index 2 → 300.
    high, medium = classify.tier_cuts(margin, 80, 50)
    assert (high, medium) == pytest.approx((420.0, 300.0))
    assert classify.value_tiers(margin, high, medium).tolist() == [
        "negative", "zero", "low", "low", "medium", "medium", "high"]


def test_tiers_without_a_positive_margin_are_zero_or_negative() -> None:
    margin = np.array([0, -1, 0])
    high, medium = classify.tier_cuts(margin, 80, 50)
    assert classify.value_tiers(margin, high, medium).tolist() == ["zero", "negative", "zero"]


def test_abc_puts_the_customer_crossing_80_percent_in_a_and_ties_together() -> None:
    revenue = np.array([500, 5000, 0, 1000, 3000, 500])
    # Total 10,000, largest first: 5000 (before 0 → A), 3000 (before 50% → A), 1000
    # (before 80% → B), 500 (before 90% → B), the other 500 (before 95%, but equal to
    # the one before it, so B too), 0 (no revenue → None).
    assert classify.abc_classes(revenue, 0.80, 0.95).tolist() == [
        "B", "A", None, "B", "A", "B"]
    # Without the tie the last 500 would be C: a 400 is.
    assert classify.abc_classes(np.array([5000, 3000, 1000, 500, 400]), 0.8, 0.95)[
        -1] == "C"


def test_quadrants_and_member_classes_count_above_the_cut_as_high() -> None:
    revenue, cost = np.array([10, 10, 1, 1, 5]), np.array([1, 9, 1, 9, 5])
    assert classify.quadrants(revenue, cost, 5, 5).tolist() == [
        "rev_high_cost_low", "rev_high_cost_high", "rev_low_cost_low", "rev_low_cost_high",
        "rev_low_cost_low"]
    count, spend = np.array([5, 1, 5, 1, 2]), np.array([900, 900, 10, 10, 100])
    assert classify.member_classes(count, spend, 2, 100).tolist() == [
        "confidant", "butterfly", "barnacle", "passer_by", "passer_by"]


def test_quintile_scores_split_evenly_and_give_ties_one_score() -> None:
    # 1..10: cut points 2.8, 4.6, 6.4, 8.2 (1 + 0.2·9 …): two values per score.
    assert classify.quintile_scores(np.arange(1.0, 11.0)).tolist() == [
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Six customers bought once: every cut point is 1 (P80 at index 5.6 → 1), so all
    # of them score 1 whatever their order, and 2 and 3 are above every cut: 5.
    values = np.array([1.0, 3.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0])
    assert classify.quintile_scores(values).tolist() == [1, 5, 1, 1, 5, 1, 1, 1]
    assert classify.quintile_scores(values[::-1]).tolist() == [1, 1, 1, 5, 1, 1, 5, 1]


def test_recency_scores_fewer_days_higher() -> None:
    r, f, m = classify.rfm_scores(np.array([1.0, 50.0, 100.0, 200.0, 400.0]),
                                  np.ones(5), np.arange(5.0))
    assert r.tolist() == [5, 4, 3, 2, 1]
    assert f.tolist() == [1] * 5
    assert m.tolist() == [1, 2, 3, 4, 5]


def test_segments_follow_the_grid_and_every_segment_is_reachable() -> None:
    r = np.array([5, 1, 1, 5, 3, 2, 4, 3, 2])
    f = np.array([5, 1, 5, 1, 3, 3, 1, 4, 1])
    m = np.array([5, 1, 4, 1, 3, 4, 1, 5, 2])
    # FM = ⌈(F+M)/2⌉: 5, 1, 5 (4.5 up), 1, 3, 4 (3.5 up), 1, 5 (4.5 up), 2 (1.5 up).
    assert classify.rfm_segments(r, f, m).tolist() == [
        "champions", "lost", "cant_lose", "new", "need_attention", "at_risk", "promising",
        "loyal", "hibernating"]
    cells = {name for row in classify.SEGMENT_GRID.values() for name in row}
    assert cells == set(classify.SEGMENTS) and len(classify.SEGMENTS) == 11


def test_lorenz_curve_and_gini() -> None:
    # Revenues 1 and 3: Gini = 2(1·1 + 2·3)/(2·4) − 3/2 = 0.25 (mean absolute
    # difference 1 over twice the mean 2); halfway the curve is at 1/4.
    shares, curve, gini = classify.lorenz(np.array([3, 0, 1]), points=3)
    assert shares == [0.0, 0.5, 1.0]
    assert curve == pytest.approx([0.0, 0.25, 1.0])
    assert gini == pytest.approx(0.25)
    assert classify.lorenz(np.array([7, 7, 7]))[2] == pytest.approx(0.0)
    assert classify.lorenz(np.array([0, -5])) == ([], [], 0.0)
