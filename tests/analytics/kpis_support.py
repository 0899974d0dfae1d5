"""Log what marketing and service would log, for the kpis area's hand-computed tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role

NOW = dt.datetime(2026, 4, 30, tzinfo=dt.UTC)
CAMPAIGNS = {1: ("春季促销", "email"), 2: ("会员日", "sms")}


def at(when: str) -> dt.datetime:
    """``"03-02 03:00"`` or ``"03-02"`` as a UTC instant in 2026."""
    day, _, time = when.partition(" ")
    return dt.datetime.fromisoformat(f"2026-{day}T{time or '00:00'}:00+00:00")


def people(app: App) -> dict[str, int]:
    """Staff ``agent`` and ``other`` (role agent); customers A, B, C of agent, H of other."""
    with app.transaction(now=NOW) as uow:
        for name in ("agent", "other"):
            add_staff(uow, username=name, display_name=name)
            grant_role(uow, staff=name, role="agent")
        ids = {key: add_customer(uow, name=name, owner="agent").id
               for key, name in (("A", "张三"), ("B", "李四"), ("C", "王五"))}
        ids["H"] = add_customer(uow, name="赵六", owner="other").id
    return ids


def log(app: App, rows: list[dict[str, Any]]) -> None:
    """Log ``rows`` (``when`` as for :func:`at`) in one unit of work."""
    with app.transaction(now=NOW) as uow:
        log_interactions(uow, [
            {"direction": "internal", **{k: v for k, v in row.items() if k != "when"},
             "occurred_at": at(row["when"])} for row in rows])


def campaign(kind: str, customer: int, campaign_id: int, when: str,
             **extra: Any) -> dict[str, Any]:
    """A ``marketing.campaign_<kind>`` entry."""
    name, type_ = CAMPAIGNS[campaign_id]
    return {"customer_id": customer, "kind": f"marketing.campaign_{kind}", "when": when,
            "payload": {"campaign_id": campaign_id, "campaign": name, "type": type_,
                        "status": kind}, **extra}


def purchase(customer: int, when: str, revenue: str) -> dict[str, Any]:
    """A ``core.purchase`` of ``revenue``."""
    return {"customer_id": customer, "kind": "core.purchase", "when": when,
            "direction": "inbound", "revenue": revenue}


def ticket(kind: str, customer: int, ticket_id: int, when: str, *, type_: str = "inquiry",
           priority: str = "normal") -> dict[str, Any]:
    """A ``service.ticket_<kind>`` entry."""
    return {"customer_id": customer, "kind": f"service.ticket_{kind}", "when": when,
            "payload": {"ticket_id": ticket_id, "number": f"T{ticket_id}", "type": type_,
                        "priority": priority, "status": kind}}


def repair(customer: int, repair_id: int, when: str, on_time: bool) -> dict[str, Any]:
    """A ``service.repair_completed`` entry."""
    return {"customer_id": customer, "kind": "service.repair_completed", "when": when,
            "payload": {"repair_id": repair_id, "number": f"R{repair_id}", "on_time": on_time,
                        "promised_at": at(when).isoformat(),
                        "delivered_at": at(when).isoformat(), "parts_cost": "0"}}


def survey(customer: int, survey_id: int, ticket_id: int, when: str, csat: int,
           poor: bool = False) -> dict[str, Any]:
    """A ``service.survey_answered`` entry about a ticket."""
    return {"customer_id": customer, "kind": "service.survey_answered", "when": when,
            "payload": {"survey_id": survey_id, "ticket_id": ticket_id, "csat": csat,
                        "poor": poor}}
