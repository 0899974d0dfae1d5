"""Listing and showing repair orders (ORM selects: record policies apply)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_choice
from guanxi.services.lookup import customer_names
from guanxi.services.staff import active_staff, usernames
from guanxi_service.repairs.common import REPAIR, STEP, get_repair
from guanxi_service.repairs.models import LOCATIONS, STATUSES, RepairOrder, RepairStep


@dataclass(frozen=True)
class RepairRow:
    """A repair order as listed."""

    id: int
    number: str
    customer_id: int
    customer: str | None
    asset_id: int | None
    ticket_id: int | None
    location: str
    technician: str | None
    billing: str
    warranty_status: str | None
    status: str
    step: str
    opened_at: dt.datetime
    promised_at: dt.datetime
    first_promised_at: dt.datetime
    delivered_at: dt.datetime | None
    on_time: bool | None
    overdue: bool  # open and past its promise
    parts_cost: Decimal


def repair_rows(uow: UnitOfWork, orders: list[RepairOrder]) -> list[RepairRow]:
    """Listing rows for stored orders, with customer names and technicians."""
    names = customer_names(uow, [o.customer_id for o in orders])
    staff = usernames(uow, [o.technician_id for o in orders])
    return [RepairRow(
        id=o.id, number=o.number, customer_id=o.customer_id, customer=names.get(o.customer_id),
        asset_id=o.asset_id, ticket_id=o.ticket_id, location=o.location,
        technician=staff.get(o.technician_id) if o.technician_id else None, billing=o.billing,
        warranty_status=o.warranty_status, status=o.status, step=o.step,
        opened_at=o.opened_at, promised_at=o.promised_at,
        first_promised_at=o.first_promised_at, delivered_at=o.delivered_at,
        on_time=o.on_time, overdue=o.status == "open" and o.promised_at < uow.now,
        parts_cost=o.parts_cost) for o in orders]


def list_repairs(
    uow: UnitOfWork, *, status: str | None = None, location: str | None = None,
    technician: str | int | None = None, customer_id: int | None = None,
    asset_id: int | None = None, overdue: bool = False, limit: int = 100,
    after_id: int | None = None,
) -> list[RepairRow]:
    """Repair orders the principal may see, in id order; page on with ``after_id``.
    ``overdue`` keeps open orders past their promise."""
    require(uow, REPAIR, "read")
    if limit < 1:
        raise ValidationError("limit", "must be at least 1")
    query = select(RepairOrder)
    if status is not None:
        query = query.where(RepairOrder.status == parse_choice(status, STATUSES, "status"))
    if location is not None:
        query = query.where(
            RepairOrder.location == parse_choice(location, LOCATIONS, "location"))
    if technician is not None:
        query = query.where(
            RepairOrder.technician_id == active_staff(uow, technician, "technician").id)
    if customer_id is not None:
        query = query.where(RepairOrder.customer_id == customer_id)
    if asset_id is not None:
        query = query.where(RepairOrder.asset_id == asset_id)
    if overdue:
        query = query.where(RepairOrder.status == "open", RepairOrder.promised_at < uow.now)
    if after_id is not None:
        query = query.where(RepairOrder.id > after_id)
    orders = list(uow.session.exec(query.order_by(RepairOrder.id).limit(limit)).scalars())
    return repair_rows(uow, orders)


@dataclass
class RepairDetail:
    """One order with its texts, step log, reservations and parts used."""

    repair: RepairRow
    site: str | None
    description: str | None
    notes: str | None
    ready_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    labour_charge: Decimal
    promise_changes: int
    log: list[dict[str, Any]] = field(default_factory=list)
    reservations: list[dict[str, Any]] = field(default_factory=list)
    parts_used: list[dict[str, Any]] = field(default_factory=list)


def repair_log(uow: UnitOfWork, order: RepairOrder) -> list[dict[str, Any]]:
    """The order's step log, oldest first."""
    require(uow, STEP, "read")
    entries = list(uow.session.exec(select(RepairStep).where(
        RepairStep.repair_id == order.id).order_by(RepairStep.at, RepairStep.id)).scalars())
    staff = usernames(uow, [e.actor_id for e in entries])
    return [{"at": e.at, "kind": e.kind, "step": e.step, "promised_at": e.promised_at,
             "note": e.note, "by": staff.get(e.actor_id) if e.actor_id else None}
            for e in entries]


def repair_detail(uow: UnitOfWork, ref: int | str) -> RepairDetail:
    """Everything about one order (for ``service repairs show``)."""
    from guanxi_service.parts.reservations import parts_of_repair

    order = get_repair(uow, ref)
    reservations, used = parts_of_repair(uow, order.id)
    return RepairDetail(
        repair=repair_rows(uow, [order])[0], site=order.site, description=order.description,
        notes=order.notes, ready_at=order.ready_at, cancelled_at=order.cancelled_at,
        labour_charge=order.labour_charge, promise_changes=order.promise_changes,
        log=repair_log(uow, order), reservations=reservations, parts_used=used)

