"""The duplicate-scan benchmark runs end to end at a tiny size (no timing asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_scan_benchmark_loads_scans_and_scores_itself(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("bench_dedupe_scan",
                                                      BENCHMARKS / "bench_dedupe_scan.py")
        assert spec and spec.loader
        bench = importlib.util.module_from_spec(spec)
        sys.modules["bench_dedupe_scan"] = bench  # the loading child process imports it
        spec.loader.exec_module(bench)
        db = tmp_path / "scan.db"
        figures = bench.main(["--customers", "400", "--dup-share", "0.1", "--db", str(db)])
        again = bench.main(["--customers", "400", "--db", str(db)])  # reuses the database
    finally:
        sys.path.remove(str(BENCHMARKS))
        sys.modules.pop("bench_dedupe_scan", None)
    assert figures["customers"] == 400 and figures["true_pairs"] > 10
    recall = figures["quality_match"][1]
    assert recall > 0.8  # the planted duplicates are found
    assert figures["baseline_pairs"] <= figures["true_pairs"] + 5
    assert again["match"] == figures["match"]  # the same data, scanned from an empty queue
    out = capsys.readouterr().out
    assert "scan/baseline time" in out and "precision" in out
