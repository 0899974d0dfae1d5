"""The repairs area's reports: on-time completion (按时交车) and the progress board.

Both read through ORM selects of :class:`RepairOrder` (and :class:`Asset` for the
product), so a principal's record policies decide which orders are counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi.inputs import parse_choice
from guanxi.services.lookup import customer_names
from guanxi.services.staff import usernames
from guanxi_service.repairs.common import REPAIR
from guanxi_service.repairs.models import LOCATIONS, RepairOrder

DIMENSIONS = ("period", "location", "technician", "product")
GRAINS = ("month", "week")


@dataclass(frozen=True)
class OnTimeRow:
    """On-time figures of one group of delivered orders.

    ``on_time`` counts deliveries by the promise in force at delivery; ``first_promise_met``
    those by the promise made when the order was opened (re-promising does not help it).
    """

    key: str
    delivered: int
    on_time: int
    late: int
    on_time_rate: float | None
    first_promise_met: int
    first_promise_rate: float | None
    average_late_hours: float | None  # over the late ones
    average_turnaround_hours: float | None  # opened → delivered


def _bounds(uow: UnitOfWork, start: Any, end: Any) -> tuple[dt.datetime | None, dt.datetime]:
    """``start`` inclusive from 00:00 of its day; ``end`` inclusive to the end of its day."""
    def day(value: Any, name: str) -> dt.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise ValidationError(name, f"not a date (YYYY-MM-DD): {value!r}") from None

    first, last = day(start, "start"), day(end, "end")
    if first and last and last < first:
        raise ValidationError("end", f"{last} is before the start {first}")
    tz = uow.app.tz
    low = dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC) if first else None
    high = (dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
            if last else uow.now)
    return low, high


def _period(moment: dt.datetime, tz: dt.tzinfo, grain: str) -> str:
    local = moment.astimezone(tz).date()
    if grain == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def _products(uow: UnitOfWork, asset_ids: set[int]) -> dict[int, str]:
    from guanxi.db.chunks import chunks
    from guanxi_service.assets.models import Asset

    found: dict[int, str] = {}
    for chunk in chunks(sorted(asset_ids)):
        query = select(Asset.id, Asset.product, Asset.model).where(Asset.id.in_(chunk))
        for asset_id, product, model in uow.session.exec(query):
            found[asset_id] = f"{product} {model}" if model else product
    return found


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def on_time_rows(
    uow: UnitOfWork, *, by: str = "period", start: Any = None, end: Any = None,
    grain: str = "month", location: str | None = None,
) -> tuple[list[OnTimeRow], OnTimeRow]:
    """On-time completion of the orders delivered in [start, end] (local days; default:
    everything up to now), grouped ``by`` period, location, technician or product; and
    the total row."""
    require(uow, REPAIR, "read")
    dimension = parse_choice(by, DIMENSIONS, "by")
    grain = parse_choice(grain, GRAINS, "grain")
    low, high = _bounds(uow, start, end)
    query = select(RepairOrder).where(RepairOrder.status == "delivered",
                                      RepairOrder.delivered_at < high)
    if low is not None:
        query = query.where(RepairOrder.delivered_at >= low)
    if location is not None:
        query = query.where(
            RepairOrder.location == parse_choice(location, LOCATIONS, "location"))
    orders = list(uow.session.exec(query.order_by(RepairOrder.delivered_at)).scalars())
    labels: dict[int, str] = {}
    if dimension == "technician":
        labels = usernames(uow, [o.technician_id for o in orders])
    elif dimension == "product":
        labels = _products(uow, {o.asset_id for o in orders if o.asset_id is not None})

    def key(order: RepairOrder) -> str:
        if dimension == "period":
            return _period(order.delivered_at, uow.app.tz, grain)
        if dimension == "location":
            return order.location
        ref = order.technician_id if dimension == "technician" else order.asset_id
        return labels.get(ref, "(none)") if ref is not None else "(none)"

    groups: dict[str, list[RepairOrder]] = {}
    for order in orders:
        groups.setdefault(key(order), []).append(order)
    rows = [_row(name, groups[name]) for name in sorted(groups)]
    return rows, _row("total", orders)


def _row(name: str, orders: list[RepairOrder]) -> OnTimeRow:
    on_time = sum(1 for o in orders if o.on_time)
    first = sum(1 for o in orders if o.delivered_at <= o.first_promised_at)
    late = [(o.delivered_at - o.promised_at).total_seconds() / 3600
            for o in orders if not o.on_time]
    turnaround = [(o.delivered_at - o.opened_at).total_seconds() / 3600 for o in orders]
    return OnTimeRow(
        key=name, delivered=len(orders), on_time=on_time, late=len(orders) - on_time,
        on_time_rate=_rate(on_time, len(orders)), first_promise_met=first,
        first_promise_rate=_rate(first, len(orders)),
        average_late_hours=round(sum(late) / len(late), 1) if late else None,
        average_turnaround_hours=(round(sum(turnaround) / len(turnaround), 1)
                                  if turnaround else None))


@dataclass(frozen=True)
class ProgressRow:
    """An open order on the progress board (维修进度)."""

    id: int
    number: str
    customer: str | None
    asset_id: int | None
    location: str
    technician: str | None
    step: str
    step_since: dt.datetime  # when the current step was reached
    opened_at: dt.datetime
    promised_at: dt.datetime
    hours_to_promise: float  # negative: overdue by that much
    overdue: bool


def progress_rows(uow: UnitOfWork, *, location: str | None = None,
                  technician_id: int | None = None, limit: int = 200) -> list[ProgressRow]:
    """Open orders with their current step and the time left to the promise, the most
    overdue first (by promise, earliest first)."""
    require(uow, REPAIR, "read")
    from guanxi_service.repairs.models import RepairStep

    query = select(RepairOrder).where(RepairOrder.status == "open")
    if location is not None:
        query = query.where(
            RepairOrder.location == parse_choice(location, LOCATIONS, "location"))
    if technician_id is not None:
        query = query.where(RepairOrder.technician_id == technician_id)
    orders = list(uow.session.exec(
        query.order_by(RepairOrder.promised_at, RepairOrder.id).limit(limit)).scalars())
    since: dict[int, dt.datetime] = {}
    if orders:
        steps = select(RepairStep.repair_id, RepairStep.at).where(
            RepairStep.repair_id.in_([o.id for o in orders]), RepairStep.kind == "step")
        for repair_id, at in uow.session.exec(steps):
            since[repair_id] = max(at, since.get(repair_id, at))
    names = customer_names(uow, [o.customer_id for o in orders])
    staff = usernames(uow, [o.technician_id for o in orders])
    rows = []
    for o in orders:
        left = (o.promised_at - uow.now).total_seconds() / 3600
        rows.append(ProgressRow(
            id=o.id, number=o.number, customer=names.get(o.customer_id), asset_id=o.asset_id,
            location=o.location, technician=staff.get(o.technician_id) if o.technician_id
            else None, step=o.step, step_since=since.get(o.id, o.opened_at),
            opened_at=o.opened_at, promised_at=o.promised_at,
            hours_to_promise=round(left, 1), overdue=left < 0))
    return rows


def on_time_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.repair_on_time``: options by (period|location|technician|product),
    start, end, grain (month|week), location."""
    rows, total = on_time_rows(uow, **options)
    return {"report": "service.repair_on_time", "by": options.get("by", "period"),
            "rows": to_jsonable(rows), "total": to_jsonable(total)}


def progress_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.repair_progress``: options location, limit."""
    rows = progress_rows(uow, location=options.get("location"),
                         limit=int(options.get("limit", 200)))
    return {"report": "service.repair_progress", "open": len(rows),
            "overdue": sum(1 for r in rows if r.overdue), "rows": to_jsonable(rows)}


def register_reports(register: Callable[..., None]) -> None:
    """On-time completion and the progress board."""
    register("service.repair_on_time", on_time_report,
             description="on-time completion rate of repair orders (按时交车) by period, "
                         "location, technician or product")
    register("service.repair_progress", progress_report,
             description="open repair orders with their current step and time to the "
                         "promise, overdue first")
