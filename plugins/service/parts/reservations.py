"""Reservations of spare parts for repair orders, parts used, and stock-outs.

A reservation holds available stock at one location for a repair order (reserved goes
up, available down). Issuing it to the order — the parts were used — takes the parts off
the shelf (on hand and reserved both go down), records their cost on the order
(``parts_cost``) and closes the reservation once all of it is issued. Releasing gives
what is left back to available stock; delivering or cancelling an order releases what is
still held for it.

Reserving more than is available is refused (one line naming the quantity, nothing
stored), unless the request is a *backorder*: then what is available is reserved and the
shortfall is recorded as a stock-out (缺货) — the demand the network could not meet,
which is what the stock-out list and the low-stock report are about. A later receipt or
transfer that covers the shortfall marks the stock-out filled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import clean_text
from guanxi_service.parts.common import (
    MOVEMENT,
    RESERVATION,
    STOCKOUT,
    get_location,
    get_part,
    parse_day,
    parse_quantity,
)
from guanxi_service.parts.models import (
    Part,
    PartReservation,
    StockLocation,
    StockMovement,
    Stockout,
)
from guanxi_service.parts.stock import available, move, short_of, when
from guanxi_service.repairs.common import repair_field
from guanxi_service.repairs.models import RepairOrder


def _open_repair(uow: UnitOfWork, ref: int | str) -> RepairOrder:
    order = repair_field(uow, ref, "repair", lock=True)
    if order.status != "open":
        raise ValidationError("repair", f"repair order {order.number} is {order.status}")
    return order


def record_stockout(uow: UnitOfWork, part: Part, location: StockLocation, requested: int,
                    free: int, *, repair_id: int | None, at: dt.datetime,
                    note: str | None = None) -> Stockout:
    """Record a demand that could not be met."""
    require(uow, STOCKOUT, "create")
    entry = Stockout(part_id=part.id, location_id=location.id, repair_id=repair_id,
                     requested=requested, available=max(free, 0),
                     short=requested - max(free, 0), at=at, actor_id=uow.actor_id, note=note)
    uow.session.add(entry)
    uow.session.flush()
    return entry


@dataclass
class ReserveResult:
    """What a reservation request did: the reservation (None when nothing was available)
    and the stock-out recorded for the shortfall (backorders only)."""

    reservation: PartReservation | None
    stockout: Stockout | None


def reserve(uow: UnitOfWork, repair: int | str, part: int | str, location: int | str,
            quantity: int | str, *, backorder: bool = False,
            note: str | None = None, at: dt.datetime | str | None = None) -> ReserveResult:
    """Reserve ``quantity`` of a part at a location for an open repair order.

    More than is available is an error (nothing stored) unless ``backorder``: then the
    available part is reserved and the rest recorded as a stock-out.
    """
    require(uow, RESERVATION, "create")
    require(uow, MOVEMENT, "create")
    order = _open_repair(uow, repair)
    found, where = get_part(uow, part), get_location(uow, location)
    if not found.active:
        raise ValidationError("part", f"part {found.number} is no longer in use")
    wanted = parse_quantity(quantity)
    text = clean_text(note, "note", 2000)
    moment = when(uow, found.id, where.id, at)
    reservation = _hold(uow, order, found, where, wanted, moment, text)
    if reservation is not None:
        return ReserveResult(reservation, None)
    if not backorder:
        raise short_of(uow, found, where, wanted, "reserve")
    on_hand, reserved = available(uow, found.id, where.id)
    free = on_hand - reserved
    # What is there now is held (the row may have changed: _hold re-checks).
    held = _hold(uow, order, found, where, free, moment, text) if free > 0 else None
    gone = held.quantity if held is not None else 0
    stockout = record_stockout(uow, found, where, wanted, gone, repair_id=order.id, at=moment,
                               note=text)
    return ReserveResult(held, stockout)


def _hold(uow: UnitOfWork, order: RepairOrder, part: Part, location: StockLocation,
          quantity: int, at: dt.datetime, note: str | None) -> PartReservation | None:
    reservation = PartReservation(
        repair_id=order.id, customer_id=order.customer_id, part_id=part.id,
        location_id=location.id, quantity=quantity, created_at=at, actor_id=uow.actor_id)
    entry = move(uow, part, location, "reservation", reserved=quantity, at=at,
                 repair_id=order.id, note=note)
    if entry is None:
        return None
    uow.session.add(reservation)
    uow.session.flush()
    entry.reservation_id = reservation.id
    uow.session.flush()
    return reservation


def get_reservation(uow: UnitOfWork, reservation_id: int | str) -> PartReservation:
    """A reservation the principal may see (with its customer); bad input otherwise."""
    require(uow, RESERVATION, "read")
    text = str(reservation_id).strip()
    found = None
    if text.isdigit():
        found = uow.session.exec(select(PartReservation).where(
            PartReservation.id == int(text)).with_for_update()).scalars().first()
    if found is None:
        raise ValidationError("reservation", f"no reservation {reservation_id!r}")
    return found


def release(uow: UnitOfWork, reservation_id: int | str, *, quantity: int | str | None = None,
            note: str | None = None, at: dt.datetime | str | None = None) -> PartReservation:
    """Give back what is still held of a reservation (``quantity``: part of it)."""
    require(uow, RESERVATION, "update")
    require(uow, MOVEMENT, "create")
    reservation = get_reservation(uow, reservation_id)
    if reservation.status != "active":
        raise ValidationError("reservation", f"reservation {reservation.id} is "
                                             f"{reservation.status}")
    held = reservation.quantity - reservation.issued
    amount = parse_quantity(quantity) if quantity not in (None, "") else held
    if amount > held:
        raise ValidationError("quantity", f"cannot release {amount}: {held} held")
    text = clean_text(note, "note", 2000)
    part = uow.session.get(Part, reservation.part_id)
    location = uow.session.get(StockLocation, reservation.location_id)
    moment = when(uow, part.id, location.id, at)
    entry = move(uow, part, location, "release", reserved=-amount, at=moment,
                 repair_id=reservation.repair_id, reservation_id=reservation.id, note=text)
    assert entry is not None  # held stock is reserved stock
    reservation.quantity -= amount
    if reservation.quantity == reservation.issued:
        reservation.status = "issued" if reservation.issued else "released"
        reservation.closed_at = moment
    uow.session.flush()
    return reservation


def release_for_repair(uow: UnitOfWork, order: RepairOrder, *, note: str) -> int:
    """Release whatever is still held for a repair order (delivered or cancelled)."""
    active = uow.session.exec(select(PartReservation.id).where(
        PartReservation.repair_id == order.id, PartReservation.status == "active")
        .order_by(PartReservation.id)).scalars().all()
    for reservation_id in active:
        release(uow, reservation_id, note=note)
    return len(active)


def use_part(uow: UnitOfWork, repair: int | str, part: int | str, quantity: int | str, *,
             location: int | str | None = None, note: str | None = None,
             at: dt.datetime | str | None = None) -> list[StockMovement]:
    """Issue parts to an open repair order (parts used): from its active reservations of
    the part first (oldest first; ``location`` narrows them), then — only if a
    ``location`` is given — from available stock there. Not enough is an error naming
    the quantity and nothing is stored. The cost goes onto the order's ``parts_cost``."""
    require(uow, MOVEMENT, "create")
    order = _open_repair(uow, repair)
    found = get_part(uow, part)
    where = get_location(uow, location) if location not in (None, "") else None
    wanted = parse_quantity(quantity)
    text = clean_text(note, "note", 2000)
    query = select(PartReservation).where(
        PartReservation.repair_id == order.id, PartReservation.part_id == found.id,
        PartReservation.status == "active")
    if where is not None:
        query = query.where(PartReservation.location_id == where.id)
    held = list(uow.session.exec(
        query.order_by(PartReservation.id).with_for_update()).scalars())
    from_reserved = sum(r.quantity - r.issued for r in held)
    rest = wanted - min(wanted, from_reserved)
    if rest and where is None:
        raise ValidationError(
            "quantity", f"cannot use {wanted} {found.unit} of {found.number}: {from_reserved} "
                        f"reserved for {order.number} (give a location to take the rest)")
    plan: list[tuple[PartReservation | None, StockLocation, int]] = []
    left = wanted
    for reservation in held:
        take = min(left, reservation.quantity - reservation.issued)
        if take:
            plan.append((reservation, uow.session.get(StockLocation, reservation.location_id),
                         take))
            left -= take
    if left:
        plan.append((None, where, left))
    moments = {loc.id: when(uow, found.id, loc.id, at) for _, loc, _ in plan}
    issued = []
    for reservation, loc, take in plan:
        entry = move(uow, found, loc, "issue", on_hand=-take,
                     reserved=-take if reservation is not None else 0, at=moments[loc.id],
                     repair_id=order.id,
                     reservation_id=reservation.id if reservation is not None else None,
                     note=text)
        if entry is None:  # only the unreserved rest can fall short
            raise short_of(uow, found, loc, take, "use")
        entry.quantity = -take
        issued.append(entry)
        if reservation is not None:
            reservation.issued += take
            if reservation.issued == reservation.quantity:
                reservation.status, reservation.closed_at = "issued", moments[loc.id]
    order.parts_cost = order.parts_cost + sum(
        (found.unit_cost * take for _, _, take in plan), Decimal("0"))
    order.updated_at = uow.now
    uow.session.flush()
    return issued


def parts_of_repair(uow: UnitOfWork, repair_id: int) -> tuple[list[dict], list[dict]]:
    """(reservations, parts used) of a repair order, for its detail view."""
    reservations = uow.session.exec(
        select(PartReservation, Part.number, Part.name, StockLocation.code)
        .join(Part, Part.id == PartReservation.part_id)
        .join(StockLocation, StockLocation.id == PartReservation.location_id)
        .where(PartReservation.repair_id == repair_id).order_by(PartReservation.id)).all()
    used = uow.session.exec(
        select(Part.number, Part.name, StockLocation.code, func.sum(-StockMovement.quantity),
               StockMovement.unit_cost)
        .join(Part, Part.id == StockMovement.part_id)
        .join(StockLocation, StockLocation.id == StockMovement.location_id)
        .where(StockMovement.repair_id == repair_id, StockMovement.kind == "issue")
        .group_by(Part.number, Part.name, StockLocation.code, StockMovement.unit_cost)
        .order_by(Part.number)).all()
    return (
        [{"id": r.id, "part": number, "name": name, "location": code, "quantity": r.quantity,
          "issued": r.issued, "status": r.status} for r, number, name, code in reservations],
        [{"part": number, "name": name, "location": code, "quantity": int(qty),
          "unit_cost": cost, "cost": (cost * int(qty)).quantize(Decimal("0.01"))}
         for number, name, code, qty, cost in used])


def list_reservations(uow: UnitOfWork, *, status: str | None = "active",
                      repair: int | str | None = None, location: int | str | None = None,
                      limit: int = 200) -> list[dict[str, Any]]:
    """Reservations the principal may see (they are seen with their customer)."""
    require(uow, RESERVATION, "read")
    query = (select(PartReservation, Part.number, StockLocation.code, RepairOrder.number)
             .join(Part, Part.id == PartReservation.part_id)
             .join(StockLocation, StockLocation.id == PartReservation.location_id)
             .join(RepairOrder, RepairOrder.id == PartReservation.repair_id))
    if status:
        query = query.where(PartReservation.status == status)
    if repair not in (None, ""):
        query = query.where(PartReservation.repair_id == repair_field(uow, repair, "repair").id)
    if location not in (None, ""):
        query = query.where(PartReservation.location_id == get_location(uow, location).id)
    rows = uow.session.exec(query.order_by(PartReservation.id).limit(limit)).all()
    return [{"id": r.id, "repair": repair_number, "part": number, "location": code,
             "quantity": r.quantity, "issued": r.issued, "held": r.quantity - r.issued
             if r.status == "active" else 0, "status": r.status, "created_at": r.created_at}
            for r, number, code, repair_number in rows]


def list_stockouts(uow: UnitOfWork, *, open_only: bool = False, location: int | str | None = None,
                   part: int | str | None = None, start: Any = None, end: Any = None,
                   limit: int = 200) -> list[dict[str, Any]]:
    """Stock-outs, newest first, with the days each took to fill (None: still open)."""
    require(uow, STOCKOUT, "read")
    query = (select(Stockout, Part.number, Part.name, StockLocation.code,
                    StockLocation.region)
             .join(Part, Part.id == Stockout.part_id)
             .join(StockLocation, StockLocation.id == Stockout.location_id))
    if open_only:
        query = query.where(Stockout.filled_at.is_(None))
    if location not in (None, ""):
        query = query.where(Stockout.location_id == get_location(uow, location).id)
    if part not in (None, ""):
        query = query.where(Stockout.part_id == get_part(uow, part).id)
    first, last = parse_day(start, "start"), parse_day(end, "end")
    tz = uow.app.tz
    if first is not None:
        query = query.where(Stockout.at >= dt.datetime.combine(first, dt.time(), tz))
    if last is not None:
        query = query.where(
            Stockout.at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz))
    rows = uow.session.exec(query.order_by(Stockout.at.desc(), Stockout.id.desc())
                            .limit(limit)).all()
    numbers = dict(uow.session.exec(select(RepairOrder.id, RepairOrder.number).where(
        RepairOrder.id.in_({s.repair_id for s, *_ in rows if s.repair_id}))).all())
    return [{"id": s.id, "at": s.at, "part": number, "name": name, "location": code,
             "region": region, "repair": numbers.get(s.repair_id) if s.repair_id else None,
             "requested": s.requested, "available": s.available, "short": s.short,
             "filled_at": s.filled_at,
             "days_to_fill": round((s.filled_at - s.at).total_seconds() / 86400, 1)
             if s.filled_at else None} for s, number, name, code, region in rows]


def issue_from_stock(uow: UnitOfWork, order: RepairOrder, part: Part, location: StockLocation,
                     quantity: int, *, at: dt.datetime, note: str | None = None,
                     ) -> StockMovement | None:
    """The ledger half of :func:`use_part` without a reservation and without the order's
    status check: parts used entered after the fact (a job card handed in after
    delivery). None, and nothing stored, when the available stock is short."""
    require(uow, MOVEMENT, "create")
    entry = move(uow, part, location, "issue", on_hand=-quantity, at=at, repair_id=order.id,
                 note=note)
    if entry is None:
        return None
    order.parts_cost = order.parts_cost + part.unit_cost * quantity
    order.updated_at = uow.now
    uow.session.flush()
    return entry
