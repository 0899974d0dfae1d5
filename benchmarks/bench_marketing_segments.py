"""Segment benchmark: evaluating a 3-condition segment against the same query by hand.

One command, one run, one SQLite database (schema made by our migrations) loaded with
``--customers`` customers (1,000,000 by default) with roles, ``--interactions``
interactions (5,000,000) of random customers over three years, and the per-customer
rollups those interactions give (computed while loading, as the core maintains them).
Loading is plain ``executemany`` into the real tables; it is not what is measured.

Then the segment of the issue,

    role = "customer" and revenue_total > 10000 and last_purchase < 90 days ago

is evaluated twice, alternately, ``--runs`` times after a warm-up:

* **ours** — ``matching_customer_ids(uow, expression)`` inside ``app.transaction()``:
  parse, check against the field catalogue, compile to one SQLAlchemy statement, run it,
  fetch the sorted ids;
* **plain** — the query a person would write for it (a join of roles and rollups and
  ``MAX(occurred_at)`` of the purchases), as SQL text on a stdlib ``sqlite3``
  connection with the engine's pragmas; and, as a second pair, the query our compiler
  produces, written by hand (what parsing, compiling and the ORM add on top of it).

The medians, their ratio and the 2 s target are printed; the two id lists are compared.
A second pair does the same for a history condition (``count(… within 30 days)``) and a
third for the issue's segment as an agent (record policies add the visibility filter).

    python benchmarks/bench_marketing_segments.py                     # 1,000,000 / 5,000,000
    python benchmarks/bench_marketing_segments.py --customers 50000 --interactions 250000
    python benchmarks/bench_marketing_segments.py --dir /tmp/b --keep     # then --reuse
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchkit

from guanxi.app import App
from guanxi.db.migrate import upgrade
from guanxi_marketing.segments.service import matching_customer_ids

SEED = 20261124
NOW = dt.datetime(2026, 10, 31, 4, 0, tzinfo=dt.UTC)
SPAN_SECONDS = 3 * 365 * 86400
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
BATCH = 100_000
STAFF = 100
ROLES = (("customer", 0.6), ("prospect", 0.3), ("dealer", 0.1))
KINDS = (("core.purchase", 0.35), ("core.contact", 0.45), ("core.note", 0.20))
CHANNELS = ("web", "pos", "phone", "email")
PURCHASE_YUAN = (50, 200, 800, 3000, 12000)  # whole yuan, stored as cents
ISSUE_SEGMENT = 'role = "customer" and revenue_total > 10000 and last_purchase < 90 days ago'
HISTORY_SEGMENT = 'role = "customer" and count("core.contact" within 30 days) >= 1'


def stamp(seconds: int) -> str:
    """A UTC instant (seconds since the epoch) in SQLAlchemy's stored SQLite form."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime(SQLITE_DATETIME)


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    """One name of ``weighted`` (name, share) pairs."""
    return rng.choices([n for n, _ in weighted], [w for _, w in weighted])[0]


def open_app(folder: Path, db: Path) -> App:
    return benchkit.open_app(folder, db, ["marketing"])


def _load_people(connection: sqlite3.Connection, rng: random.Random, customers: int) -> None:
    now = stamp(int(NOW.timestamp()))
    connection.executemany(
        "INSERT INTO staff (id, username, display_name, is_active, created_at) VALUES (?,?,?,1,?)",
        [(s, f"agent.{s:03d}", f"员工{s:03d}", now) for s in range(1, STAFF + 1)])
    connection.executemany("INSERT INTO staff_role (staff_id, role) VALUES (?, 'agent')",
                           [(s,) for s in range(1, STAFF + 1)])
    for first in range(1, customers + 1, BATCH):
        ids = range(first, min(first + BATCH, customers + 1))
        connection.executemany(
            "INSERT INTO customer (id, kind, name, lifecycle_stage, owner_id, interests, custom,"
            " created_at, updated_at) VALUES (?, 'person', ?, 'customer', ?, '[]', '{}', ?, ?)",
            [(c, f"客户{c}", rng.randrange(1, STAFF + 1), now, now) for c in ids])
        connection.executemany("INSERT INTO customer_role (customer_id, role) VALUES (?, ?)",
                               [(c, pick(rng, ROLES)) for c in ids])


def load(db: Path, customers: int, interactions: int) -> None:
    """Fill the database with plain executemany, the rollups computed on the way."""
    rng = random.Random(SEED)
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    _load_people(connection, rng, customers)
    revenue = [0] * (customers + 1)
    purchases = [0] * (customers + 1)
    counts = [0] * (customers + 1)
    first_at = [0] * (customers + 1)
    last_at = [0] * (customers + 1)
    end = int(NOW.timestamp())
    recorded = stamp(end)
    for first in range(1, interactions + 1, BATCH):
        rows = []
        for iid in range(first, min(first + BATCH, interactions + 1)):
            cid = rng.randrange(1, customers + 1)
            at = end - rng.randrange(SPAN_SECONDS)
            kind = pick(rng, KINDS)
            cents = rng.choice(PURCHASE_YUAN) * 100 if kind == "core.purchase" else None
            rows.append((iid, cid, stamp(at), recorded, rng.choice(CHANNELS), kind, cents))
            counts[cid] += 1
            first_at[cid] = at if not first_at[cid] else min(first_at[cid], at)
            last_at[cid] = max(last_at[cid], at)
            if cents:
                revenue[cid] += cents
                purchases[cid] += 1
        connection.executemany(
            "INSERT INTO interaction (id, customer_id, occurred_at, recorded_at, channel, kind,"
            " direction, revenue, currency, payload) VALUES (?,?,?,?,?,?,'inbound',?,'CNY','{}')",
            rows)
    connection.executemany(
        "INSERT INTO customer_rollup (customer_id, first_at, last_at, interaction_count,"
        " revenue_count, revenue, cost, counts_by_kind, last_by_kind, last_by_channel)"
        " VALUES (?, ?, ?, ?, ?, ?, 0, '{}', '{}', '{}')",
        [(c, stamp(first_at[c]), stamp(last_at[c]), counts[c], purchases[c], revenue[c])
         for c in range(1, customers + 1) if counts[c]])
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


PLAIN_ISSUE = """
SELECT c.id FROM customer c
JOIN customer_role r ON r.customer_id = c.id AND r.role = 'customer'
JOIN customer_rollup u ON u.customer_id = c.id
WHERE u.revenue > 1000000 AND c.erased_at IS NULL
  AND (SELECT max(i.occurred_at) FROM interaction i
       WHERE i.customer_id = c.id AND i.revenue > 0 AND i.corrects_id IS NULL) < ?
ORDER BY c.id
"""
# The same question asked the way our compiler asks it (rollup conditions as one IN list
# that drives the query, "last purchase before T" as "bought, and not since T"): what
# our path costs on top of its own SQL.
PLAIN_SAME_PLAN = """
SELECT c.id FROM customer c
WHERE c.id IN (SELECT customer_id FROM customer_rollup WHERE revenue > 1000000
               AND revenue_count > 0)
  AND EXISTS (SELECT 1 FROM customer_role r WHERE r.customer_id = c.id AND r.role = 'customer')
  AND NOT EXISTS (SELECT 1 FROM interaction i WHERE i.customer_id = c.id AND i.revenue > 0
                  AND i.corrects_id IS NULL AND i.occurred_at >= ?)
  AND c.erased_at IS NULL
ORDER BY c.id
"""
PLAIN_HISTORY = """
SELECT c.id FROM customer c
JOIN customer_role r ON r.customer_id = c.id AND r.role = 'customer'
WHERE c.erased_at IS NULL AND EXISTS (
  SELECT 1 FROM interaction i WHERE i.customer_id = c.id AND i.kind = 'core.contact'
  AND i.occurred_at >= ?)
ORDER BY c.id
"""
# The agent's record policies (own, team, unowned); agent.001 is in no team here.
AGENT_FILTER = " AND (c.owner_id = 1 OR c.owner_id IS NULL) ORDER BY c.id"


class Bench:
    """Times our segment evaluation and its plain twin, alternately, on one database."""

    def __init__(self, app: App, db: Path, runs: int):
        self.app = app
        self.runs = runs
        self.raw, self.pragmas = benchkit.raw_twin(app, db)
        self.failed = False

    def ours(self, expression: str, as_user: str | None = None) -> list[int]:
        with self.app.transaction(now=NOW, as_user=as_user) as uow:
            return matching_customer_ids(uow, expression)

    def plain(self, sql: str, *params: Any) -> list[int]:
        return [row[0] for row in self.raw.execute(sql, params)]

    def pair(self, label: str, ours: Callable[[], list[int]], plain: Callable[[], list[int]],
             target: float | None) -> None:
        a, b, result_ours, result_plain = benchkit.alternate(ours, plain, self.runs)
        agree = result_ours == result_plain
        met = target is None or a < target
        self.failed |= not agree or not met
        verdict = "" if target is None else f"   < {target:.0f} s: {'met' if met else 'MISSED'}"
        print(f"{label:<34} {len(result_ours):>8,} ids   ours {a:6.2f} s   plain {b:6.2f} s"
              f"   ratio {a / b:4.2f}{verdict}{'' if agree else '   RESULTS DIFFER'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where the database goes")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database already in --dir (from a run with --keep)")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_segments_"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "segments.db"
    if not (args.reuse and db.exists()):
        app = open_app(folder, db)
        upgrade(app)
        app.close()
        start = time.perf_counter()
        load(db, args.customers, args.interactions)
        print(f"loaded {args.customers:,} customers, {args.interactions:,} interactions in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    print(f"database {db.stat().st_size / 2**20:.0f} MiB", flush=True)
    app = open_app(folder, db)
    bench = Bench(app, db, args.runs)
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{platform.machine()}, pragmas {bench.pragmas}", flush=True)
    cutoff_90 = stamp(int((NOW - dt.timedelta(days=90)).timestamp()))
    cutoff_30 = stamp(int((NOW - dt.timedelta(days=30)).timestamp()))
    bench.pair("issue segment (3 conditions)", lambda: bench.ours(ISSUE_SEGMENT),
               lambda: bench.plain(PLAIN_ISSUE, cutoff_90), target=2.0)
    bench.pair("issue segment, same plan by hand", lambda: bench.ours(ISSUE_SEGMENT),
               lambda: bench.plain(PLAIN_SAME_PLAN, cutoff_90), target=2.0)
    bench.pair("history: contact within 30 days", lambda: bench.ours(HISTORY_SEGMENT),
               lambda: bench.plain(PLAIN_HISTORY, cutoff_30), target=None)
    agent_sql = PLAIN_ISSUE.replace("\nORDER BY c.id\n", AGENT_FILTER)
    bench.pair("issue segment as an agent", lambda: bench.ours(ISSUE_SEGMENT, "agent.001"),
               lambda: bench.plain(agent_sql, cutoff_90), target=2.0)
    app.close()
    bench.raw.close()
    if not args.keep and args.dir is None:
        shutil.rmtree(folder)
    return 1 if bench.failed else 0


if __name__ == "__main__":
    sys.exit(main())
