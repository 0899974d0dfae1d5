"""Helpers of the churn tests: staff and customers, and purchases at local times.

The generic edition's time zone is Asia/Shanghai (UTC+8, no daylight saving), so a
purchase at ``2026-02-01 04:00`` local is ``2026-01-31 20:00`` UTC: the local month is
what a cohort is, and the tests check that edge.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(text_value: str) -> dt.datetime:
    """A Shanghai local time ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` as a UTC datetime."""
    fmt = "%Y-%m-%d %H:%M" if " " in text_value else "%Y-%m-%d"
    local = dt.datetime.strptime(text_value, fmt).replace(tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC)


def people(app: App, names: list[str], *, hidden: tuple[str, ...] = (),
           when: str = "2025-01-01") -> dict[str, int]:
    """Staff ``agent`` (owns the customers) and ``other`` (owns ``hidden`` ones), both
    with the agent role, and one customer per name; returns {name: id}."""
    ids: dict[str, int] = {}
    with app.transaction(now=at(when)) as uow:
        for username in ("agent", "other"):
            ids[username] = add_staff(uow, username=username, display_name=username).id
            grant_role(uow, staff=username, role="agent")
        for name in names:
            owner = "other" if name in hidden else "agent"
            ids[name] = add_customer(uow, name=name, owner=owner).id
    return ids


def buy(app: App, customer_id: int, *purchases: tuple[str, str | int],
        kind: str = "core.purchase", payload: dict[str, Any] | None = None) -> list[int]:
    """Log purchases ``(local time, amount)`` for a customer; returns their ids."""
    rows: list[dict[str, Any]] = [
        {"customer_id": customer_id, "kind": kind, "occurred_at": at(when),
         "revenue": Decimal(str(amount)), "payload": payload or {}}
        for when, amount in purchases]
    with app.transaction(now=at("2026-12-31")) as uow:
        return [r.id for r in log_interactions(uow, rows)]  # type: ignore[misc]


def correct(app: App, customer_id: int, corrected: int, when: str, amount: str) -> None:
    """Log a correction (negated amount) of purchase ``corrected``."""
    with app.transaction(now=at("2026-12-31")) as uow:
        log_interactions(uow, [{"customer_id": customer_id, "kind": "core.purchase",
                                "occurred_at": at(when), "revenue": Decimal(amount),
                                "corrects_id": corrected}])
