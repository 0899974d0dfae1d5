"""The check benchmark runs end to end at a tiny size (no timing asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_check_benchmark_finds_the_planted_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_identity_check", BENCHMARKS / "bench_identity_check.py")
        assert spec and spec.loader
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        figures = bench.main(["--stored", "300", "--batch", "40", "--single", "4",
                              "--scan-single", "2", "--dir", str(tmp_path)])
    finally:
        sys.path.remove(str(BENCHMARKS))
    assert figures["planted"] == 20
    # Every planted duplicate is found by the check, as by the full scan.
    assert figures["batch"]["check_found"] == figures["batch"]["scan_found"] == 20
    assert figures["single"]["check_found"] == 2  # records 0 and 2 of the first four
    assert "scan/check" in capsys.readouterr().out
