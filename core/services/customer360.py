"""The customer 360 view: who is this customer and what is she worth, in one call.

Everything here is read from the record and its rollups, plus the last page of the
timeline, so the view costs a handful of indexed lookups whatever the log's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.models import Customer, CustomerRollup, Staff, Task
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.registry import Section
from guanxi.services.interactions import timeline
from guanxi.services.lookup import get_customer


@dataclass
class Customer360:
    """The record, its rollups, owner and organisation, recent log, open tasks, sections."""

    customer: CustomerRecord
    rollup: dict[str, Any]
    owner: str | None
    organization: tuple[int, str] | None
    recent: list[InteractionRecord]
    open_tasks: list[Task]
    sections: list[Section] = field(default_factory=list)


def rollup_of(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's rollups, with per-family counts derived from per-kind counts."""
    row = uow.session.get(CustomerRollup, customer_id)
    if row is None:
        return {
            "first_at": None,
            "last_at": None,
            "interaction_count": 0,
            "revenue_count": 0,
            "revenue": None,
            "cost": None,
            "counts_by_kind": {},
            "counts_by_family": {},
            "last_by_kind": {},
            "last_by_channel": {},
        }
    families: dict[str, int] = {}
    for kind, count in (row.counts_by_kind or {}).items():
        family = kind.split(".", 1)[0]
        families[family] = families.get(family, 0) + count
    return {
        "first_at": row.first_at,
        "last_at": row.last_at,
        "interaction_count": row.interaction_count,
        "revenue_count": row.revenue_count,
        "revenue": row.revenue,
        "cost": row.cost,
        "counts_by_kind": dict(row.counts_by_kind or {}),
        "counts_by_family": families,
        "last_by_kind": dict(row.last_by_kind or {}),
        "last_by_channel": dict(row.last_by_channel or {}),
    }


def customer_360(uow: UnitOfWork, customer_id: int, *, limit: int = 50) -> Customer360:
    """Build the 360 view; plugins add sections through ``customer_360_sections``."""
    record = get_customer(uow, customer_id)
    owner = None
    if record.owner_id is not None:
        staff = uow.session.get(Staff, record.owner_id)
        owner = staff.username if staff else None
    organization = None
    if record.organization_id is not None:
        org = uow.session.get(Customer, record.organization_id)
        organization = (org.id, org.name) if org and org.id is not None else None
    tasks = list(
        uow.session.exec(
            select(Task)
            .where(Task.customer_id == customer_id, Task.status == "open")
            .order_by(col(Task.due_at))
        )
    )
    # pluggy answers last-registered first; show sections in plugin load order.
    answers = uow.hook.customer_360_sections(uow=uow, customer=record)
    sections = [s for s in reversed(answers) if s is not None]
    return Customer360(
        customer=record,
        rollup=rollup_of(uow, customer_id),
        owner=owner,
        organization=organization,
        recent=timeline(uow, customer_id, limit=limit),
        open_tasks=tasks,
        sections=sections,
    )
