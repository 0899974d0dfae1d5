"""Sales reports benchmark: our report functions against the same queries as plain SQL.

One command, one run, one SQLite database (schema made by our migrations), loaded with
``--opportunities`` opportunities and five stage changes each (1,000,000 and 5,000,000 by
default), their accounts, owners in teams, competitors and lost reasons, deterministically
(seeded). Then every report is timed twice, alternately, on the same database:

* **ours** — the function of ``guanxi_sales.analysis`` (``forecast``, ``win_loss``,
  ``funnel``, ``sales_cycle``) inside ``app.transaction()``: an ORM statement through
  the session, record policies installed, rows labelled and turned into Decimals;
* **plain** — the same query written by hand as SQL text, run on a stdlib ``sqlite3``
  connection with the engine's pragmas, rows fetched as tuples.

Each pair is run once to warm the page cache, then ``--runs`` times; the median is
reported, with the ratio ours/plain (target ≤ 1.5) and the 5 s target for the forecast
and win/loss reports. The results of both sides are compared, so "the same query" is
checked, not assumed. A last section times the forecast as an agent (his own, his
team's and the unowned customers' opportunities), where the query layer adds the
record policy to the statement; its plain twin carries the same condition by hand.

    python benchmarks/bench_sales.py                       # 1,000,000 / 5,000,000
    python benchmarks/bench_sales.py --quick               # 50,000 / 250,000
    python benchmarks/bench_sales.py --opportunities 200000 --dir /tmp/b --keep
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
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchkit

from guanxi.app import App
from guanxi.db.migrate import upgrade
from guanxi_sales import analysis

SEED = 20261123
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
STAGES = ["qualification", "needs_analysis", "proposal", "negotiation"]
PROBABILITY = {"qualification": 10, "needs_analysis": 25, "proposal": 50, "negotiation": 75,
               "won": 100, "lost": 0}
SOURCES = ["lead", "campaign", "referral", "website", "exhibition", None]
REASONS = ["price", "product fit", "competitor", "timing", "no budget"]
CHANGES_PER_OPPORTUNITY = 5
BATCH = 50_000
START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 3 * 365


# --------------------------------------------------------------------------- data


def open_app(folder: Path, db: Path) -> App:
    return benchkit.open_app(folder, db, ["sales"])


def stamp(value: dt.datetime) -> str:
    return value.strftime(SQLITE_DATETIME)


def local_day(value: dt.datetime) -> str:
    return (value + dt.timedelta(hours=8)).date().isoformat()  # Asia/Shanghai, no DST


def path_of(rng: random.Random, status: str) -> list[str]:
    """Five stages entered: open stages with skips and steps back, then won/lost if closed."""
    steps = CHANGES_PER_OPPORTUNITY - (0 if status == "open" else 1)
    at, path = 0, ["qualification"]
    while len(path) < steps:
        at = max(0, min(3, at + rng.choice((1, 1, 1, 2, -1))))
        if STAGES[at] != path[-1]:
            path.append(STAGES[at])
    return path if status == "open" else [*path, status]


def load(db: Path, opportunities: int, customers: int, staff: int, teams: int) -> dict[str, int]:
    """Fill the database with plain executemany; returns the row counts."""
    rng = random.Random(SEED)
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    now = stamp(START)
    connection.executemany("INSERT INTO team (id, name, description) VALUES (?, ?, '')",
                           [(t, f"team-{t:02d}") for t in range(1, teams + 1)])
    connection.executemany(
        "INSERT INTO staff (id, username, display_name, is_active, created_at) VALUES (?,?,?,1,?)",
        [(s, f"sales.{s:03d}", f"销售{s:03d}", now) for s in range(1, staff + 1)])
    connection.executemany(
        "INSERT INTO team_member (team_id, staff_id, is_lead) VALUES (?, ?, ?)",
        [((s - 1) % teams + 1, s, s <= teams) for s in range(1, staff + 1)])
    connection.executemany(
        "INSERT INTO staff_role (staff_id, role) VALUES (?, 'agent')",
        [(s,) for s in range(1, staff + 1)])
    owners = [None if rng.random() < 0.05 else rng.randrange(1, staff + 1)
              for _ in range(customers)]
    competitors = list(range(customers + 1, customers + 51))
    connection.executemany(
        "INSERT INTO customer (id, kind, name, lifecycle_stage, owner_id, interests, custom, "
        "created_at, updated_at) VALUES (?, 'organization', ?, 'customer', ?, '[]', '{}', ?, ?)",
        [(c, f"公司{c}", owners[c - 1] if c <= customers else None, now, now)
         for c in range(1, customers + 51)])
    connection.executemany("INSERT INTO customer_role (customer_id, role) VALUES (?, ?)",
                           [(c, "competitor") for c in competitors])
    connection.execute("COMMIT")
    counts = {"opportunities": 0, "stage_changes": 0, "competitor_links": 0}
    change_id = 0
    for first in range(1, opportunities + 1, BATCH):
        opps, changes, links = [], [], []
        for oid in range(first, min(first + BATCH, opportunities + 1)):
            customer = rng.randrange(1, customers + 1)
            owner = owners[customer - 1] or rng.randrange(1, staff + 1)
            roll = rng.random()
            status = "open" if roll < 0.4 else "won" if roll < 0.75 else "lost"
            path = path_of(rng, status)
            at = START + dt.timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
            created = at
            for before, stage in zip([None, *path], path, strict=False):
                change_id += 1
                changes.append((change_id, oid, customer, "default", before, stage, stamp(at),
                                owner))
                at += dt.timedelta(minutes=rng.randrange(60, 40 * 24 * 60))
            closed_at = None if status == "open" else changes[-1][6]
            close = (local_day(dt.datetime.strptime(closed_at, SQLITE_DATETIME)) if closed_at
                     else (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(730))).isoformat())
            stage = path[-1]
            amount = rng.randrange(10, 10_000) * 10_000  # 100.00 to 999,900.00 yuan
            opps.append((oid, customer, f"机会{oid}", "default", stage, status, amount, "CNY",
                         PROBABILITY[stage], close, owner, rng.choice(SOURCES),
                         rng.choice(REASONS) if status == "lost" else None, closed_at,
                         stamp(created), changes[-1][6]))
            if rng.random() < 0.3:
                for rival in rng.sample(competitors, rng.choice((1, 1, 2))):
                    links.append((oid, rival, customer))
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO sales_opportunity (id, customer_id, name, pipeline, stage, status, "
            "amount, currency, probability, expected_close, owner_id, source, lost_reason, "
            "closed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", opps)
        connection.executemany(
            "INSERT INTO sales_stage_change (id, opportunity_id, customer_id, pipeline, "
            "from_stage, to_stage, changed_at, actor_id) VALUES (?,?,?,?,?,?,?,?)", changes)
        connection.executemany(
            "INSERT INTO sales_opportunity_competitor (opportunity_id, competitor_id, "
            "customer_id) VALUES (?,?,?)", links)
        connection.execute("COMMIT")
        counts["opportunities"] += len(opps)
        counts["stage_changes"] += len(changes)
        counts["competitor_links"] += len(links)
        print(f"  loaded {counts['opportunities']:,} opportunities, "
              f"{counts['stage_changes']:,} stage changes", file=sys.stderr, flush=True)
    connection.close()
    return counts


# --------------------------------------------------------------------------- plain SQL

QUARTER = ("CAST(substr(expected_close, 1, 4) AS INTEGER) * 10 "
           "+ (CAST(substr(expected_close, 6, 2) AS INTEGER) + 2) / 3")
MONTH = ("CAST(substr(expected_close, 1, 4) AS INTEGER) * 100 "
         "+ CAST(substr(expected_close, 6, 2) AS INTEGER)")
FORECAST = """
SELECT {key}, {period} AS period, currency,
       sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'open' THEN amount ELSE 0 END),
       sum(CASE WHEN status = 'open' THEN amount * probability ELSE 0 END),
       sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'won' THEN amount ELSE 0 END)
FROM sales_opportunity {join}
WHERE status != 'lost' {where}
GROUP BY period, {key}, currency
"""
WIN_LOSS = """
SELECT {key}, currency,
       sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'lost' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'won' THEN amount ELSE 0 END),
       sum(CASE WHEN status = 'lost' THEN amount ELSE 0 END)
FROM sales_opportunity {join}
WHERE status != 'open'
GROUP BY {key}, currency
"""
FLAGS = ", ".join(f"max(CASE WHEN to_stage = '{s}' THEN 1 ELSE 0 END) AS s{i}"
                  for i, s in enumerate(STAGES))
TOP = "max(CASE to_stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES)) \
    + " ELSE -1 END) AS top"
REACHED = f"(SELECT opportunity_id, {FLAGS}, {TOP} FROM sales_stage_change GROUP BY opportunity_id)"
BY_STAGE = f"""
SELECT o.status = 'won', o.currency,
       {", ".join(f"sum(r.s{i}), sum(r.s{i} * o.amount)" for i in range(4))}
FROM sales_opportunity o JOIN {REACHED} r ON r.opportunity_id = o.id
WHERE o.status != 'open' AND o.pipeline = 'default'
GROUP BY o.status = 'won', o.currency
"""
FUNNEL_SUMS = ", ".join(
    f"sum(r.s{i}), sum(CASE WHEN r.top > {i} OR o.status = 'won' THEN r.s{i} ELSE 0 END), "
    f"sum(CASE WHEN o.status = 'won' THEN r.s{i} ELSE 0 END)" for i in range(4))
FUNNEL = f"""
SELECT {FUNNEL_SUMS}
FROM sales_opportunity o JOIN {REACHED} r ON r.opportunity_id = o.id
WHERE o.pipeline = 'default'
"""
TIME_IN_STAGE = """
SELECT stage, count(*), sum(julianday(coalesce(next_at, ?)) - julianday(at))
FROM (SELECT pipeline, to_stage AS stage, changed_at AS at,
             lead(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at, id) AS next_at
      FROM sales_stage_change)
WHERE pipeline = 'default'
  AND stage IN ('qualification', 'needs_analysis', 'proposal', 'negotiation')
GROUP BY stage
"""
LOST_HERE = """
SELECT from_stage, count(*) FROM sales_stage_change
WHERE pipeline = 'default' AND to_stage = 'lost' GROUP BY from_stage
"""
OPEN_HERE = """
SELECT stage, count(*) FROM sales_opportunity
WHERE pipeline = 'default' AND status = 'open' GROUP BY stage
"""
CYCLE = """
SELECT owner_id,
       sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'lost' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'won' THEN julianday(closed_at) - julianday(created_at) ELSE 0 END),
       sum(CASE WHEN status = 'lost' THEN julianday(closed_at) - julianday(created_at) ELSE 0 END)
FROM sales_opportunity WHERE status != 'open' GROUP BY owner_id
"""
AGENT_WHERE = """
AND (customer_id IN (SELECT id FROM customer WHERE owner_id = :me
                     OR owner_id IN (SELECT staff_id FROM team_member WHERE team_id IN
                                     (SELECT team_id FROM team_member WHERE staff_id = :me))
                     OR owner_id IS NULL)
     OR sales_opportunity.owner_id = :me)
"""


def money(value: Any) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def same_forecast(ours: list[Any], plain: list[tuple], period: str) -> bool:
    """The same figures per period, group and currency (groups compared by their
    figures)."""
    mine = sorted((r.period, r.currency, r.open_count, r.pipeline, r.weighted, r.won_count,
                   r.won) for r in ours)
    theirs = sorted((analysis.period_label(p, period), currency, n, money(total),
                     (Decimal(int(weighted)) / 10000).quantize(Decimal("0.01")), won_n, money(won))
                    for _, p, currency, n, total, weighted, won_n, won in plain)
    return mine == theirs


def same_win_loss(ours: list[Any], plain: list[tuple]) -> bool:
    """The same counts and amounts per group and currency."""
    mine = sorted((r.currency, r.won, r.lost, r.won_amount, r.lost_amount) for r in ours)
    theirs = sorted((currency, w, lost, money(wa), money(la))
                    for _, currency, w, lost, wa, la in plain)
    return mine == theirs


def same_by_stage(ours: list[Any], plain: list[tuple]) -> bool:
    """The same won and lost counts per stage reached and currency."""
    totals = {(bool(row[0]), row[1]): row[2:] for row in plain}
    currencies = sorted({currency for _, currency in totals})
    nothing = [0] * 8
    theirs = sorted((currency, int(totals.get((True, currency), nothing)[2 * i] or 0),
                     int(totals.get((False, currency), nothing)[2 * i] or 0))
                    for i in range(4) for currency in currencies)
    return sorted((r.currency, r.won, r.lost) for r in ours) == theirs


# --------------------------------------------------------------------------- timing


class Bench:
    """Times our report functions and their plain twins, alternately, on one database."""

    def __init__(self, app: App, db: Path, runs: int, as_user: str | None = None):
        self.app = app
        self.runs = runs
        self.as_user = as_user
        self.raw, self.pragmas = benchkit.raw_twin(app, db)
        self.rows: list[tuple[str, float, float, bool, bool]] = []

    def ours(self, report: Callable[..., Any], **options: Any) -> Any:
        with self.app.transaction(as_user=self.as_user) as uow:
            return report(uow, **options)

    def plain(self, sql: str, params: Any = ()) -> list[tuple]:
        return self.raw.execute(sql, params).fetchall()

    def pair(self, label: str, ours: Callable[[], Any], plain: Callable[[], Any],
             same: Callable[[Any, Any], bool], target: bool = True) -> None:
        a, b, result_ours, result_plain = benchkit.alternate(ours, plain, self.runs)
        agree = same(result_ours, result_plain)
        self.rows.append((label, a, b, agree, target))
        print(f"{label:<44} ours {a:7.2f} s   plain {b:7.2f} s   ratio {a / b:4.2f}"
              f"{'' if agree else '   RESULTS DIFFER'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="50,000 opportunities")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.opportunities, args.customers = 50_000, 10_000
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_sales_"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "sales.db"
    wall = time.perf_counter()
    app = open_app(folder, db)
    upgrade(app)
    app.close()
    start = time.perf_counter()
    counts = load(db, args.opportunities, args.customers, args.staff, args.teams)
    print(f"loaded {counts} in {time.perf_counter() - start:.0f} s; "
          f"{db.stat().st_size / 2**20:.0f} MiB", flush=True)
    app = open_app(folder, db)
    bench = Bench(app, db, args.runs)
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{platform.machine()}, pragmas {bench.pragmas}", flush=True)
    with_links = ("LEFT JOIN sales_opportunity_competitor l "
                  "ON l.opportunity_id = sales_opportunity.id")
    with_teams = "LEFT JOIN team_member m ON m.staff_id = sales_opportunity.owner_id"

    def forecast_pair(period: str, by: str, key: str, join: str = "") -> None:
        sql = FORECAST.format(key=key, period=QUARTER if period == "quarter" else MONTH,
                              join=join, where="")
        bench.pair(f"forecast by {period} and {by}",
                   lambda: bench.ours(analysis.forecast, period=period, by=by),
                   lambda: bench.plain(sql),
                   lambda o, p: same_forecast(o, p, period))

    def win_loss_pair(by: str, key: str, join: str = "") -> None:
        sql = WIN_LOSS.format(key=key, join=join)
        bench.pair(f"win/loss by {by}", lambda: bench.ours(analysis.win_loss, by=by),
                   lambda: bench.plain(sql), same_win_loss)

    forecast_pair("quarter", "owner", "owner_id")
    forecast_pair("month", "team", "m.team_id", with_teams)
    win_loss_pair("owner", "owner_id")
    win_loss_pair("team", "m.team_id", with_teams)
    win_loss_pair("source", "source")
    win_loss_pair("competitor", "l.competitor_id", with_links)
    bench.pair("win/loss by stage reached", lambda: bench.ours(analysis.win_loss, by="stage"),
               lambda: bench.plain(BY_STAGE),
               same_by_stage)
    bench.pair("sales cycle by owner", lambda: bench.ours(analysis.sales_cycle, by="owner"),
               lambda: bench.plain(CYCLE),
               lambda o, p: sorted((r.won, r.lost) for r in o) == sorted((w, lo) for _, w, lo,
                                                                          _, _ in p),
               target=False)
    now = dt.datetime.now(dt.UTC)
    bench.pair("time in stage (window function)",
               lambda: bench.ours(analysis.time_in_stage),
               lambda: bench.plain(TIME_IN_STAGE, (stamp(now),)),
               lambda o, p: {k: v[0] for k, v in o.items()} == {s: n for s, n, _ in p},
               target=False)
    def plain_funnel() -> list[Any]:
        return [bench.plain(FUNNEL), bench.plain(LOST_HERE), bench.plain(OPEN_HERE),
                bench.plain(TIME_IN_STAGE, (stamp(dt.datetime.now(dt.UTC)),))]

    bench.pair("funnel (conversion, losses, open, time in stage)",
               lambda: bench.ours(analysis.funnel), plain_funnel,
               lambda o, p: [(r.entered, r.advanced, r.won, r.lost_here, r.open_here, r.stays)
                             for r in o] == [
                   (p[0][0][3 * i], p[0][0][3 * i + 1], p[0][0][3 * i + 2],
                    dict(p[1]).get(s, 0), dict(p[2]).get(s, 0), dict((x[0], x[1]) for x in p[3])
                    .get(s, 0)) for i, s in enumerate(STAGES)],
               target=False)

    agent = "sales.021"  # team 1, like sales.001 (its lead) and every 20th user
    me = 21
    agent_bench = Bench(app, db, args.runs, as_user=agent)
    sql = FORECAST.format(key="owner_id", period=QUARTER, join="", where=AGENT_WHERE)
    agent_bench.pair(f"forecast by quarter and owner, as {agent}",
                     lambda: agent_bench.ours(analysis.forecast, period="quarter", by="owner"),
                     lambda: agent_bench.plain(sql, {"me": me}),
                     lambda o, p: same_forecast(o, p, "quarter"), target=False)
    bench.rows += agent_bench.rows

    print("\n| report | ours | plain SQL | ours/plain | ≤ 5 s | ≤ 1.5× |")
    print("| --- | ---: | ---: | ---: | :---: | :---: |")
    for label, a, b, agree, target in bench.rows:
        fast = ("yes" if a < 5 else "**no**") if target else "-"
        close = "yes" if a / b <= 1.5 else "**no**"
        note = "" if agree else " (results differ!)"
        print(f"| {label}{note} | {a:.2f} s | {b:.2f} s | {a / b:.2f} | {fast} | {close} |")
    print(f"\nwhole run: {(time.perf_counter() - wall) / 60:.1f} min")
    app.close()
    bench.raw.close()
    agent_bench.raw.close()
    if not args.keep and args.dir is None:
        shutil.rmtree(folder)
    return 0 if all(agree for _, _, _, agree, _ in bench.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
