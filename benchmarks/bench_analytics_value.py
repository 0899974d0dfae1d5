"""Customer-value benchmark: RFM and value tiers over a million customers and ten million
interactions, beside the naive SQL ``GROUP BY`` of the same rows.

One command, one SQLite database (schema made by our migrations), loaded with
``--customers`` customers (1,000,000 by default) and ``--interactions`` interactions
(10,000,000) by plain ``executemany`` in big transactions, the two interaction indexes
dropped during the load and rebuilt after it (so they are built by sorting, not by ten
million random B-tree inserts). The interactions are in time order over the twelve months
before "now" (the default analysis period covers all of them), skewed over customers (a
tenth of the customers make about half of the interactions; about 8% have none): 45%
purchases (``core.purchase``, ``sales.order``) with revenue, the rest contacts, sales
activities and tickets, some with a logged cost, some priced by the default unit costs.

* **ours** — :func:`guanxi_analytics.value.service.analyse` in a unit of work as the
  system (as the nightly job runs): the SQL ``GROUP BY`` (revenue, logged cost, unit
  costs, purchases, purchase revenue, last purchase per customer), then tiers, ABC,
  quadrants, member classes and RFM scores and segments with numpy (target < 10 s).
* **plain** — the naive SQL on a stdlib ``sqlite3`` connection with the engine's pragmas:
  ``SELECT customer_id, sum(revenue), sum(cost), count(*), max(occurred_at) FROM
  interaction WHERE occurred_at >= ? AND occurred_at < ? GROUP BY customer_id``, fetched;
  SQLite's planner picks a skip-scan of the (kind, occurred_at) index for it. A second
  pair of runs times it with ``NOT INDEXED`` (the table read in order, as ours does).
* **ours, lifetime (rollups)** — :func:`guanxi_analytics.value.service.analyse_lifetime`:
  the same classification over each customer's whole history read from the core's
  ``customer_rollup`` rows (one per customer) instead of the log, with unit costs by kind
  only and ``unit_cost_when = "always"`` (what the rollups can evaluate; the default
  visit rule names a channel, which would send it back to the log). The raw load writes
  no rollups, so after it (or on a reused ``--dir`` database whose rollup table is empty)
  they are built with one ``INSERT INTO customer_rollup … SELECT … GROUP BY`` producing
  what the core's upserts would (counts, sums, JSON maps with ``YYYY-MM-DDTHH:MM:SSZ``
  stamps). Timed in the same run beside its equivalent naive query, the plain GROUP BY
  over the whole log (no period: ``PLAIN`` without its ``WHERE``); active customers and
  the revenue total of both must match.
* **refresh** — what the nightly job does: the same plus the 1M rows of
  ``analytics_customer_value`` replaced in bulk and committed (storing timed apart).

Ours and plain alternate (after a warm-up run each), median of ``--runs``; the ratio says
what the wider aggregate and the classification cost on top of the naive aggregation.
The active customers and the revenue total of both sides are compared.

    python benchmarks/bench_analytics_value.py                 # 1M customers, 10M rows
    python benchmarks/bench_analytics_value.py --quick         # 100k customers, 1M rows
    python benchmarks/bench_analytics_value.py --dir /tmp/bv --keep   # build once, reuse
    python benchmarks/bench_analytics_value.py --quick --lifetime-only   # rollups vs plain
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchkit
import numpy as np
from sqlmodel import Session

from guanxi.access.principal import SYSTEM
from guanxi.app import App, UnitOfWork, create_app
from guanxi.db.migrate import upgrade
from guanxi_analytics.common import default_period
from guanxi_analytics.value.service import analyse, analyse_lifetime
from guanxi_analytics.value.store import store

SEED = 20261123
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
BATCH = 500_000
INDEXES = {
    "ix_interaction_customer_time": "interaction (customer_id, occurred_at)",
    "ix_interaction_kind_time": "interaction (kind, occurred_at)",
}
# kind, channel, share, revenue?, share of rows with a logged cost
KINDS = (
    ("core.purchase", "pos", 0.35, True, 0.0),
    ("sales.order", "visit", 0.10, True, 0.3),
    ("core.contact", "phone", 0.20, False, 0.2),
    ("core.contact", "email", 0.15, False, 0.0),
    ("sales.activity", "visit", 0.08, False, 0.1),
    ("sales.activity", "phone", 0.04, False, 0.0),
    ("service.ticket_opened", "web", 0.08, False, 0.5),
)


def stamps(micros: np.ndarray) -> list[str]:
    """UTC instants (microseconds since the epoch) as SQLite's DATETIME text
    ``YYYY-MM-DD HH:MM:SS.ffffff`` (what the ORM stores), vectorised."""
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us").astype("S26")
    raw = text.view(np.uint8).reshape(-1, 26)
    raw[:, 10] = ord(" ")
    return raw.view("S26").ravel().astype("U26").tolist()


def load(db: Path, customers: int, interactions: int) -> dict[str, Any]:
    """Fill the database with plain executemany; returns what was loaded."""
    rng = np.random.default_rng(SEED)
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA journal_mode = MEMORY")
    connection.execute("PRAGMA cache_size = -400000")
    created = stamps(np.array([np.datetime64(NOW.replace(tzinfo=None)
                                             - dt.timedelta(days=900), "us")
                               .astype(np.int64)]))[0]
    connection.execute("BEGIN")
    for first in range(1, customers + 1, BATCH):
        ids = range(first, min(first + BATCH, customers + 1))
        connection.executemany(
            "INSERT INTO customer (id, kind, name, lifecycle_stage, interests, custom, "
            "created_at, updated_at) VALUES (?, 'person', ?, 'customer', '[]', '{}', ?, ?)",
            ((c, f"客户{c}", created, created) for c in ids))
    connection.execute("COMMIT")
    for name in INDEXES:
        connection.execute(f"DROP INDEX IF EXISTS {name}")
    end_us = np.datetime64(NOW.replace(tzinfo=None), "us").astype(np.int64)
    span_us = 360 * 86_400_000_000
    shares = np.array([k[2] for k in KINDS])
    loaded, revenue_total = 0, 0
    next_id = 1
    while loaded < interactions:
        n = min(BATCH, interactions - loaded)
        # Time order: this batch covers its slice of the twelve months.
        lo = end_us - span_us + span_us * loaded // interactions
        hi = end_us - span_us + span_us * (loaded + n) // interactions
        when = np.sort(rng.integers(lo, max(hi, lo + 1), n))
        # Skewed customers: u ** 3 puts most interactions on low ids (a tenth of the
        # customers make about half of them); ids are shuffled by a fixed permutation.
        who = (rng.random(n) ** 3 * customers).astype(np.int64)
        who = (who * 7_919 + 13) % customers + 1
        kind = rng.choice(len(KINDS), n, p=shares / shares.sum())
        amount = np.round(rng.lognormal(5.0, 1.0, n) * 100).astype(np.int64)  # hundredths
        has_revenue = np.array([k[3] for k in KINDS])[kind]
        costed = rng.random(n) < np.array([k[4] for k in KINDS])[kind]
        cost = np.round(rng.uniform(2, 60, n) * 100).astype(np.int64)
        revenue_total += int(amount[has_revenue].sum())
        when_text = stamps(when)
        kinds = [KINDS[k][0] for k in kind.tolist()]
        channels = [KINDS[k][1] for k in kind.tolist()]
        revenues = np.where(has_revenue, amount, -1).tolist()
        costs = np.where(costed, cost, -1).tolist()
        rows = [(next_id + i, c, t, t, ch, k, "inbound", None if r < 0 else r,
                 None if x < 0 else x)
                for i, (c, t, ch, k, r, x) in enumerate(zip(
                    who.tolist(), when_text, channels, kinds, revenues, costs, strict=True))]
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO interaction (id, customer_id, occurred_at, recorded_at, channel, "
            "kind, direction, revenue, cost, currency, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'CNY', '{}')", rows)
        connection.execute("COMMIT")
        next_id += n
        loaded += n
        print(f"  loaded {loaded:,} interactions", file=sys.stderr, flush=True)
    start = time.perf_counter()
    for name, definition in INDEXES.items():
        connection.execute(f"CREATE INDEX {name} ON {definition}")
    connection.execute("ANALYZE")
    connection.close()
    print(f"  indexes and ANALYZE in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return {"customers": customers, "interactions": loaded, "revenue": revenue_total}


# What the core's rollup upserts (core/services/rollups.py) would have written for the
# raw-loaded log: per customer and kind first, then per customer; the JSON maps stamp
# times as UTC YYYY-MM-DDTHH:MM:SSZ (occurred_at is stored as YYYY-MM-DD HH:MM:SS.ffffff).
STAMP = "substr({0}, 1, 10) || 'T' || substr({0}, 12, 8) || 'Z'"
BUILD_ROLLUPS = f"""
INSERT INTO customer_rollup (customer_id, first_at, last_at, interaction_count, revenue_count,
                             revenue, cost, counts_by_kind, last_by_kind, last_by_channel)
WITH by_kind AS (
    SELECT customer_id, kind, count(*) AS n, min(occurred_at) AS first_at,
           max(occurred_at) AS last_at,
           sum(revenue IS NOT NULL AND corrects_id IS NULL AND revenue > 0) AS counted,
           coalesce(sum(revenue), 0) AS revenue, coalesce(sum(cost), 0) AS cost
    FROM interaction GROUP BY customer_id, kind),
by_channel AS (
    SELECT customer_id, json_group_object(channel, {STAMP.format("last_at")}) AS last_by_channel
    FROM (SELECT customer_id, channel, max(occurred_at) AS last_at
          FROM interaction GROUP BY customer_id, channel)
    GROUP BY customer_id)
SELECT k.customer_id, min(k.first_at), max(k.last_at), sum(k.n), sum(k.counted),
       sum(k.revenue), sum(k.cost), json_group_object(k.kind, k.n),
       json_group_object(k.kind, {STAMP.format("k.last_at")}), c.last_by_channel
FROM by_kind AS k JOIN by_channel AS c ON c.customer_id = k.customer_id
GROUP BY k.customer_id ORDER BY k.customer_id
"""
# Unit costs the rollups can evaluate: the default rules naming only a kind, always.
LIFETIME_SETTINGS = {"unit_costs": [{"kind": "sales.activity", "cost": "15"},
                                    {"kind": "service.ticket_opened", "cost": "25"}],
                     "unit_cost_when": "always"}


def build_rollups(db: Path) -> float | None:
    """Fill an empty customer_rollup from the log; seconds taken, None if it had rows."""
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        if connection.execute("SELECT 1 FROM customer_rollup LIMIT 1").fetchone():
            return None
        connection.execute("PRAGMA cache_size = -400000")
        start = time.perf_counter()
        connection.execute("BEGIN")
        connection.execute(BUILD_ROLLUPS)
        connection.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        connection.close()


def compute_lifetime(app: App) -> tuple[int, int]:
    """The lifetime analysis from the rollups, as the system, rolled back; (active
    customers, total revenue in hundredths)."""
    with Session(app.engine, expire_on_commit=False) as session:
        session.begin()
        uow = UnitOfWork(app, session, principal=SYSTEM, now=NOW)
        analysis = analyse_lifetime(uow)
        assert analysis.extra["source"] == "rollups", analysis.extra
        figures = analysis.figures
        session.rollback()
    return int((figures.interactions > 0).sum()), int(figures.revenue.sum())


def refresh_lifetime(app: App) -> tuple[int, float]:
    """The lifetime refresh, committed; (rows stored, seconds storing)."""
    with Session(app.engine, expire_on_commit=False) as session:
        session.begin()
        uow = UnitOfWork(app, session, principal=SYSTEM, now=NOW)
        analysis = analyse_lifetime(uow)
        start = time.perf_counter()
        stored = store(uow, analysis)
        session.commit()
    return stored, time.perf_counter() - start


PLAIN = ("SELECT customer_id, sum(revenue), sum(cost), count(*), max(occurred_at) "
         "FROM interaction WHERE occurred_at >= ? AND occurred_at < ? GROUP BY customer_id")
# The lifetime's equivalent: the same over the whole log (no period).
PLAIN_ALL = PLAIN.split(" WHERE ")[0] + " GROUP BY customer_id"
# The same, told to read the table in order (as ours does) instead of the planner's index.
PLAIN_SCAN = PLAIN.replace("FROM interaction", "FROM interaction NOT INDEXED")


def bounds(app: App) -> tuple[str, str]:
    with app.transaction(now=NOW) as uow:
        start, end = default_period(uow).utc_bounds(app.tz)
    return tuple(v.replace(tzinfo=None).isoformat(" ", "microseconds") for v in (start, end))


def compute(app: App) -> tuple[int, int]:
    """RFM and value tiers in memory (the GROUP BY and the classification), as the system,
    rolled back; (active customers, total revenue in hundredths)."""
    with Session(app.engine, expire_on_commit=False) as session:
        session.begin()
        uow = UnitOfWork(app, session, principal=SYSTEM, now=NOW)
        figures = analyse(uow, default_period(uow)).figures
        session.rollback()
    return int((figures.interactions > 0).sum()), int(figures.revenue.sum())


def refresh(app: App) -> tuple[int, float]:
    """The nightly refresh as the job runs it, committed; (rows stored, seconds storing)."""
    with Session(app.engine, expire_on_commit=False) as session:
        session.begin()
        uow = UnitOfWork(app, session, principal=SYSTEM, now=NOW)
        analysis = analyse(uow, default_period(uow))
        start = time.perf_counter()
        stored = store(uow, analysis)
        session.commit()
    return stored, time.perf_counter() - start


def plain(raw: sqlite3.Connection, period: tuple[str, str] | tuple[()],
          sql: str = PLAIN) -> tuple[int, int]:
    rows = raw.execute(sql, period).fetchall()
    return len(rows), sum(r[1] or 0 for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100,000 customers, 1M rows")
    parser.add_argument("--dir", type=Path, default=None, help="keep/reuse the database here")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--lifetime-only", action="store_true",
                        help="time only the lifetime path (rollups) beside the plain query")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.interactions = 100_000, 1_000_000
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_value_"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"value_{args.customers}_{args.interactions}.db"
    plugins = ["analytics"]
    if db.exists():
        print(f"reusing {db} ({db.stat().st_size / 2**20:.0f} MiB)", flush=True)
    else:
        app = benchkit.open_app(folder, db, plugins)
        upgrade(app)
        app.close()
        start = time.perf_counter()
        counts = load(db, args.customers, args.interactions)
        print(f"loaded {counts['customers']:,} customers and {counts['interactions']:,} "
              f"interactions in {time.perf_counter() - start:.0f} s; "
              f"{db.stat().st_size / 2**20:.0f} MiB", flush=True)
    built = build_rollups(db)
    if built is not None:
        print(f"built the customer rollups from the log in {built:.0f} s", flush=True)
    app = benchkit.open_app(folder, db, plugins)
    lifetime_app = create_app(folder, settings={
        "core": {"database_url": f"sqlite:///{db}"},
        "analytics": {"value": LIFETIME_SETTINGS}}, enable=plugins, environ={})
    raw, pragmas = benchkit.raw_twin(app, db)
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"numpy {np.__version__}, {platform.machine()}, pragmas {pragmas}", flush=True)
    period = bounds(app)
    e, f, life_result, plain_result = benchkit.alternate(
        lambda: compute_lifetime(lifetime_app), lambda: plain(raw, (), PLAIN_ALL), args.runs)
    same = life_result == plain_result
    print(f"RFM + value tiers, lifetime from the customer rollups, {args.customers:,} "
          f"customers, {args.interactions:,} interactions, {plain_result[0]:,} active\n"
          f"  ours, lifetime (rollups) {e:6.2f} s   plain GROUP BY of the whole log "
          f"{f:6.2f} s   "
          f"ratio {e / f:5.3f}   target < 10 s"
          f"{'' if same else '   RESULTS DIFFER ' + str((life_result, plain_result))}",
          flush=True)
    times, storing = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        stored, seconds = refresh_lifetime(lifetime_app)
        times.append(time.perf_counter() - start)
        storing.append(seconds)
    print(f"  lifetime refresh ({stored:,} rows stored, committed) "
          f"{statistics.median(times):6.2f} s, of which storing "
          f"{statistics.median(storing):.2f} s", flush=True)
    lifetime_ok = same and e < 10
    if args.lifetime_only:
        raw.close()
        lifetime_app.close()
        app.close()
        if not args.keep and args.dir is None:
            shutil.rmtree(folder)
        return 0 if lifetime_ok else 1
    a, b, ours_result, plain_result = benchkit.alternate(
        lambda: compute(app), lambda: plain(raw, period), args.runs)
    same = ours_result == plain_result
    print(f"RFM + value tiers (GROUP BY + classification), {args.customers:,} customers, "
          f"{args.interactions:,} interactions, {plain_result[0]:,} active\n"
          f"  ours {a:6.2f} s   plain GROUP BY {b:6.2f} s   ratio {a / b:4.2f}   "
          f"target < 10 s{'' if same else '   RESULTS DIFFER ' + str((ours_result, plain_result))}",
          flush=True)
    c, d, ours_result, scan_result = benchkit.alternate(
        lambda: compute(app), lambda: plain(raw, period, PLAIN_SCAN), args.runs)
    same = same and ours_result == scan_result
    print(f"  again: ours {c:6.2f} s   plain GROUP BY reading the table in order (NOT "
          f"INDEXED) {d:6.2f} s   ratio {c / d:4.2f}", flush=True)
    times, storing = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        stored, seconds = refresh(app)
        times.append(time.perf_counter() - start)
        storing.append(seconds)
    print(f"refresh as the nightly job (the same + {stored:,} rows of analytics_customer_value "
          f"replaced, committed)\n  {statistics.median(times):6.2f} s, of which storing "
          f"{statistics.median(storing):.2f} s", flush=True)
    raw.close()
    lifetime_app.close()
    app.close()
    if not args.keep and args.dir is None:
        shutil.rmtree(folder)
    # The period path misses 10 s at full size on SQLite (see the docs); the lifetime
    # path is the one held to the target.
    return 0 if same and lifetime_ok else 1


if __name__ == "__main__":
    sys.exit(main())
