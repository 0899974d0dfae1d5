"""Storage benchmark: the bulk import paths against raw ``sqlite3`` ``executemany``.

One command, one run, two SQLite databases with the same schema (created the same way)
and the same pragmas:

* **ours** — ``add_customers(..., check=False)`` / ``log_interactions`` in one
  ``app.transaction()`` per batch: every row validated, contact points normalised,
  identity match keys written, rollups maintained, one hook per batch. ``check=False``
  skips the duplicate *lookup* of new customers against the stored ones (the raw side
  looks nothing up either) but still writes every customer's ``customer_match_key``
  rows, as every stored customer has them;
* **ours, check on** (customers only; ``--no-check-line`` leaves it out) — a third
  database fed the same customer batches through ``add_customers`` with the duplicate
  check on, as ``guanxi import`` runs by default (``[identity] check_on_create``). It
  is printed as a second ratio against the same raw times; it also queues the pairs it
  flags, which the raw side does not store, so it is not part of the row comparison;
* **raw** — the stdlib ``sqlite3`` module, ``executemany`` of the same rows already in
  their stored form (normalised email, E.164 phone, ISO timestamps, integer money, and
  the match keys, computed by guanxi's own :func:`guanxi.identity.keys.keys_for` while
  the batch is generated, untimed), one ``BEGIN IMMEDIATE … COMMIT`` per batch of the
  same size. For interactions it also keeps the same ``customer_rollup`` rows, with the
  statements ours runs (decision 21): the upsert of each interaction's customer and the
  ``last_at`` move, their parameter rows computed while the batch is generated. The
  time of those statements is also reported apart, so the ratio against the bare
  interaction inserts (the comparison before decision 21) is printed too.

Rows are generated deterministically (seeded) and streamed batch by batch: the same
batch goes to both databases, generation time is counted for neither. Afterwards a
sample of stored rows is compared between the databases, so "the same rows" is checked,
not assumed. Then the customer 360 view is timed on random customers.

    python benchmarks/bench_storage.py [--customers N] [--interactions M] [--batch B]
                                       [--no-check-line]
    python benchmarks/bench_storage.py --quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import json
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect
from sqlmodel import SQLModel

from guanxi.app import DEFAULT_EDITION, App, UnitOfWork, create_app
from guanxi.editions import load_edition
from guanxi.identity.keys import keys_for
from guanxi.identity.rules import MatchRules
from guanxi.identity.settings import SECTION, match_rules
from guanxi.models import CustomerRollup
from guanxi.services.customer360 import customer_360
from guanxi.services.customers import CUSTOMER_COLUMNS, add_customers
from guanxi.services.interactions import INTERACTION_COLUMNS, log_interactions
from guanxi.services.rollups import _SQLITE_INSERT, _SQLITE_LAST_AT, _SQLITE_MAPS_BY_PATH

# The statements ours runs to keep a customer's rollup row: what a hand-written loader
# keeping the same rows runs too (the raw side sends them through ``executemany``).
ROLLUP_UPSERT = _SQLITE_INSERT + _SQLITE_MAPS_BY_PATH


SEED = 20261122
# The stored form of a datetime on SQLite: SQLAlchemy's DATETIME storage format, UTC.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
# Pragmas copied from our engine's connection to the raw one, so both run the same.
MIRRORED_PRAGMAS = (
    "journal_mode",
    "synchronous",
    "foreign_keys",
    "busy_timeout",
    "cache_size",
    "temp_store",
)
# Every table the raw side writes, with its columns (ids included where we pass them).
RAW_TABLES = {
    "customer": CUSTOMER_COLUMNS,
    "customer_role": ("customer_id", "role"),
    "contact_point": ("customer_id", "kind", "value", "normalized", "label", "is_primary"),
    "external_identity": ("customer_id", "source", "external_id"),
    "customer_match_key": ("key", "customer_id"),
    "interaction": INTERACTION_COLUMNS,
}
# Every table the sample comparison reads: the written ones and the rollups.
COMPARED = {**RAW_TABLES, "customer_rollup": tuple(CustomerRollup.__table__.c.keys())}  # type: ignore[attr-defined]
# When a row was written differs between the databases; every other column must not.
WRITE_TIME_COLUMNS = {"created_at", "updated_at", "recorded_at"}
IDENTITY_SOURCE = "crm-legacy"

# --------------------------------------------------------------------------- data

FAMILY_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
    "建华",
    "志强",
    "桂英",
    "玉兰",
]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Henry",
    "Iris",
    "James",
    "Klara",
    "Lucas",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Sofia",
    "Tom",
]
LAST_NAMES = [
    "Smith",
    "Müller",
    "Martin",
    "Rossi",
    "García",
    "Dubois",
    "Jensen",
    "Novak",
    "Brown",
    "Weber",
    "Silva",
    "Kowalski",
    "Nielsen",
    "Moreau",
    "Taylor",
]
# Mobile prefixes that libphonenumber's CN metadata accepts for every 8-digit tail.
MOBILE_PREFIXES = [
    130,
    131,
    132,
    133,
    135,
    136,
    137,
    138,
    139,
    150,
    151,
    152,
    155,
    156,
    157,
    158,
    159,
    176,
    177,
    180,
    181,
    182,
    183,
    185,
    186,
    187,
    188,
    189,
]
MAIL_DOMAINS = ["qq.com", "163.com", "126.com", "Sina.com", "Gmail.com", "example.COM"]
ROLE_SETS = [("customer",)] * 8 + [("customer", "dealer"), ("partner",)]
STAGES = ["prospect", "lead", "customer", "customer", "loyal", "at_risk", "churned"]
CHANNELS = ["phone", "email", "visit", "sms", "chat", "pos", "web"]
DIRECTIONS = ["inbound", "outbound"]
PRODUCTS = ["茶叶礼盒", "Shampoo 500ml", "电饭煲", "Running shoes", "月饼", "Printer ink"]
OUTCOMES = [None, "interested", "call back", "not interested", "ordered"]
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
HISTORY = dt.timedelta(days=3 * 365)


@dataclass
class Batch:
    """One batch as the API takes it (``given``) and as the raw side stores it (``rows``
    inserted, then ``upserts``: statements and their parameter rows, run in order)."""

    given: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    upserts: list[tuple[str, list[tuple[Any, ...]]]] = field(default_factory=list)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(table, []).append(row)


def _stored_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(SQLITE_DATETIME)


def customer_batches(
    count: int, size: int, now: dt.datetime, rules: MatchRules
) -> Iterator[Batch]:
    """``count`` customers in batches of ``size``; customer ``i`` gets id ``i`` (from 1).

    The raw rows include the identity match keys, made by guanxi's own ``keys_for``
    from each customer as the matching engine sees her (``rules``: the app's rules).
    """
    rng = random.Random(SEED)
    stamp = _stored_time(now)
    for start in range(1, count + 1, size):
        batch = Batch()
        engine_records: list[dict[str, Any]] = []
        for cid in range(start, min(start + size, count + 1)):
            if rng.random() < 0.7:
                family, given = rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES)
                name, local = family + given, f"kh{cid}"
            else:
                given, family = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                name, local = f"{given} {family}", f"{given}.{family[0]}{cid}"
            email = f"{local}@{rng.choice(MAIL_DOMAINS)}"
            phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            roles = rng.choice(ROLE_SETS)
            stage = rng.choice(STAGES)
            external_id = f"L{cid:09d}"
            batch.given.append(
                {
                    "name": name,
                    "family_name": family,
                    "given_name": given,
                    "roles": list(roles),
                    "lifecycle_stage": stage,
                    "emails": [email],
                    "phones": [phone],
                    "identities": [{"source": IDENTITY_SOURCE, "external_id": external_id}],
                }
            )
            batch.add(
                "customer",
                (
                    cid,
                    "person",
                    name,
                    family,
                    given,
                    None,
                    stage,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "[]",
                    None,
                    "{}",
                    stamp,
                    stamp,
                ),
            )
            for role in roles:
                batch.add("customer_role", (cid, role))
            batch.add("contact_point", (cid, "email", email, email.lower(), None, 1))
            batch.add("contact_point", (cid, "phone", phone, "+86" + phone, None, 1))
            batch.add("external_identity", (cid, IDENTITY_SOURCE, external_id))
            engine_records.append(
                {
                    "id": cid,
                    "kind": "person",
                    "name": name,
                    "family_name": family,
                    "given_name": given,
                    "birth_date": None,
                    "phone": "+86" + phone,
                    "email": email.lower(),
                }
            )
        batch.rows["customer_match_key"] = keys_for(engine_records, rules)
        yield batch


def _payload(rng: random.Random, kind: str, number: int) -> tuple[dict[str, Any], int | None]:
    """A valid payload of ``kind`` in the form validation returns; revenue in cents."""
    if kind == "core.note":
        return {"text": f"备注 {number}: 客户偏好周末联系"}, None
    if kind == "core.contact":
        return {"summary": f"follow-up #{number}", "outcome": rng.choice(OUTCOMES)}, None
    lines = []
    for _ in range(rng.randint(1, 3)):
        quantity, unit_cents = float(rng.randint(1, 5)), rng.randint(500, 200_000)
        lines.append(
            {
                "sku": f"SKU-{rng.randrange(10_000):05d}",
                "name": rng.choice(PRODUCTS),
                "quantity": quantity,
                "unit_price": unit_cents / 100,
            }
        )
    cents = sum(int(line["quantity"]) * round(line["unit_price"] * 100) for line in lines)
    return {"order_ref": f"SO{number:010d}", "lines": lines}, cents


def interaction_batches(count: int, size: int, customers: int, now: dt.datetime) -> Iterator[Batch]:
    """``count`` interactions of random customers over the last three years."""
    rng = random.Random(SEED + 1)
    stamp = _stored_time(now)
    oldest = now - HISTORY
    span = int(HISTORY.total_seconds())
    for start in range(1, count + 1, size):
        batch = Batch()
        for iid in range(start, min(start + size, count + 1)):
            cid = rng.randint(1, customers)
            kind = rng.choices(("core.purchase", "core.contact", "core.note"), (3, 5, 2))[0]
            channel = "pos" if kind == "core.purchase" else rng.choice(CHANNELS)
            direction = rng.choice(DIRECTIONS)
            occurred = (oldest + dt.timedelta(seconds=rng.randrange(span))).astimezone(LOCAL_TZ)
            payload, cents = _payload(rng, kind, iid)
            subject = f"{kind.split('.')[1]} {iid}"
            given: dict[str, Any] = {
                "customer_id": cid,
                "kind": kind,
                "channel": channel,
                "direction": direction,
                "occurred_at": occurred,
                "subject": subject,
                "source": IDENTITY_SOURCE,
                "payload": payload,
            }
            if cents is not None:
                given["revenue"] = Decimal(cents).scaleb(-2)
            batch.given.append(given)
            batch.add(
                "interaction",
                (
                    iid,
                    cid,
                    _stored_time(occurred),
                    stamp,
                    channel,
                    kind,
                    direction,
                    None,
                    subject,
                    cents,
                    None,
                    "CNY",
                    IDENTITY_SOURCE,
                    json.dumps(payload),
                    None,
                ),
            )
        batch.upserts = rollup_upserts(batch.rows["interaction"])
        yield batch


def rollup_upserts(rows: list[tuple[Any, ...]]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The rollup statements of one batch of stored interaction rows, with their
    parameters as ours binds them: one upsert row per interaction in customer order
    (a stable sort, as ours), then each customer's latest time of the batch."""
    upserts, latest = [], {}
    for row in sorted(rows, key=lambda r: r[1]):
        _, cid, at, _, channel, kind, _, _, _, cents, cost, *_ = row
        stamp = f"{at[:10]}T{at[11:19]}Z"
        counted = 1 if cents is not None and cents > 0 else 0
        upserts.append((cid, at, counted, cents or 0, cost or 0, kind, channel, stamp,
                        f'$."{kind}"', f'$."{channel}"'))
        if at > latest.get(cid, ""):
            latest[cid] = at
    return [(ROLLUP_UPSERT, upserts), (_SQLITE_LAST_AT, list(latest.items()))]


# --------------------------------------------------------------------------- databases


def open_app(path: Path) -> App:
    """An application on the SQLite file ``path``, its schema created.

    The core alone: installed plugins are ignored and the edition's are switched off,
    so what is measured is the core's bulk paths (a plugin's batch hooks are its own
    cost, measured by its own benchmark).
    """
    app = create_app(
        path.parent,
        settings={"core": {"database_url": f"sqlite:///{path}"}},
        environ={},
        entry_points=False,
        disable=tuple(load_edition(DEFAULT_EDITION).plugins),
    )
    if importlib.util.find_spec("guanxi.db.migrate") is not None:
        from guanxi.db.migrate import upgrade

        upgrade(app)
    # Without the migrations module, or before the core's first revision exists.
    if not inspect(app.engine).has_table("customer"):
        SQLModel.metadata.create_all(app.engine)
    return app


def engine_pragmas(app: App) -> dict[str, Any]:
    """The pragmas our engine's connections run with."""
    with app.engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in MIRRORED_PRAGMAS
        }


class RawDatabase:
    """The baseline: stdlib ``sqlite3``, ``executemany`` per table, one transaction a batch."""

    def __init__(self, path: Path, pragmas: dict[str, Any]):
        # The schema is made exactly as ours is (same DDL, same indexes).
        open_app(path).close()
        self.connection = sqlite3.connect(path, isolation_level=None)
        for name, value in pragmas.items():
            self.connection.execute(f"PRAGMA {name} = {value}")
        self.sql = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
            for table, columns in RAW_TABLES.items()
        }

    def pragmas(self) -> dict[str, Any]:
        return {
            name: self.connection.execute(f"PRAGMA {name}").fetchone()[0]
            for name in MIRRORED_PRAGMAS
        }

    def insert(self, batch: Batch) -> float:
        """Store ``batch`` in one transaction; the seconds its upserts took."""
        self.connection.execute("BEGIN IMMEDIATE")
        for table, rows in batch.rows.items():
            self.connection.executemany(self.sql[table], rows)
        upserting = 0.0
        if batch.upserts:
            started = time.perf_counter()
            for sql, params in batch.upserts:
                self.connection.executemany(sql, params)
            upserting = time.perf_counter() - started
        self.connection.execute("COMMIT")
        return upserting

    def close(self) -> None:
        self.connection.close()


# --------------------------------------------------------------------------- measuring


@dataclass
class Timing:
    """Seconds spent by each side on one phase."""

    rows: int = 0
    ours: float = 0.0
    raw: float = 0.0
    checked: float | None = None  # the "check on" side, when it ran
    raw_upserts: float = 0.0  # of ``raw``, the rollup statements' share

    def report(self, label: str, note: str, checked_note: str = "") -> float:
        ratio = self.raw / self.ours
        print(f"{label}: {self.rows:,} rows")
        print(f"  ours {self.rows / self.ours:12,.0f} rows/s  ({self.ours:8.1f} s)  {note}")
        print(f"  raw  {self.rows / self.raw:12,.0f} rows/s  ({self.raw:8.1f} s)")
        print(f"  ratio ours/raw = {ratio:.2f}  (target >= 0.50)")
        if self.raw_upserts:
            bare = self.raw - self.raw_upserts
            print(
                f"  raw without its rollup upserts {self.rows / bare:12,.0f} rows/s  "
                f"({bare:8.1f} s): ratio ours/raw-bare = {bare / self.ours:.2f}"
            )
        if self.checked is not None:
            print(
                f"  ours, duplicate check on {self.rows / self.checked:12,.0f} rows/s  "
                f"({self.checked:8.1f} s)  {checked_note}"
            )
            print(f"  ratio ours(check on)/raw = {self.raw / self.checked:.2f}")
        return ratio


def import_phase(
    label: str,
    app: App,
    raw: RawDatabase,
    batches: Iterator[Batch],
    store: Callable[[UnitOfWork, list[dict[str, Any]]], Any],
    total: int,
    checked: tuple[App, Callable[[UnitOfWork, list[dict[str, Any]]], Any]] | None = None,
) -> Timing:
    """Send each batch to both databases (and to ``checked``'s app with its own store
    function, when given), timing only the storing."""
    timing = Timing(checked=None if checked is None else 0.0)
    next_report = time.monotonic() + 30
    for batch in batches:
        started = time.perf_counter()
        with app.transaction() as uow:
            store(uow, batch.given)
        timing.ours += time.perf_counter() - started
        if checked is not None:
            other_app, other_store = checked
            started = time.perf_counter()
            with other_app.transaction() as uow:
                other_store(uow, batch.given)
            timing.checked += time.perf_counter() - started  # type: ignore[operator]
        started = time.perf_counter()
        timing.raw_upserts += raw.insert(batch)
        timing.raw += time.perf_counter() - started
        timing.rows += len(batch.given)
        if time.monotonic() > next_report:
            next_report = time.monotonic() + 30
            print(f"  … {label}: {timing.rows:,}/{total:,}", file=sys.stderr, flush=True)
    return timing


def compare_sample(app: App, raw: RawDatabase, customers: int, interactions: int) -> None:
    """Check that both databases hold the same rows (a random sample of each table)."""
    rng = random.Random(SEED + 2)
    checks = {
        "customer": ("id", customers),
        "customer_role": ("customer_id", customers),
        "contact_point": ("customer_id", customers),
        "external_identity": ("customer_id", customers),
        "customer_match_key": ("customer_id", customers),
        "interaction": ("id", interactions),
        "customer_rollup": ("customer_id", customers),
    }
    with app.engine.connect() as ours:
        for table, (key, top) in checks.items():
            columns = ", ".join(c for c in COMPARED[table] if c not in WRITE_TIME_COLUMNS)
            sql = f"SELECT {columns} FROM {table} WHERE {key} = ? ORDER BY {columns}"
            for value in rng.sample(range(1, top + 1), min(200, top)):
                mine = [tuple(r) for r in ours.exec_driver_sql(sql, (value,)).fetchall()]
                theirs = raw.connection.execute(sql, (value,)).fetchall()
                if mine != theirs:
                    raise SystemExit(f"{table} {key}={value} differs:\n {mine}\n {theirs}")
        ours.rollback()


def time_views(app: App, customers: int, samples: int) -> list[float]:
    """Milliseconds per view (a transaction each, as a request would have)."""
    rng = random.Random(SEED + 3)
    ids = [rng.randint(1, customers) for _ in range(samples)]
    for customer_id in ids[:100]:  # warm up statement caches, not the data
        with app.transaction() as uow:
            customer_360(uow, customer_id)
    times = []
    for customer_id in ids:
        started = time.perf_counter()
        with app.transaction() as uow:
            customer_360(uow, customer_id)
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: Sequence[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def store_customers(uow: UnitOfWork, rows: list[dict[str, Any]]) -> Any:
    """The bulk load measured against raw: keys written, no duplicate lookup."""
    return add_customers(uow, rows, check=False)


def store_customers_checked(uow: UnitOfWork, rows: list[dict[str, Any]]) -> Any:
    """The same with the duplicate check on, as ``guanxi import`` runs by default."""
    return add_customers(uow, rows, check=True)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per transaction")
    parser.add_argument("--views", type=int, default=2_000, help="360 views to time")
    parser.add_argument("--quick", action="store_true", help="50k customers, 250k interactions")
    parser.add_argument("--dir", type=Path, help="where the databases go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--no-check-line",
        action="store_true",
        help="leave out the third database that stores the customers with the duplicate "
        "check on (the second customers ratio)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.interactions = 50_000, 250_000
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="guanxi-bench-"))
    (workdir / "ours").mkdir(parents=True, exist_ok=False)
    (workdir / "raw").mkdir(exist_ok=False)
    app = open_app(workdir / "ours" / "guanxi.db")
    raw = RawDatabase(workdir / "raw" / "guanxi.db", engine_pragmas(app))
    checked_app: App | None = None
    flagged = 0
    if not args.no_check_line:
        (workdir / "checked").mkdir(exist_ok=False)
        checked_app = open_app(workdir / "checked" / "guanxi.db")
    rules = match_rules(app.settings_for(SECTION), app.settings.default_region)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    gc.freeze()  # as `guanxi import` does before importing (both sides run in this process)
    try:
        print(
            f"guanxi storage benchmark — Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.machine()}"
        )
        print(
            f"{args.customers:,} customers, {args.interactions:,} interactions, "
            f"batch {args.batch:,}, databases in {workdir}"
        )
        print(f"pragmas (both databases): {raw.pragmas()}")
        customers = import_phase(
            "customers",
            app,
            raw,
            customer_batches(args.customers, args.batch, now, rules),
            store_customers,
            args.customers,
            None if checked_app is None else (checked_app, store_customers_checked),
        )
        if checked_app is not None:
            with checked_app.engine.connect() as connection:
                flagged = connection.exec_driver_sql(
                    "SELECT count(*) FROM duplicate_pair"
                ).scalar()
            checked_app.close()
            checked_app = None
            shutil.rmtree(workdir / "checked", ignore_errors=True)
        interactions = import_phase(
            "interactions",
            app,
            raw,
            interaction_batches(args.interactions, args.batch, args.customers, now),
            log_interactions,
            args.interactions,
        )
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        compare_sample(app, raw, args.customers, args.interactions)
        print("sample of stored rows: identical in both databases")
        print()
        customers.report(
            "customers (+ roles, contact points, identities, match keys)",
            "validated, normalised, match keys written, hook fired (check=False)",
            f"(also looked up in stored keys and contact points; {flagged:,} pairs queued)"
            if customers.checked is not None
            else "",
        )
        interactions.report(
            "interactions (+ the customers' rollups, on both sides)",
            "validated, hook fired, rollups maintained",
        )
        print(f"peak RSS of the import: {peak_mib:,.0f} MiB (target < 1024 MiB)")
        views = time_views(app, args.customers, args.views)
        print(f"360 view (customer_360), {len(views):,} random customers, one transaction each:")
        print(
            f"  p50 {percentile(views, 50):.2f} ms   p99 {percentile(views, 99):.2f} ms"
            "   (target p99 < 10 ms)"
        )
    finally:
        raw.close()
        app.close()
        if checked_app is not None:
            checked_app.close()
        if not args.keep:
            for folder in ("ours", "raw", "checked"):
                shutil.rmtree(workdir / folder, ignore_errors=True)
            if args.dir is None:
                workdir.rmdir()


if __name__ == "__main__":
    main()
