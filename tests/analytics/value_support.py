"""Small worlds for the value tests: customers and their purchases and contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role

# "Now" of every value test: Monday 1 June 2026, 10:00 in Shanghai.
NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
TZ8 = dt.timezone(dt.timedelta(hours=8))


def at(day: str, hour: int = 12) -> dt.datetime:
    """Noon (or ``hour``) Shanghai time on ``day`` (YYYY-MM-DD), as an aware datetime."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ8)


def customers(app: App, names: Sequence[str], owner: str | None = None,
              created: str = "2025-01-01") -> dict[str, int]:
    """Customers by name (created on ``created``), optionally owned by ``owner``."""
    ids = {}
    with app.transaction(now=at(created)) as uow:
        for name in names:
            fields: dict[str, Any] = {"name": name}
            if owner is not None:
                fields["owner"] = owner
            ids[name] = add_customer(uow, **fields).id
    return ids


def log(app: App, rows: Sequence[tuple[int, str, str, Any, Any]],
        channel: str | None = None) -> None:
    """Log ``(customer, kind, day, revenue, cost)`` rows at noon of each day."""
    with app.transaction(now=NOW) as uow:
        log_interactions(uow, [
            {"customer_id": c, "kind": kind, "occurred_at": at(day),
             "revenue": None if revenue is None else Decimal(str(revenue)),
             "cost": None if cost is None else Decimal(str(cost)),
             **({"channel": channel} if channel else {})}
            for c, kind, day, revenue, cost in rows])


def buy(app: App, customer: int, *purchases: tuple[str, Any]) -> None:
    """``core.purchase`` interactions of ``(day, amount)``."""
    log(app, [(customer, "core.purchase", day, amount, None) for day, amount in purchases])


def agent(app: App, username: str = "agent") -> None:
    """A staff user with the agent role (sees his own and unowned customers)."""
    with app.transaction(now=NOW) as uow:
        add_staff(uow, username=username, display_name=username)
        grant_role(uow, staff=username, role="agent")
