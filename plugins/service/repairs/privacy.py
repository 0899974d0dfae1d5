"""The repairs area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_service.repairs.models import RepairOrder, RepairStep


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's repair orders, with their texts and step logs."""
    orders = uow.session.exec(select(RepairOrder).where(
        RepairOrder.customer_id == customer_id).order_by(RepairOrder.id)).scalars().all()
    if not orders:
        return {}
    steps = uow.session.exec(select(RepairStep).where(
        RepairStep.customer_id == customer_id).order_by(RepairStep.at, RepairStep.id)).scalars()
    log: dict[int, list[dict[str, Any]]] = {}
    for s in steps:
        log.setdefault(s.repair_id, []).append(
            {"at": s.at, "kind": s.kind, "step": s.step, "promised_at": s.promised_at,
             "note": s.note})
    return {"repair_orders": [
        {"number": o.number, "asset_id": o.asset_id, "ticket_id": o.ticket_id,
         "location": o.location, "site": o.site, "billing": o.billing,
         "warranty_status": o.warranty_status, "status": o.status, "step": o.step,
         "description": o.description, "notes": o.notes, "opened_at": o.opened_at,
         "promised_at": o.promised_at, "delivered_at": o.delivered_at, "on_time": o.on_time,
         "parts_cost": o.parts_cost, "labour_charge": o.labour_charge,
         "log": log.get(o.id, [])} for o in orders]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the free texts (fault description, notes, site, log notes); steps, dates,
    on-time flags and costs stay for the figures."""
    connection = uow.session.connection()
    orders = RepairOrder.__table__  # type: ignore[attr-defined]
    connection.execute(update(orders).where(orders.c.customer_id == customer_id)
                       .values(description=None, notes=None, site=None))
    steps = RepairStep.__table__  # type: ignore[attr-defined]
    connection.execute(update(steps).where(steps.c.customer_id == customer_id)
                       .values(note=None))
    uow.session.expire_all()
