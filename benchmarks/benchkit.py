"""What the report benchmarks share: the application on a benchmark database, a raw
``sqlite3`` twin connection with the same pragmas, and alternating timed runs.

The benchmarks are scripts run from the repository root (``python benchmarks/bench_….py``),
so this module is imported as ``benchkit`` from their own folder.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from guanxi.app import App, create_app

# The raw connection copies these from ours, so both sides run under the same settings.
MIRRORED_PRAGMAS = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout",
                    "cache_size", "temp_store")


def open_app(folder: Path, db: Path, plugins: Sequence[str]) -> App:
    """The application on the SQLite file ``db``, with only ``plugins`` enabled."""
    return create_app(folder, settings={"core": {"database_url": f"sqlite:///{db}"}},
                      enable=list(plugins), environ={})


def raw_twin(app: App, db: Path) -> tuple[sqlite3.Connection, dict[str, Any]]:
    """A plain ``sqlite3`` connection to ``db`` with the pragmas of ``app``'s connections."""
    with app.engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in MIRRORED_PRAGMAS}
    raw = sqlite3.connect(db, isolation_level=None)
    for name, value in pragmas.items():
        raw.execute(f"PRAGMA {name} = {value}")
    return raw, pragmas


def alternate(ours: Callable[[], Any], plain: Callable[[], Any],
              runs: int) -> tuple[float, float, Any, Any]:
    """Median seconds of ``ours`` and ``plain`` run alternately ``runs`` times (after one
    warm-up run each, so both find the page cache equally warm), and their last results."""
    ours(), plain()
    times_ours, times_plain = [], []
    result_ours = result_plain = None
    for _ in range(runs):
        start = time.perf_counter()
        result_ours = ours()
        times_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        result_plain = plain()
        times_plain.append(time.perf_counter() - start)
    return (statistics.median(times_ours), statistics.median(times_plain),
            result_ours, result_plain)
