"""The stock ledger: every change of on-hand or reserved stock, as one movement.

Stock is changed only by :func:`move`: one conditional ``UPDATE … WHERE`` that keeps
``on_hand ≥ 0``, ``reserved ≥ 0`` and ``on_hand − reserved ≥ 0`` (available never goes
negative), returning the stock after it, then the movement row with those figures. Two
concurrent reservations of the last units therefore cannot both succeed: on PostgreSQL the
second UPDATE waits for the first's row lock and re-checks its condition on the new row
(READ COMMITTED); SQLite runs one writer at a time (BEGIN IMMEDIATE). A change that would
break the condition matches no row, and the caller reports what was there; nothing is
stored.

Receipts, issues without a repair order, transfers and counts (adjustments) are here;
reservations and parts used on repair orders are in :mod:`guanxi_service.parts.reservations`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select, update

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import clean_text
from guanxi_service.parts.catalogue import stock_row
from guanxi_service.parts.common import (
    ADJUSTMENT,
    MOVEMENT,
    STOCK,
    get_location,
    get_part,
    parse_quantity,
)
from guanxi_service.parts.models import (
    Part,
    Stock,
    StockAdjustment,
    StockLocation,
    StockMovement,
    Stockout,
)
from guanxi_service.repairs.common import parse_time


def when(uow: UnitOfWork, part_id: int, location_id: int, at: dt.datetime | str | None,
         ) -> dt.datetime:
    """The time of a movement: now by default; an earlier time (entering what happened)
    must not be before the stock's last movement, so the ledger stays in order."""
    moment = parse_time(uow, at, "at") or uow.now
    if moment > uow.now + dt.timedelta(minutes=1):
        raise ValidationError("at", "is in the future")
    last = uow.session.exec(select(func.max(StockMovement.at)).where(
        StockMovement.part_id == part_id, StockMovement.location_id == location_id)).scalar()
    if last is not None:
        last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
        if moment < last:
            raise ValidationError("at", f"is before the last movement of this stock ({last})")
    return moment


def available(uow: UnitOfWork, part_id: int, location_id: int) -> tuple[int, int]:
    """(on hand, reserved) of a part at a location now (0, 0 without a stock row)."""
    row = stock_row(uow, part_id, location_id, create=False)
    return (row.on_hand, row.reserved) if row is not None else (0, 0)


def move(
    uow: UnitOfWork, part: Part, location: StockLocation, kind: str, *, on_hand: int = 0,
    reserved: int = 0, at: dt.datetime, repair_id: int | None = None,
    reservation_id: int | None = None, other_location_id: int | None = None,
    reference: str | None = None, note: str | None = None,
) -> StockMovement | None:
    """Change the stock by (``on_hand``, ``reserved``) and append the movement; None (and
    nothing changed) when the result would break the stock's invariants."""
    stock_row(uow, part.id, location.id, create=True)
    table = Stock.__table__  # type: ignore[attr-defined]
    new_on_hand, new_reserved = table.c.on_hand + on_hand, table.c.reserved + reserved
    statement = (
        update(table)
        .where(table.c.part_id == part.id, table.c.location_id == location.id,
               new_on_hand >= 0, new_reserved >= 0, new_on_hand - new_reserved >= 0)
        .values(on_hand=new_on_hand, reserved=new_reserved, updated_at=uow.now)
        .returning(table.c.on_hand, table.c.reserved))
    after = uow.session.connection().execute(statement).first()
    for obj in list(uow.session.identity_map.values()):
        if isinstance(obj, Stock):
            uow.session.expire(obj)
    if after is None:
        return None
    entry = StockMovement(
        part_id=part.id, location_id=location.id, kind=kind,
        quantity=on_hand if kind not in ("reservation", "release") else reserved,
        on_hand_after=after[0], reserved_after=after[1], unit_cost=part.unit_cost,
        other_location_id=other_location_id, repair_id=repair_id,
        reservation_id=reservation_id, reference=reference, note=note, at=at,
        actor_id=uow.actor_id)
    uow.session.add(entry)
    uow.session.flush()
    return entry


def short_of(uow: UnitOfWork, part: Part, location: StockLocation, wanted: int,
             verb: str) -> ValidationError:
    """The one-line error for a demand the stock cannot meet."""
    on_hand, reserved = available(uow, part.id, location.id)
    return ValidationError(
        "quantity", f"cannot {verb} {wanted} {part.unit} of {part.number} at {location.code}: "
                    f"only {on_hand - reserved} available ({on_hand} on hand, {reserved} "
                    f"reserved)")


def fill_stockouts(uow: UnitOfWork, part: Part, location: StockLocation,
                   at: dt.datetime) -> int:
    """After stock arrived: mark the open stock-outs of the part there filled, oldest
    first, while the available stock covers their shortfall. Returns how many."""
    on_hand, reserved = available(uow, part.id, location.id)
    free = on_hand - reserved
    open_ = uow.session.exec(select(Stockout).where(
        Stockout.part_id == part.id, Stockout.location_id == location.id,
        Stockout.filled_at.is_(None)).order_by(Stockout.at, Stockout.id)).scalars().all()
    filled = 0
    for stockout in open_:
        if stockout.short > free:
            break
        free -= stockout.short
        stockout.filled_at = at
        filled += 1
    uow.session.flush()
    return filled


def receive(uow: UnitOfWork, part: int | str, location: int | str, quantity: int | str, *,
            reference: str | None = None, note: str | None = None,
            at: dt.datetime | str | None = None) -> StockMovement:
    """Goods in at a location (a delivery from the factory or a supplier)."""
    require(uow, MOVEMENT, "create")
    require(uow, STOCK, "update")
    found, where = get_part(uow, part), get_location(uow, location)
    amount = parse_quantity(quantity)
    ref, text = clean_text(reference, "reference", 80), clean_text(note, "note", 2000)
    moment = when(uow, found.id, where.id, at)
    entry = move(uow, found, where, "receipt", on_hand=amount, at=moment, reference=ref,
                 note=text)
    assert entry is not None  # adding stock always fits
    fill_stockouts(uow, found, where, moment)
    return entry


def transfer(uow: UnitOfWork, part: int | str, source: int | str, target: int | str,
             quantity: int | str, *, reference: str | None = None, note: str | None = None,
             at: dt.datetime | str | None = None) -> tuple[StockMovement, StockMovement]:
    """Move available stock from one location to another (调拨): one movement at each."""
    require(uow, MOVEMENT, "create")
    require(uow, STOCK, "update")
    found = get_part(uow, part)
    origin, destination = get_location(uow, source, "from"), get_location(uow, target, "to")
    if origin.id == destination.id:
        raise ValidationError("to", "is the location the parts come from")
    amount = parse_quantity(quantity)
    ref, text = clean_text(reference, "reference", 80), clean_text(note, "note", 2000)
    moment = when(uow, found.id, origin.id, at)
    when(uow, found.id, destination.id, moment)
    out = move(uow, found, origin, "transfer_out", on_hand=-amount, at=moment,
               other_location_id=destination.id, reference=ref, note=text)
    if out is None:
        raise short_of(uow, found, origin, amount, "transfer")
    arrived = move(uow, found, destination, "transfer_in", on_hand=amount, at=moment,
                   other_location_id=origin.id, reference=ref, note=text)
    assert arrived is not None
    fill_stockouts(uow, found, destination, moment)
    return out, arrived


def adjust(uow: UnitOfWork, part: int | str, location: int | str, counted: int | str, *,
           reason: str, at: dt.datetime | str | None = None) -> StockAdjustment:
    """Record a stock count (盘点): on hand becomes ``counted``; managers only. Counting
    fewer than are reserved is refused (release the reservations first)."""
    require(uow, ADJUSTMENT, "create")
    require(uow, STOCK, "update")
    found, where = get_part(uow, part), get_location(uow, location)
    amount = parse_quantity(counted, "counted", allow_zero=True)
    why = clean_text(reason, "reason", 200)
    if why is None:
        raise ValidationError("reason", "is required for a stock adjustment")
    moment = when(uow, found.id, where.id, at)
    # Locked: the difference to the book stock must be taken against what is there.
    row = stock_row(uow, found.id, where.id, create=True, lock=True)
    assert row is not None
    on_hand, reserved = row.on_hand, row.reserved
    if amount == on_hand:
        raise ValidationError("counted", f"{amount} is the book stock already")
    if amount < reserved:
        raise ValidationError("counted", f"{amount} is fewer than the {reserved} reserved")
    entry = move(uow, found, where, "adjustment", on_hand=amount - on_hand, at=moment,
                 note=why)
    assert entry is not None  # the row is locked and the checks above hold
    record = StockAdjustment(part_id=found.id, location_id=where.id, book_quantity=on_hand,
                             counted_quantity=amount, reason=why, at=moment,
                             actor_id=uow.actor_id)
    uow.session.add(record)
    uow.session.flush()
    if amount > on_hand:
        fill_stockouts(uow, found, where, moment)
    return record


def stock_value(row_on_hand: int, unit_cost: Decimal) -> Decimal:
    """Value of a quantity at a unit cost (exact hundredths)."""
    return (unit_cost * row_on_hand).quantize(Decimal("0.01"))
