"""Maintenance reminders (保养提醒): the daily job that finds vehicles due for service.

A vehicle is due every ``maintenance_months`` or every ``maintenance_km``, whichever
comes first, counted from its last maintenance (首保 or 保养 at any dealer) or, before
the first one, from its sale. Mileage between dealer visits is estimated from the
readings the dealers took (km per day over the vehicle's life; the ``daily_km``
setting until there are two readings a month apart). A due vehicle gets one reminder
per service interval: a task for the owner's account manager and an
``automotive.maintenance_due`` interaction on the timeline (which the visits and
marketing plugins can react to).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Customer, Interaction
from guanxi.services.interactions import log_interactions
from guanxi.services.tasks import create_task
from guanxi_editions.automotive.kinds import MAINTENANCE_DUE, REPAIR
from guanxi_editions.automotive.settings import AutomotiveSettings
from guanxi_editions.automotive.vehicles import local_day
from guanxi_service.assets.models import Asset

MAINTENANCE_TYPES = ("首保", "保养")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    """When a vehicle is next due for maintenance, and why."""

    due_on: dt.date
    reason: str  # "time" or "mileage"
    last_service_on: dt.date
    estimated_km: int


def next_due(
    sold_on: dt.date,
    readings: list[tuple[dt.date, int, bool]],
    today: dt.date,
    settings: AutomotiveSettings,
) -> Due:
    """The next maintenance of a vehicle sold on ``sold_on`` with dealer ``readings``
    (day, km, was it a maintenance), as of ``today``."""
    points = sorted([(sold_on, 0, True), *readings])
    last_day, last_km, _ = max(p for p in points if p[2])
    first_day, first_km, _ = points[0]
    latest_day, latest_km, _ = points[-1]
    span = (latest_day - first_day).days
    per_day = (latest_km - first_km) / span if span >= 30 and latest_km > first_km else 0
    per_day = per_day or settings.daily_km
    by_time = add_months(last_day, settings.maintenance_months)
    km_left = last_km + settings.maintenance_km - latest_km
    by_km = latest_day + dt.timedelta(days=max(0, int(km_left / per_day)))
    estimated = latest_km + int(per_day * max(0, (today - latest_day).days))
    if by_km < by_time:
        return Due(by_km, "mileage", last_day, estimated)
    return Due(by_time, "time", last_day, estimated)


def remind_maintenance(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The job ``automotive.maintenance_reminders``: task and log each vehicle now due."""
    settings: AutomotiveSettings = uow.app.settings_for("automotive")
    today = local_day(uow, due_at)
    vehicles = list(
        uow.session.scalars(
            select(Asset).where(
                Asset.status == "active",
                Asset.product == settings.vehicle_product,
                Asset.handed_over_on.is_not(None),
            )
        )
    )
    if not vehicles:
        return "0 vehicles due for maintenance"
    owners = sorted({v.customer_id for v in vehicles})
    readings, reminded = _history(uow, owners)
    account_managers = dict(
        uow.session.execute(
            select(Customer.id, Customer.owner_id).where(Customer.id.in_(owners))
        ).all()
    )
    entries = []
    for vehicle in vehicles:
        assert vehicle.handed_over_on is not None and vehicle.id is not None
        due = next_due(vehicle.handed_over_on, readings[vehicle.serial_number], today, settings)
        if due.due_on - dt.timedelta(days=settings.lead_days) > today:
            continue
        if reminded.get(vehicle.id, dt.date.min) >= due.last_service_on:
            continue  # already reminded for this interval
        create_task(
            uow,
            customer_id=vehicle.customer_id,
            title=f"保养提醒: {vehicle.model or vehicle.product} {vehicle.serial_number}"
            f"（{due.due_on} 到期, 约 {due.estimated_km} km）",
            due_at=dt.datetime.combine(today + dt.timedelta(days=3), dt.time(10)),
            assignee=account_managers.get(vehicle.customer_id),
            priority=settings.reminder_priority,
            source="automotive.maintenance_reminders",
        )
        entries.append(
            {
                "customer_id": vehicle.customer_id,
                "kind": MAINTENANCE_DUE,
                "direction": "internal",
                "occurred_at": due_at,
                "subject": f"保养提醒 {vehicle.serial_number}",
                "payload": {
                    "asset_id": vehicle.id,
                    "vin": vehicle.serial_number,
                    "due_on": due.due_on,
                    "reason": due.reason,
                    "last_service_on": due.last_service_on,
                    "estimated_km": due.estimated_km,
                },
            }
        )
    if entries:
        log_interactions(uow, entries)
    return f"{len(entries)} vehicles due for maintenance"


def _history(
    uow: UnitOfWork, owners: list[int]
) -> tuple[dict[str, list[tuple[dt.date, int, bool]]], dict[int, dt.date]]:
    """Dealer readings per VIN, and the day of each vehicle's last reminder."""
    readings: dict[str, list[tuple[dt.date, int, bool]]] = defaultdict(list)
    reminded: dict[int, dt.date] = {}
    query = select(Interaction.kind, Interaction.occurred_at, Interaction.payload).where(
        Interaction.customer_id.in_(owners),
        Interaction.kind.in_((REPAIR, MAINTENANCE_DUE)),
        Interaction.corrects_id.is_(None),
    )
    for kind, at, payload in uow.session.execute(query):
        if kind == REPAIR:
            readings[payload["vin"]].append(
                (
                    local_day(uow, at),
                    payload["mileage"],
                    payload["service_type"] in MAINTENANCE_TYPES,
                )
            )
        else:
            day = local_day(uow, at)
            reminded[payload["asset_id"]] = max(day, reminded.get(payload["asset_id"], day))
    return readings, reminded
