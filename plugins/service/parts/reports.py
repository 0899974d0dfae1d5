"""Stock listings and the parts reports: stock on hand, low stock, turnover, stock-outs.

Turnover of a part at a location over a period [start, end] (local days) is computed
from the ledger alone:

* issued cost — the value of the parts issued there in the period (``issue`` movements,
  quantity × the unit cost they were issued at; transfers out are not consumption);
* average stock value — the mean of the end-of-day on-hand quantity over every day of the
  period (from each movement's ``on_hand_after``), valued at the part's current unit cost;
* turnover = issued cost / average stock value; annualised = turnover × 365 / days;
* days of supply = average stock value / (issued cost per day) = days / turnover.

No issues in the period: turnover 0 and no days of supply (stock that does not move);
no stock on any day: no turnover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi_service.parts.common import (
    MOVEMENT,
    STOCK,
    get_location,
    get_part,
    parse_day,
    part_settings,
)
from guanxi_service.parts.models import Part, Stock, StockLocation, StockMovement, Stockout
from guanxi_service.parts.reservations import list_stockouts

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StockRow:
    """The stock of a part at a location now."""

    part: str
    name: str
    unit: str
    location: str
    region: str | None
    on_hand: int
    reserved: int
    available: int
    reorder_point: int | None
    reorder_quantity: int | None
    unit_cost: Decimal
    value: Decimal  # on hand × unit cost
    low: bool


def stock_rows(uow: UnitOfWork, *, part: int | str | None = None,
               location: int | str | None = None, region: str | None = None,
               low_only: bool = False, limit: int = 1000) -> list[StockRow]:
    """Stock per part and location (on hand, reserved, available = on hand − reserved)."""
    require(uow, STOCK, "read")
    query = (select(Stock, Part, StockLocation)
             .join(Part, Part.id == Stock.part_id)
             .join(StockLocation, StockLocation.id == Stock.location_id))
    if part not in (None, ""):
        query = query.where(Stock.part_id == get_part(uow, part).id)
    if location not in (None, ""):
        query = query.where(Stock.location_id == get_location(uow, location).id)
    if region:
        query = query.where(StockLocation.region == region.strip())
    if low_only:
        query = query.where(Stock.reorder_point.is_not(None),
                            Stock.on_hand - Stock.reserved <= Stock.reorder_point)
    rows = uow.session.exec(query.order_by(Part.number, StockLocation.code).limit(limit)).all()
    result = []
    for stock, p, loc in rows:
        free = stock.on_hand - stock.reserved
        result.append(StockRow(
            part=p.number, name=p.name, unit=p.unit, location=loc.code, region=loc.region,
            on_hand=stock.on_hand, reserved=stock.reserved, available=free,
            reorder_point=stock.reorder_point, reorder_quantity=stock.reorder_quantity,
            unit_cost=p.unit_cost, value=(p.unit_cost * stock.on_hand).quantize(CENT),
            low=stock.reorder_point is not None and free <= stock.reorder_point))
    return result


@dataclass(frozen=True)
class LowStockRow:
    """A part at a location at or below its reorder point."""

    part: str
    name: str
    location: str
    region: str | None
    available: int
    reorder_point: int
    shortfall: int  # reorder point − available (0: exactly at the point)
    suggested_order: int  # the reorder quantity, or enough to get back over the point
    open_stockouts: int


def low_stock_rows(uow: UnitOfWork, *, location: int | str | None = None,
                   region: str | None = None) -> list[LowStockRow]:
    """Parts at or below their reorder point, the largest shortfall first."""
    rows = stock_rows(uow, location=location, region=region, low_only=True)
    open_counts = {(p, loc): n for p, loc, n in uow.session.exec(
        select(Part.number, StockLocation.code, func.count(Stockout.id))
        .join(Part, Part.id == Stockout.part_id)
        .join(StockLocation, StockLocation.id == Stockout.location_id)
        .where(Stockout.filled_at.is_(None)).group_by(Part.number, StockLocation.code))}
    result = [LowStockRow(
        part=r.part, name=r.name, location=r.location, region=r.region, available=r.available,
        reorder_point=r.reorder_point or 0, shortfall=(r.reorder_point or 0) - r.available,
        suggested_order=r.reorder_quantity or (r.reorder_point or 0) - r.available + 1,
        open_stockouts=open_counts.get((r.part, r.location), 0)) for r in rows]
    return sorted(result, key=lambda r: (-r.shortfall, r.part, r.location))


@dataclass(frozen=True)
class TurnoverRow:
    """Turnover of one part at one location over the period."""

    part: str
    name: str
    location: str
    region: str | None
    issued_quantity: int
    issued_cost: Decimal
    average_on_hand: float
    average_stock_value: Decimal
    closing_on_hand: int
    turnover: float | None
    annualised_turnover: float | None
    days_of_supply: float | None


def _period(uow: UnitOfWork, start: Any, end: Any) -> tuple[dt.date, dt.date]:
    last = parse_day(end, "end") or uow.today()
    first = parse_day(start, "start") or (
        last - dt.timedelta(days=part_settings(uow.app).turnover_days - 1))
    if last < first:
        raise ValidationError("end", f"{last} is before the start {first}")
    if (last - first).days > 3660:
        raise ValidationError("start", "the period is longer than ten years")
    return first, last


def turnover_rows(uow: UnitOfWork, *, start: Any = None, end: Any = None,
                  part: int | str | None = None, location: int | str | None = None,
                  region: str | None = None) -> tuple[dt.date, dt.date, list[TurnoverRow]]:
    """Turnover per part and location over [start, end] (default: the ``turnover_days``
    up to today), for the stock rows that exist; (first day, last day, rows)."""
    require(uow, MOVEMENT, "read")
    first, last = _period(uow, start, end)
    tz = uow.app.tz
    low = dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC)
    high = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    days = (last - first).days + 1
    stocks = stock_rows(uow, part=part, location=location, region=region)
    ids = {(p.number, loc.code): (p.id, loc.id) for p, loc in uow.session.exec(
        select(Part, StockLocation).join(Stock, Stock.part_id == Part.id)
        .join(StockLocation, StockLocation.id == Stock.location_id))}
    # Opening on hand: the stock after the last movement before the period.
    last_before = (select(func.max(StockMovement.id)).where(StockMovement.at < low)
                   .group_by(StockMovement.part_id, StockMovement.location_id))
    opening = {(m.part_id, m.location_id): m.on_hand_after for m in uow.session.exec(
        select(StockMovement).where(StockMovement.id.in_(last_before))).scalars()}
    moves: dict[tuple[int, int], list[StockMovement]] = {}
    for m in uow.session.exec(select(StockMovement).where(
            StockMovement.at >= low, StockMovement.at < high)
            .order_by(StockMovement.at, StockMovement.id)).scalars():
        moves.setdefault((m.part_id, m.location_id), []).append(m)
    rows = []
    for s in stocks:
        key = ids[(s.part, s.location)]
        rows.append(_turnover(s, opening.get(key, 0), moves.get(key, []), first, days, tz))
    return first, last, rows


def _turnover(stock: StockRow, opening: int, moves: list[StockMovement], first: dt.date,
              days: int, tz: dt.tzinfo) -> TurnoverRow:
    end_of_day: dict[int, int] = {}
    issued_qty, issued_cost = 0, Decimal("0")
    for m in moves:
        end_of_day[(m.at.astimezone(tz).date() - first).days] = m.on_hand_after
        if m.kind == "issue":
            issued_qty += -m.quantity
            issued_cost += m.unit_cost * -m.quantity
    total, current = 0, opening
    for day in range(days):
        current = end_of_day.get(day, current)
        total += current
    average = total / days
    value = (stock.unit_cost * Decimal(total) / days).quantize(CENT)
    turnover = float(issued_cost / value) if value else None
    return TurnoverRow(
        part=stock.part, name=stock.name, location=stock.location, region=stock.region,
        issued_quantity=issued_qty, issued_cost=issued_cost.quantize(CENT),
        average_on_hand=round(average, 2), average_stock_value=value, closing_on_hand=current,
        turnover=round(turnover, 4) if turnover is not None else None,
        annualised_turnover=round(turnover * 365 / days, 2) if turnover is not None else None,
        days_of_supply=round(days / turnover, 1) if turnover else None)


def turnover_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.parts_turnover``: options start, end, part, location, region."""
    first, last, rows = turnover_rows(uow, **options)
    issued = sum((r.issued_cost for r in rows), Decimal("0"))
    value = sum((r.average_stock_value for r in rows), Decimal("0"))
    return {"report": "service.parts_turnover", "start": str(first), "end": str(last),
            "issued_cost": str(issued), "average_stock_value": str(value),
            "turnover": round(float(issued / value), 4) if value else None,
            "rows": to_jsonable(rows)}


def low_stock_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.parts_low_stock``: options location, region."""
    rows = low_stock_rows(uow, location=options.get("location"), region=options.get("region"))
    return {"report": "service.parts_low_stock", "rows": to_jsonable(rows)}


def stockout_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.parts_stockouts``: options start, end, location, part, open_only."""
    rows = list_stockouts(uow, **options)
    return {"report": "service.parts_stockouts", "count": len(rows),
            "open": sum(1 for r in rows if r["filled_at"] is None),
            "short": sum(r["short"] for r in rows), "rows": to_jsonable(rows)}


def register_reports(register: Callable[..., None]) -> None:
    """Turnover, low stock and stock-outs."""
    register("service.parts_turnover", turnover_report,
             description="spare-parts turnover and days of supply per part and location")
    register("service.parts_low_stock", low_stock_report,
             description="spare parts at or below their reorder point")
    register("service.parts_stockouts", stockout_report,
             description="spare-parts stock-outs (缺货) with the days each took to fill")
