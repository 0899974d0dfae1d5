"""SLA benchmark: the ``service.sla`` job and the team queue over a million tickets.

One command, one run, one SQLite database (schema made by our migrations), loaded with
``--tickets`` tickets (1,000,000 by default) by plain ``executemany``: a quarter open
(new, open, pending, on hold), the rest resolved or closed, over ``--teams`` leaf teams
under regions under one root (a lead in every team), with deadlines around "now". The
open tickets are in the state the job would have left them ``--backlog`` minutes ago
(default 60: the job was down for an hour): what fell due before that is warned,
breached and escalated; what fell due since is the job's work. Then:

* **SLA job** — ours: :func:`guanxi_service.sla.job.run_sla` in a unit of work (SQLAlchemy
  statements built and executed, settings read); plain: the very SQL statements it
  executed, captured once and replayed with their parameters on a stdlib ``sqlite3``
  connection with the engine's pragmas. Each run is rolled back, so every run, ours or
  plain, finds the same backlog; the two alternate, median of ``--runs`` (target < 5 s).
  The rows each side changed are counted and compared. A last figure is the job one
  minute later once the backlog is committed (the every-minute steady state).
* **Team queue** — ours: :func:`guanxi_service.tickets.service.team_queue` (first page,
  50 tickets), each call in its own transaction as a request would have it; plain: the
  same SELECT on the raw connection. Alternating over ``--queues`` random teams; p50 and
  p99 of each (target < 20 ms) and their ratio; the ids returned are compared.

    python benchmarks/bench_service_sla.py                  # 1,000,000 tickets
    python benchmarks/bench_service_sla.py --quick          # 50,000
    python benchmarks/bench_service_sla.py --tickets 200000 --dir /tmp/b --keep
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchkit
from sqlalchemy import event
from sqlmodel import Session

from guanxi.access.principal import SYSTEM
from guanxi.app import App, UnitOfWork
from guanxi.db.migrate import upgrade
from guanxi_service.sla.job import run_sla
from guanxi_service.tickets.service import team_queue

SEED = 20261122
FMT = "%Y-%m-%d %H:%M:%S.%f"
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Shanghai
BATCH = 50_000
TYPES = ("inquiry", "complaint", "repair", "order_request", "return_exchange",
         "warranty_claim")
CHANNELS = ("phone", "email", "web", "wechat")
# policy: (share, first response minutes, resolution minutes, wall minutes per business
# minute: deadlines are drawn on the wall clock, the job does not recompute them)
POLICIES = {"urgent": (0.05, 30, 240, 1.0), "vip": (0.10, 60, 960, 2.5),
            "complaint": (0.10, 120, 1440, 2.5), "high": (0.15, 120, 1440, 2.5),
            "standard": (0.60, 480, 2400, 2.5)}
EVERY = dt.timedelta(minutes=120)  # the default escalation interval
MAX_LEVEL = 3


def stamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).strftime(FMT)


def pick_policy(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for name, (share, *_rest) in POLICIES.items():
        total += share
        if roll < total:
            return name
    return "standard"


def open_ticket_state(rng: random.Random, opened: dt.datetime, policy: str, status: str,
                      seen_until: dt.datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SLA columns of an open ticket and its clock as of ``seen_until`` (the last job)."""
    _, fr_min, res_min, wall = POLICIES[policy]
    fr_due = opened + dt.timedelta(minutes=fr_min * wall)
    res_due = opened + dt.timedelta(minutes=res_min * wall)
    fr_warn = opened + (fr_due - opened) * 0.8
    res_warn = opened + (res_due - opened) * 0.8
    responded = None
    if rng.random() < 0.6:
        responded = opened + dt.timedelta(minutes=rng.uniform(5, fr_min * wall * 1.2))
        if responded > NOW:
            responded = None
    t: dict[str, Any] = {"first_response_due_at": fr_due, "resolution_due_at": res_due,
                         "first_responded_at": responded, "fr_b": False, "res_b": False,
                         "level": 0, "paused_at": None}
    c: dict[str, Any] = {"fr_warn": None, "res_warn": None, "fr_warned": None,
                         "res_warned": None, "breached": None, "next_esc": None}
    fr_open = responded is None or responded > fr_due
    if responded is not None and responded > fr_due:
        t["fr_b"] = True  # a late reply
    if fr_open and responded is None:
        if fr_due <= seen_until:
            t["fr_b"] = True
        elif fr_warn <= seen_until:
            c["fr_warned"] = fr_warn
        else:
            c["fr_warn"] = fr_warn
    if res_due <= seen_until:
        t["res_b"] = True
    elif res_warn <= seen_until:
        c["res_warned"] = res_warn
    else:
        c["res_warn"] = res_warn
    unmet = t["res_b"] or (t["fr_b"] and responded is None)
    if unmet:
        first = min(d for d, b in ((fr_due, t["fr_b"] and responded is None),
                                   (res_due, t["res_b"])) if b)
        level = min(MAX_LEVEL, int((seen_until - first) / EVERY) + 1)
        t["level"] = level
        c["breached"] = first
        c["next_esc"] = first + EVERY * level if level < MAX_LEVEL else None
    if status == "pending":
        t["paused_at"] = seen_until - dt.timedelta(minutes=rng.randrange(1, 600))
    state = ("paused" if status == "pending" else "breached" if t["fr_b"] or t["res_b"]
             else "warned" if c["fr_warned"] or c["res_warned"] else "running")
    t["state"] = state
    unmet_fr = fr_due if responded is None else None
    t["sla_due_at"] = None if status == "pending" else min(
        d for d in (unmet_fr, res_due) if d is not None)
    if status == "pending":
        c["check_at"] = None
    else:
        pending = [c["fr_warn"], c["res_warn"],
                   fr_due if responded is None and not t["fr_b"] else None,
                   res_due if not t["res_b"] else None,
                   c["next_esc"] if unmet else None]
        c["check_at"] = min((p for p in pending if p is not None), default=None)
    return t, c


def load(db: Path, tickets: int, customers: int, regions: int, teams: int,
         backlog: int) -> dict[str, int]:
    """Fill the database with plain executemany; returns the row counts."""
    rng = random.Random(SEED)
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    created = stamp(NOW - dt.timedelta(days=800))
    team_rows = [(1, "客服中心", None)]
    team_rows += [(1 + r, f"大区{r:02d}", 1) for r in range(1, regions + 1)]
    leaves = list(range(regions + 2, regions + 2 + teams))
    team_rows += [(t, f"服务组{t:04d}", 2 + (t - regions - 2) % regions) for t in leaves]
    connection.executemany("INSERT INTO team (id, name, description, parent_id) "
                           "VALUES (?, ?, '', ?)", team_rows)
    staff, members, agents = [], [], {}
    for team_id, _, _ in team_rows:
        staff.append((len(staff) + 1, f"lead.{team_id:04d}", f"组长{team_id}"))
        members.append((team_id, len(staff), True))
        if team_id in leaves:
            agents[team_id] = []
            for _ in range(5):
                staff.append((len(staff) + 1, f"agent.{len(staff) + 1:05d}", "坐席"))
                members.append((team_id, len(staff), False))
                agents[team_id].append(len(staff))
    connection.executemany("INSERT INTO staff (id, username, display_name, is_active, "
                           "created_at) VALUES (?, ?, ?, 1, ?)",
                           [(*row, created) for row in staff])
    connection.executemany("INSERT INTO team_member (team_id, staff_id, is_lead) "
                           "VALUES (?, ?, ?)", members)
    connection.executemany(
        "INSERT INTO customer (id, kind, name, lifecycle_stage, interests, custom, created_at, "
        "updated_at) VALUES (?, 'person', ?, 'customer', '[]', ?, ?, ?)",
        [(c, f"客户{c}", json.dumps({"value_segment": rng.choice(("vip", "key", "regular"))}),
          created, created) for c in range(1, customers + 1)])
    connection.execute("COMMIT")
    seen_until = NOW - dt.timedelta(minutes=backlog)
    counts = {"tickets": 0, "open": 0}
    for first in range(1, tickets + 1, BATCH):
        ticket_rows, clock_rows = [], []
        for tid in range(first, min(first + BATCH, tickets + 1)):
            team = rng.choice(leaves)
            assignee = rng.choice(agents[team]) if rng.random() < 0.9 else None
            policy = pick_policy(rng)
            customer = rng.randrange(1, customers + 1)
            is_open = rng.random() < 0.25
            if is_open:
                opened = NOW - dt.timedelta(minutes=rng.uniform(1, 7 * 24 * 60))
                status = rng.choices(("new", "open", "pending", "on_hold"), (2, 5, 1, 2))[0]
                t, c = open_ticket_state(rng, opened, policy, status, seen_until)
                resolved = closed = None
                counts["open"] += 1
            else:
                opened = NOW - dt.timedelta(minutes=rng.uniform(8 * 24 * 60, 730 * 24 * 60))
                status = rng.choice(("resolved", "closed", "closed"))
                _, fr_min, res_min, wall = POLICIES[policy]
                fr_due = opened + dt.timedelta(minutes=fr_min * wall)
                res_due = opened + dt.timedelta(minutes=res_min * wall)
                responded = opened + dt.timedelta(minutes=rng.uniform(5, fr_min * wall * 1.3))
                resolved = opened + dt.timedelta(minutes=rng.uniform(30, res_min * wall * 1.3))
                closed = resolved + dt.timedelta(days=3) if status == "closed" else None
                t = {"first_response_due_at": fr_due, "resolution_due_at": res_due,
                     "first_responded_at": responded, "fr_b": responded > fr_due,
                     "res_b": resolved > res_due, "level": 0, "paused_at": None,
                     "sla_due_at": None}
                t["state"] = "missed" if t["fr_b"] or t["res_b"] else "met"
                c = {"fr_warn": None, "res_warn": None, "fr_warned": None, "res_warned": None,
                     "breached": None, "next_esc": None, "check_at": None}
            ticket_rows.append((
                tid, f"SR-{tid:07d}", customer, rng.choice(TYPES), rng.choice(CHANNELS),
                "normal", status, f"服务请求 {tid}", assignee, team, stamp(opened),
                stamp(resolved), stamp(closed), policy, stamp(t["first_response_due_at"]),
                stamp(t["first_responded_at"]), stamp(t["resolution_due_at"]),
                stamp(t["sla_due_at"]), stamp(t["paused_at"]), t["state"], t["level"],
                t["fr_b"], t["res_b"], stamp(opened), stamp(opened)))
            clock_rows.append((
                tid, customer, stamp(opened), stamp(c["fr_warn"]), stamp(c["res_warn"]),
                stamp(c["fr_warned"]), stamp(c["res_warned"]), stamp(c["breached"]),
                stamp(c["next_esc"]), stamp(c["check_at"])))
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO service_ticket (id, number, customer_id, type, channel, priority, "
            "status, subject, assignee_id, team_id, opened_at, resolved_at, closed_at, "
            "sla_policy, first_response_due_at, first_responded_at, resolution_due_at, "
            "sla_due_at, sla_paused_at, sla_state, escalation_level, first_response_breached, "
            "resolution_breached, created_at, updated_at, reopened_count, sla_paused_seconds) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,0)", ticket_rows)
        connection.executemany(
            "INSERT INTO service_sla_clock (ticket_id, customer_id, resolution_started_at, "
            "resolution_paused_base, first_response_warn_at, resolution_warn_at, "
            "first_response_warned_at, resolution_warned_at, breached_at, next_escalation_at, "
            "check_at) VALUES (?,?,?,0,?,?,?,?,?,?,?)", clock_rows)
        connection.execute("COMMIT")
        counts["tickets"] += len(ticket_rows)
        print(f"  loaded {counts['tickets']:,} tickets", file=sys.stderr, flush=True)
    connection.execute("ANALYZE")
    connection.close()
    return counts


# --------------------------------------------------------------------------- the job

CHANGED = ("SELECT (SELECT count(*) FROM service_ticket_event), (SELECT count(*) FROM task), "
           "(SELECT count(*) FROM service_ticket WHERE sla_state = 'breached'), "
           "(SELECT count(*) FROM service_sla_clock WHERE check_at <= ?)")


def job_ours(app: App, now: dt.datetime, *, commit: bool = False,
             capture: list[tuple[str, Any]] | None = None) -> tuple[float, str, tuple]:
    """Run the job in a unit of work; rolled back unless ``commit``. Seconds, summary,
    and the counts seen inside the transaction."""
    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        assert capture is not None
        # The engine's own BEGIN (SQLite transactions are started explicitly) is not the job's.
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            capture.append((statement, parameters))

    if capture is not None:
        event.listen(app.engine, "before_cursor_execute", record)
    try:
        with Session(app.engine, expire_on_commit=False) as session:
            session.begin()
            uow = UnitOfWork(app, session, principal=SYSTEM, now=now)
            start = time.perf_counter()
            summary = run_sla(uow, now)
            session.flush()
            seconds = time.perf_counter() - start
            if capture is not None:
                event.remove(app.engine, "before_cursor_execute", record)
                capture = None
            counts = tuple(session.connection().exec_driver_sql(CHANGED, (stamp(now),)).one())
            if commit:
                session.commit()
            else:
                session.rollback()
    finally:
        if capture is not None:
            event.remove(app.engine, "before_cursor_execute", record)
    return seconds, summary, counts


def job_plain(raw: sqlite3.Connection, statements: list[tuple[str, Any]],
              now: dt.datetime) -> tuple[float, tuple]:
    """Replay the captured statements on the raw connection, timed, then roll back."""
    raw.execute("BEGIN")
    start = time.perf_counter()
    for statement, parameters in statements:
        raw.execute(statement, parameters)
    seconds = time.perf_counter() - start
    counts = tuple(raw.execute(CHANGED, (stamp(now),)).fetchone())
    raw.execute("ROLLBACK")
    return seconds, counts


# --------------------------------------------------------------------------- the queue

QUEUE = ("SELECT * FROM service_ticket WHERE team_id = ? "
         "AND status IN ('new', 'open', 'pending', 'on_hold') "
         "ORDER BY sla_due_at ASC NULLS LAST, id LIMIT 50")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--teams", type=int, default=200, help="leaf teams")
    parser.add_argument("--backlog", type=int, default=60, help="minutes the job was down")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queues", type=int, default=500, help="team queues timed")
    parser.add_argument("--quick", action="store_true", help="50,000 tickets")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.tickets, args.customers, args.teams, args.regions = 50_000, 10_000, 40, 5
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_sla_"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "sla.db"
    app = benchkit.open_app(folder, db, ["service"])
    upgrade(app)
    app.close()
    start = time.perf_counter()
    counts = load(db, args.tickets, args.customers, args.regions, args.teams, args.backlog)
    print(f"loaded {counts['tickets']:,} tickets ({counts['open']:,} open) in "
          f"{time.perf_counter() - start:.0f} s; {db.stat().st_size / 2**20:.0f} MiB", flush=True)
    app = benchkit.open_app(folder, db, ["service"])
    raw, pragmas = benchkit.raw_twin(app, db)
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{platform.machine()}, pragmas {pragmas}", flush=True)
    failures = 0

    # The job over the backlog, rolled back after every run.
    statements: list[tuple[str, Any]] = []
    _, summary, counts_ours = job_ours(app, NOW, capture=statements)
    _, counts_plain = job_plain(raw, statements, NOW)
    times_ours, times_plain = [], []
    for _ in range(args.runs):
        seconds, _, counts_ours = job_ours(app, NOW)
        times_ours.append(seconds)
        seconds, counts_plain = job_plain(raw, statements, NOW)
        times_plain.append(seconds)
    a, b = statistics.median(times_ours), statistics.median(times_plain)
    same = counts_ours == counts_plain
    failures += (not same) + (a >= 5)
    print(f"SLA job, {args.backlog}-minute backlog ({summary}; {len(statements)} statements)\n"
          f"  ours {a:6.3f} s   plain {b:6.3f} s   ratio {a / b:4.2f}   target < 5 s"
          f"{'' if same else '   RESULTS DIFFER ' + str((counts_ours, counts_plain))}",
          flush=True)
    # The backlog committed, then the every-minute run and a second run at that instant.
    job_ours(app, NOW, commit=True)
    later = NOW + dt.timedelta(minutes=1)
    steady, summary, _ = job_ours(app, later, commit=True)
    again, repeat, _ = job_ours(app, later, commit=True)
    print(f"SLA job, the next minute: {steady * 1000:6.1f} ms ({summary}); "
          f"again at the same instant: {again * 1000:6.1f} ms ({repeat})", flush=True)
    failures += repeat != "0 breaches, 0 warnings, 0 escalations"

    # The team queue.
    rng = random.Random(SEED + 1)
    leaves = [row[0] for row in raw.execute(
        "SELECT id FROM team WHERE id NOT IN (SELECT parent_id FROM team "
        "WHERE parent_id IS NOT NULL)")]
    ours_ms, plain_ms, differ = [], [], 0
    with app.transaction() as uow:  # warm-up: statement caches, first connection
        team_queue(uow, leaves[0], limit=50)
    for team in [rng.choice(leaves) for _ in range(args.queues)]:
        start = time.perf_counter()
        with app.transaction() as uow:
            mine = [t.id for t in team_queue(uow, team, limit=50)]
        ours_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        theirs = [row[0] for row in raw.execute(QUEUE, (team,)).fetchall()]
        plain_ms.append((time.perf_counter() - start) * 1000)
        differ += mine != theirs
    p50, p99 = percentile(ours_ms, 0.5), percentile(ours_ms, 0.99)
    q50, q99 = percentile(plain_ms, 0.5), percentile(plain_ms, 0.99)
    failures += (differ > 0) + (p99 >= 20)
    print(f"team queue, first page of 50, {args.queues} random teams of "
          f"{len(leaves)}\n  ours p50 {p50:6.2f} ms p99 {p99:6.2f} ms   plain p50 {q50:6.2f} ms "
          f"p99 {q99:6.2f} ms   ratio p50 {p50 / q50:4.1f} p99 {p99 / q99:4.1f}   "
          f"target < 20 ms{'' if not differ else f'   {differ} PAGES DIFFER'}", flush=True)
    raw.close()
    app.close()
    if not args.keep and args.dir is None:
        shutil.rmtree(folder)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
