"""Helpers of the CLV tests: the CDNOW sample imported as purchases, small histories."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import random
from decimal import Decimal
from typing import Any

from guanxi.app import App
from guanxi.services.customers import add_customers
from guanxi.services.interactions import log_interactions

CALIBRATION_END = dt.date(1997, 9, 30)
OBSERVATION_END = dt.date(1998, 6, 30)
BATCH = 2000


def cdnow_rows() -> list[tuple[str, dt.date, Decimal]]:
    """(customer id, date, dollar value) of every CDNOW sample transaction, read from the
    installed ``lifetimes`` package (columns: id, second id, YYYYMMDD, CDs, dollars)."""
    path = importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    rows = []
    for line in path.read_text().splitlines():
        if line.strip():
            customer, _, day, _, value = line.split()
            rows.append((customer, dt.datetime.strptime(day, "%Y%m%d").date(), Decimal(value)))
    return rows


def local_noon(app: App, day: dt.date) -> dt.datetime:
    """Midday of a local calendar day, as the aware instant the log stores."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=app.tz)


def import_purchases(app: App, rows: list[tuple[str, dt.date, Decimal]],
                     kind: str = "core.purchase", owners: dict[str, str] | None = None
                     ) -> dict[str, int]:
    """Create one customer per distinct id (owned by ``owners[id]`` when given) and log
    every row as a purchase at local noon; returns the customer ids by the rows' ids."""
    owners = owners or {}
    names = sorted({customer for customer, _, _ in rows})
    ids: dict[str, int] = {}
    with app.transaction() as uow:
        for start in range(0, len(names), BATCH):
            batch = names[start:start + BATCH]
            made = add_customers(uow, [
                {"name": f"CDNOW {name}", **({"owner": owners[name]} if name in owners else {})}
                for name in batch])
            ids.update({name: record.id for name, record in zip(batch, made, strict=True)})
        logged: list[dict[str, Any]] = [
            {"customer_id": ids[customer], "kind": kind, "occurred_at": local_noon(app, day),
             "revenue": value} for customer, day, value in rows]
        for start in range(0, len(logged), BATCH):
            log_interactions(uow, logged[start:start + BATCH])
    return ids


def small_base(app: App, customers: int = 60, owners: dict[str, str] | None = None,
               seed: int = 5) -> dict[str, int]:
    """A deterministic purchase history in 2025 drawn from the BG/NBD story: each customer
    starts in Q1 and buys again at their own pace (mean gaps of 15 days to a year) until,
    after some repeat purchase, they stop (each customer with their own chance), spending
    around their own mean. Returns the customer ids by name ("C01" …)."""
    rng = random.Random(seed)
    rows: list[tuple[str, dt.date, Decimal]] = []
    for number in range(1, customers + 1):
        name = f"C{number:02d}"
        gap, stop = rng.gammavariate(1.5, 40), rng.betavariate(1, 3)
        spend = rng.gammavariate(4, 40)
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(90))
        while day <= dt.date(2025, 12, 31):
            amount = max(1.0, rng.gammavariate(8, spend / 8))
            rows.append((name, day, Decimal(f"{amount:.2f}")))
            if len(rows) > 1 and rows[-2][0] == name and rng.random() < stop:
                break
            day += dt.timedelta(days=1 + int(rng.expovariate(1 / gap)))
    return import_purchases(app, rows, owners=owners)
