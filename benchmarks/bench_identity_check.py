"""The check of new customers against the stored ones: one record, and a batch.

Stores ``--stored`` customers (the storage benchmark's generator: repetitive Chinese
and Latin names, one phone and one email each), then checks new records against them:
half are stored customers again (the name written with a space, the phone in another
format, no email) and half are new people. Timed, per record:

* **check** — :func:`guanxi.identity.check.check_new`: stored keys, the contact-point
  index, then the engine on the candidates (what ``add_customers`` runs);
* **scan** — the same question answered by a full scan: every stored customer read as
  an engine record and :func:`guanxi.identity.link` of the new records against them.

Both must find the planted duplicates; the script prints how many each found.

    python benchmarks/bench_identity_check.py [--stored N] [--batch B] [--single S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from guanxi.app import App, UnitOfWork
from guanxi.identity import link
from guanxi.identity.check import check_new
from guanxi.identity.customers import engine_record, iter_engine_records
from guanxi.identity.keys import identity_context, rules_for_kind, split_by_kind
from guanxi.identity.settings import SECTION, match_rules
from guanxi.records import CustomerRecord
from guanxi.services.customers import add_customers, validate_customers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_storage import customer_batches, open_app  # a sibling script

SEED = 20261123


def store(app: App, count: int, batch: int) -> list[dict[str, Any]]:
    """Store ``count`` generated customers (no check: they are distinct); return them."""
    given: list[dict[str, Any]] = []
    rules = match_rules(app.settings_for(SECTION), app.settings.default_region)
    for part in customer_batches(count, batch, dt.datetime.now(dt.UTC), rules):
        with app.transaction() as uow:
            add_customers(uow, part.given, check=False)
        given += part.given
    return given


def new_rows(stored: list[dict[str, Any]], count: int) -> tuple[list[dict[str, Any]], int]:
    """``count`` rows to check: every other one a stored customer again; and how many."""
    rng = random.Random(SEED)
    rows, planted = [], 0
    for k in range(count):
        if k % 2 == 0:
            original = rng.choice(stored)
            phone = original["phones"][0]
            name = original["name"]
            # 张伟 -> 张 伟, "Wei Zhang" stays; 138xxxxyyyy -> +86 138 xxxx yyyy
            spaced = " ".join(name) if " " not in name else name
            rows.append({"name": spaced, "phones": [f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"]})
            planted += 1
        else:
            rows.append({"name": f"新客{k}", "phones": [f"199{rng.randrange(10**8):08d}"],
                         "emails": [f"new{k}@example.cn"]})
    return rows, planted


def validated(uow: UnitOfWork, rows: list[dict[str, Any]]) -> list[CustomerRecord]:
    """The rows as validated records (what the check receives)."""
    return [record for _, record in validate_customers(uow, rows, check=False)[0]]


def by_scan(uow: UnitOfWork, records: Sequence[CustomerRecord]) -> int:
    """The full-scan baseline: how many new records match (or may match) a stored one."""
    context = identity_context(uow)
    new = [{**engine_record(r, context.id_number_field), "id": -1 - i}
           for i, r in enumerate(records)]
    everyone = [r for batch in iter_engine_records(uow.session.connection())
                for r in batch]
    stored = split_by_kind(everyone)
    found: set[object] = set()
    for kind, group in split_by_kind(new).items():
        pairs = link(group, stored.get(kind, []), rules_for_kind(context.rules, kind))
        found |= {p.left for p in pairs}
    return len(found)


def timed(app: App, records: list[CustomerRecord], one_by_one: bool,
          scan: bool) -> tuple[float, int]:
    """Milliseconds per record and records found, checked singly or as one batch."""
    groups = [[r] for r in records] if one_by_one else [records]
    found = 0
    start = time.perf_counter()
    for group in groups:
        with app.transaction() as uow:
            if scan:
                found += by_scan(uow, group)
            else:
                found += sum(f is not None and f.customer_id is not None
                             for f in check_new(uow, group))
    return (time.perf_counter() - start) * 1000 / len(records), found


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", type=int, default=100_000, help="customers stored")
    parser.add_argument("--batch", type=int, default=1_000, help="records in the batch")
    parser.add_argument("--single", type=int, default=20,
                        help="records checked one at a time")
    parser.add_argument("--scan-single", type=int, default=3,
                        help="records the full-scan baseline checks one at a time")
    parser.add_argument("--dir", type=Path, help="where the database goes (default: temp)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the figures and return them."""
    args = parse_args(argv)
    folder = Path(args.dir or tempfile.mkdtemp(prefix="guanxi-check-"))
    app = open_app(folder / "check.db")
    started = time.perf_counter()
    stored = store(app, args.stored, 10_000)
    print(f"stored {args.stored:,} customers with their match keys in "
          f"{time.perf_counter() - started:.1f} s")
    rows, planted = new_rows(stored, args.batch)
    with app.transaction() as uow:
        batch = validated(uow, rows)
    figures: dict[str, Any] = {"stored": args.stored, "batch": len(batch), "planted": planted}
    for label, records, one_by_one in (("single", batch[: args.single], True),
                                       ("batch", batch, False)):
        ms, found = timed(app, records, one_by_one, scan=False)
        scan_records = batch[: args.scan_single] if one_by_one else records
        scan_ms, scan_found = timed(app, scan_records, one_by_one, scan=True)
        figures[label] = {"check_ms": ms, "check_found": found, "records": len(records),
                          "scan_ms": scan_ms, "scan_found": scan_found,
                          "scan_records": len(scan_records)}
        print(f"{label:6} check {ms:9.3f} ms/record ({found}/{len(records)} matched)   "
              f"full scan {scan_ms:9.3f} ms/record ({scan_found}/{len(scan_records)})   "
              f"scan/check = {scan_ms / ms:,.0f}x")
    app.close()
    return figures


if __name__ == "__main__":
    main()
