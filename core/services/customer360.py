"""The customer 360 view: who is this customer and what is she worth, in one call.

Everything here is read from the record and its rollups, plus the last page of the
timeline, so the view costs a handful of indexed lookups whatever the log's size.

It is the console's and the API's hottest read, so after the customer itself has been
read through the ORM (which applies the record policies: a customer one may not see is
not found), the rows keyed by it are read with prepared Core statements: whoever sees a
customer sees its rollups, log and tasks, and a Core statement built once costs a fifth
of an ORM query (decision 20).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.models import Customer, CustomerRollup, Interaction, Staff, Task
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.registry import Section
from guanxi.services.interactions import record_from_row
from guanxi.services.lookup import get_customer

_customer = Customer.__table__  # type: ignore[attr-defined]
_interaction = Interaction.__table__  # type: ignore[attr-defined]
_task = Task.__table__  # type: ignore[attr-defined]
_rollup = CustomerRollup.__table__  # type: ignore[attr-defined]
_staff = Staff.__table__  # type: ignore[attr-defined]

_ROLLUP = sa.select(_rollup).where(_rollup.c.customer_id == bindparam("customer"))
_OWNER = sa.select(_staff.c.username).where(_staff.c.id == bindparam("staff"))
_ORGANIZATION = sa.select(_customer.c.id, _customer.c.name).where(
    _customer.c.id == bindparam("organization")
)
_OPEN_TASKS = (
    sa.select(_task)
    .where(_task.c.customer_id == bindparam("customer"), _task.c.status == "open")
    .order_by(_task.c.due_at)
)
# The first page of the timeline, in the order of services.interactions.timeline.
_RECENT = (
    sa.select(_interaction)
    .where(_interaction.c.customer_id == bindparam("customer"))
    .order_by(_interaction.c.occurred_at.desc(), _interaction.c.id.desc())
    .limit(bindparam("limit"))
)


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
    row = uow.session.connection().execute(_ROLLUP, {"customer": customer_id}).first()
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
    record = get_customer(uow, customer_id)  # the record policies apply here
    require(uow, "interaction", "read")
    connection = uow.session.connection()
    owner = None
    if record.owner_id is not None:
        owner = connection.execute(_OWNER, {"staff": record.owner_id}).scalar()
    tasks = [
        Task(**row._mapping)
        for row in connection.execute(_OPEN_TASKS, {"customer": customer_id})
    ]
    recent = [
        record_from_row(row)
        for row in connection.execute(_RECENT, {"customer": customer_id, "limit": limit})
    ]
    # pluggy answers last-registered first; show sections in plugin load order.
    answers = uow.hook.customer_360_sections(uow=uow, customer=record)
    sections = [s for s in reversed(answers) if s is not None]
    return Customer360(
        customer=record,
        rollup=rollup_of(uow, customer_id),
        owner=owner,
        organization=_organization(uow, record.organization_id),
        recent=recent,
        open_tasks=tasks,
        sections=sections,
    )


def _organization(uow: UnitOfWork, organization_id: int | None) -> tuple[int, str] | None:
    """The customer's organisation, if the principal may see it (else None)."""
    if organization_id is None:
        return None
    if uow.principal.unrestricted:
        found = uow.session.connection().execute(
            _ORGANIZATION, {"organization": organization_id}
        ).first()
        return (found.id, found.name) if found is not None else None
    # The organisation is another customer: through the ORM, so its policies apply.
    org = uow.session.get(Customer, organization_id)
    return (org.id, org.name) if org is not None and org.id is not None else None
