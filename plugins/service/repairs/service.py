"""Repair and field-service orders (维修单): open, move through steps, re-promise,
deliver, cancel.

An order is opened from a ticket (its customer and asset) or directly, on an asset that
must belong to the customer. It records where the work happens (workshop or field), the
technician, the warranty status found when it was opened and whether the customer pays
(有偿) or not (免费), and a promised completion time. Every step, promise change, note
and the end are appended to the order's step log. Delivery decides ``on_time``: the
asset was delivered by the promise in force at that moment (the first promise is kept
too, and the on-time report shows the rate against both).

Every function checks the principal's permission and reads through the ORM, so record
policies apply. Bad input raises :class:`~guanxi.errors.ValidationError` naming the field
before anything is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import clean_text, parse_choice, parse_money
from guanxi.services.customers import require_customer
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi.services.staff import active_staff
from guanxi_service.repairs.common import REPAIR, STEP, get_repair, parse_time, repair_settings
from guanxi_service.repairs.kinds import CHANNEL_BY_LOCATION
from guanxi_service.repairs.models import BILLING, LOCATIONS, RepairOrder, RepairStep

__all__ = [
    "add_note", "assign_technician", "cancel_repair", "change_promise", "complete_repair",
    "get_repair", "open_repair", "set_step",
]

MAX_TEXT = 4000


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _ticket(uow: UnitOfWork, ticket_id: int) -> object:
    """The ticket (through the ORM, so record policies apply), as bad input if unseen."""
    from guanxi_service.tickets.models import Ticket

    ticket = uow.session.exec(select(Ticket).where(Ticket.id == ticket_id)).scalars().first()
    if ticket is None:
        raise ValidationError("ticket_id", f"no ticket with id {ticket_id}")
    return ticket


def _asset(uow: UnitOfWork, asset_id: int, customer_id: int) -> object:
    from guanxi_service.assets.service import get_asset

    try:
        asset = get_asset(uow, asset_id)
    except NotFoundError:
        raise ValidationError("asset_id", f"no asset with id {asset_id}") from None
    if asset.customer_id != customer_id:
        raise ValidationError("asset_id", f"asset {asset_id} belongs to another customer")
    return asset


def _warranty(uow: UnitOfWork, asset_id: int | None, on: dt.date) -> str | None:
    if asset_id is None:
        return None
    from guanxi_service.assets.service import warranty_status

    return warranty_status(uow, asset_id, on)


def _log_step(uow: UnitOfWork, order: RepairOrder, kind: str, at: dt.datetime, *,
              note: str | None = None, promised_at: dt.datetime | None = None) -> RepairStep:
    entry = RepairStep(repair_id=order.id, customer_id=order.customer_id, at=at,
                       actor_id=uow.actor_id, kind=kind, step=order.step,
                       promised_at=promised_at, note=note)
    uow.session.add(entry)
    return entry


def _log(uow: UnitOfWork, order: RepairOrder, kind: str, at: dt.datetime, subject: str,
         direction: str, payload: dict) -> None:
    """Log ``kind`` about the order. Validated and inserted directly rather than through
    ``log_interactions`` (which asks whether the customer is visible): the order was
    found through the record policies, and its technician may work it without seeing
    the rest of the customer's record."""
    require(uow, "interaction", "create")
    record = validate_interaction(uow, {
        "customer_id": order.customer_id, "kind": kind,
        "channel": CHANNEL_BY_LOCATION[order.location], "direction": direction,
        "occurred_at": at, "actor": uow.actor_id, "subject": subject[:500],
        "payload": {"repair_id": order.id, "number": order.number,
                    "asset_id": order.asset_id, **payload}})
    insert_interactions(uow, [record])


def _moment(uow: UnitOfWork, order: RepairOrder | None, at: dt.datetime | str | None,
            field_name: str = "at") -> dt.datetime:
    """When something happened: now by default; never before the order was opened and
    never in the future (a late entry of what happened earlier is fine)."""
    moment = parse_time(uow, at, field_name) or uow.now
    if moment > uow.now + dt.timedelta(minutes=1):
        raise ValidationError(field_name, "is in the future")
    if order is not None and moment < order.opened_at:
        raise ValidationError(field_name, "is before the order was opened")
    return moment


def open_repair(
    uow: UnitOfWork,
    *,
    customer_id: int | None = None,
    asset_id: int | None = None,
    ticket_id: int | None = None,
    location: str = "workshop",
    site: str | None = None,
    technician: str | int | None = None,
    promised_at: dt.datetime | str | None = None,
    billing: str | None = None,
    description: str | None = None,
    opened_at: dt.datetime | str | None = None,
) -> RepairOrder:
    """Open a repair order at the first configured step.

    With ``ticket_id`` the customer and asset default to the ticket's (a different
    customer is refused). The asset must belong to the customer. ``promised_at``
    defaults to ``default_promise_hours`` after opening and must be after it;
    ``billing`` defaults to ``free`` for an asset in warranty and ``paid`` otherwise.
    """
    require(uow, REPAIR, "create")
    settings = repair_settings(uow.app)
    ticket = _ticket(uow, ticket_id) if ticket_id is not None else None
    if ticket is not None:
        if customer_id is not None and customer_id != ticket.customer_id:
            raise ValidationError("ticket_id", f"ticket {ticket_id} is about another customer")
        customer_id = ticket.customer_id
        asset_id = asset_id if asset_id is not None else ticket.asset_id
    if customer_id is None:
        raise ValidationError("customer_id", "is required (or a ticket_id)")
    try:
        require_customer(uow, customer_id)
    except NotFoundError as exc:
        raise ValidationError("customer_id", str(exc)) from None
    if asset_id is not None:
        _asset(uow, asset_id, customer_id)
    where = parse_choice(location, LOCATIONS, "location")
    opened = _moment(uow, None, opened_at, "opened_at")
    promise = parse_time(uow, promised_at, "promised_at") or (
        opened + dt.timedelta(hours=settings.default_promise_hours))
    if promise <= opened:
        raise ValidationError("promised_at", "must be after the order is opened")
    technician_id = (active_staff(uow, technician, "technician").id
                     if technician is not None else None)
    status = _warranty(uow, asset_id, opened.astimezone(uow.app.tz).date())
    pay = (parse_choice(billing, BILLING, "billing") if billing is not None
           else "free" if status == "in_warranty" else "paid")
    order = RepairOrder(
        number=f"~{uuid.uuid4().hex[:18]}", customer_id=customer_id, asset_id=asset_id,
        ticket_id=ticket_id, location=where, site=clean_text(site, "site", 200),
        technician_id=technician_id, billing=pay, warranty_status=status,
        step=settings.steps[0], description=clean_text(description, "description", MAX_TEXT),
        opened_at=opened, first_promised_at=promise, promised_at=promise,
        created_at=uow.now, updated_at=uow.now)
    uow.session.add(order)
    uow.session.flush()
    order.number = f"{settings.number_prefix}{order.id:06d}"
    _log_step(uow, order, "step", opened, promised_at=promise)
    uow.session.flush()
    _log(uow, order, "service.repair_opened", opened, f"维修单 {order.number} 已受理",
         "inbound", {"ticket_id": ticket_id, "location": where, "billing": pay,
                     "warranty_status": status, "promised_at": _iso(promise)})
    return order


def _open_order(uow: UnitOfWork, ref: int | str) -> RepairOrder:
    order = get_repair(uow, ref, lock=True)
    if order.status != "open":
        raise ValidationError("repair", f"repair order {order.number} is {order.status}")
    return order


def set_step(uow: UnitOfWork, ref: int | str, step: str, *, note: str | None = None,
             at: dt.datetime | str | None = None) -> RepairOrder:
    """Move an open order to ``step`` (any configured step: work may go back from
    testing to repairing); ``delivered`` delivers it (:func:`complete_repair`)."""
    require(uow, REPAIR, "update")
    steps = repair_settings(uow.app).steps
    wanted = parse_choice(step, steps, "step")
    if wanted == "delivered":
        return complete_repair(uow, ref, note=note, delivered_at=at)
    order = _open_order(uow, ref)
    text = clean_text(note, "note", MAX_TEXT)
    moment = _moment(uow, order, at)
    if wanted == order.step:
        raise ValidationError("step", f"repair order {order.number} is already at {wanted}")
    order.step, order.updated_at = wanted, uow.now
    if wanted == "ready":
        order.ready_at = moment
    _log_step(uow, order, "step", moment, note=text)
    uow.session.flush()
    _log(uow, order, "service.repair_step", moment, f"维修单 {order.number}: {wanted}",
         "internal", {"step": wanted})
    return order


def change_promise(uow: UnitOfWork, ref: int | str, promised_at: dt.datetime | str, *,
                   reason: str, at: dt.datetime | str | None = None) -> RepairOrder:
    """Promise a new completion time (the customer agreed to it); ``reason`` is required.
    The old promise stays in the step log; ``first_promised_at`` never changes."""
    require(uow, REPAIR, "update")
    order = _open_order(uow, ref)
    promise = parse_time(uow, promised_at, "promised_at")
    if promise is None:
        raise ValidationError("promised_at", "is required")
    if promise <= order.opened_at:
        raise ValidationError("promised_at", "must be after the order was opened")
    if promise == order.promised_at:
        raise ValidationError("promised_at", "is the promise already in force")
    text = clean_text(reason, "reason", MAX_TEXT)
    if text is None:
        raise ValidationError("reason", "is required to change a promise")
    moment = _moment(uow, order, at)
    order.promised_at, order.updated_at = promise, uow.now
    order.promise_changes += 1
    _log_step(uow, order, "promise", moment, note=text, promised_at=promise)
    uow.session.flush()
    return order


def assign_technician(uow: UnitOfWork, ref: int | str, technician: str | int) -> RepairOrder:
    """Give an open order to another technician (recorded in the step log)."""
    require(uow, REPAIR, "update")
    order = _open_order(uow, ref)
    staff = active_staff(uow, technician, "technician")
    if staff.id == order.technician_id:
        raise ValidationError("technician", f"{staff.username} already has it")
    order.technician_id, order.updated_at = staff.id, uow.now
    _log_step(uow, order, "technician", uow.now, note=staff.username)
    uow.session.flush()
    return order


def add_note(uow: UnitOfWork, ref: int | str, note: str) -> RepairStep:
    """Add a note to an order's log (open or not: a note after delivery is fine)."""
    require(uow, STEP, "create")
    order = get_repair(uow, ref)
    text = clean_text(note, "note", MAX_TEXT)
    if text is None:
        raise ValidationError("note", "is required")
    entry = _log_step(uow, order, "note", uow.now, note=text)
    order.updated_at = uow.now
    uow.session.flush()
    return entry


def _release_reservations(uow: UnitOfWork, order: RepairOrder, why: str) -> None:
    """Parts still held for the order go back to available stock."""
    from guanxi_service.parts.reservations import release_for_repair

    release_for_repair(uow, order, note=why)


def complete_repair(
    uow: UnitOfWork, ref: int | str, *, delivered_at: dt.datetime | str | None = None,
    note: str | None = None, labour_charge: Decimal | int | str | None = None,
) -> RepairOrder:
    """Deliver the repaired asset: step ``delivered``, ``on_time`` against the promise in
    force; parts still reserved and not issued are released."""
    require(uow, REPAIR, "update")
    order = _open_order(uow, ref)
    moment = _moment(uow, order, delivered_at, "delivered_at")
    text = clean_text(note, "note", MAX_TEXT)
    charge = parse_money(labour_charge, "labour_charge") if labour_charge is not None else None
    _release_reservations(uow, order, f"{order.number} delivered")
    order.status, order.step = "delivered", "delivered"
    order.delivered_at, order.on_time = moment, moment <= order.promised_at
    order.ready_at = order.ready_at or moment
    if charge is not None:
        order.labour_charge = charge
    order.updated_at = uow.now
    _log_step(uow, order, "step", moment, note=text)
    uow.session.flush()
    _log(uow, order, "service.repair_completed", moment,
         f"维修单 {order.number} 已交车{'（按时）' if order.on_time else '（延误）'}", "outbound",
         {"on_time": order.on_time, "promised_at": _iso(order.promised_at),
          "delivered_at": _iso(moment), "parts_cost": str(order.parts_cost)})
    return order


def cancel_repair(uow: UnitOfWork, ref: int | str, *, reason: str,
                  at: dt.datetime | str | None = None) -> RepairOrder:
    """Cancel an open order (the customer withdrew, a duplicate…); held parts are
    released, parts already issued stay on it."""
    require(uow, REPAIR, "update")
    order = _open_order(uow, ref)
    text = clean_text(reason, "reason", MAX_TEXT)
    if text is None:
        raise ValidationError("reason", "is required to cancel an order")
    moment = _moment(uow, order, at)
    _release_reservations(uow, order, f"{order.number} cancelled")
    order.status, order.cancelled_at, order.updated_at = "cancelled", moment, uow.now
    _log_step(uow, order, "cancelled", moment, note=text)
    uow.session.flush()
    return order
