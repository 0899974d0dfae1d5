"""Event registrations: registered → confirmed → attended | no_show | cancelled.

A registration holds one of the event's places (``capacity``); when the event is full a
new registration is ``waitlisted`` and gets the first place that frees up. Check-in
marks attendance (a customer who never registered becomes a walk-in) and makes the
customer a ``responded`` member of the event's campaign. After the event, those who
held a place and did not come are marked no-shows (by :func:`close_event` or the job).
Every change is logged to the interaction log (``marketing.event_*``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.services.customers import require_customer
from guanxi.services.lookup import customer_names
from guanxi_marketing.events.campaign_link import touch_member
from guanxi_marketing.events.common import REGISTRATION, event_settings, log_for, parse_notes
from guanxi_marketing.events.events import EventCampaign, event_with_campaign
from guanxi_marketing.events.models import (
    HOLDING_PLACE,
    REGISTRATION_STATUSES,
    EventRegistration,
    MarketingEvent,
)

# The status a registration may be in for each step, and the interaction kind it logs.
CONFIRMABLE = ("registered",)
CANCELLABLE = ("registered", "confirmed", "waitlisted")


def _log(uow: UnitOfWork, event: MarketingEvent, campaign: EventCampaign,
         registration: EventRegistration, kind: str) -> None:
    log_for(uow, registration.customer_id, f"marketing.event_{kind}", {
        "event_id": event.id, "campaign_id": campaign.id, "event": campaign.name,
        "kind": event.kind, "registration_id": registration.id, "status": registration.status,
        "walk_in": registration.walk_in,
    }, subject=campaign.name, direction="inbound")


def _customer(uow: UnitOfWork, customer_id: int) -> int:
    try:
        return require_customer(uow, customer_id).id  # type: ignore[return-value]
    except NotFoundError as exc:
        raise ValidationError("customer_id", str(exc)) from None


def _registration(uow: UnitOfWork, event_id: int, customer_id: int) -> EventRegistration | None:
    return uow.session.exec(select(EventRegistration).where(
        EventRegistration.event_id == event_id,
        EventRegistration.customer_id == customer_id)).scalars().first()


def _existing(uow: UnitOfWork, event_id: int, customer_id: int) -> EventRegistration:
    found = _registration(uow, event_id, customer_id)
    if found is None:
        raise NotFoundError(f"customer {customer_id} is not registered for event {event_id}")
    return found


def places_taken(uow: UnitOfWork, event_id: int) -> int:
    """How many registrations hold a place at the event."""
    return uow.session.connection().execute(select(func.count()).where(
        EventRegistration.event_id == event_id,
        EventRegistration.status.in_(HOLDING_PLACE))).scalar_one()


def _open_for_registration(uow: UnitOfWork, event: MarketingEvent, campaign: EventCampaign) -> None:
    if campaign.status in ("cancelled", "completed"):
        raise ValidationError("event", f"event {event.id} is {campaign.status}")
    if event.closed_at is not None or uow.now >= event.ends_at:
        raise ValidationError("event", f"event {event.id} has ended")
    if event.registration_deadline is not None and uow.now > event.registration_deadline:
        closed = uow.app.local_time(event.registration_deadline)
        raise ValidationError("registration_deadline",
                              f"registration closed at {closed:%Y-%m-%d %H:%M}")


def register(
    uow: UnitOfWork, event_id: int, customer_id: int, *, notes: str | None = None
) -> EventRegistration:
    """Register a customer for an event (``waitlisted`` when it is full).

    A cancelled registration may register again; any other existing one is an error.
    The customer becomes a ``targeted`` member of the event's campaign.
    """
    require(uow, REGISTRATION, "create")
    event, campaign = event_with_campaign(uow, event_id, for_update=True)
    _customer(uow, customer_id)
    text = parse_notes(notes)
    _open_for_registration(uow, event, campaign)
    registration = _registration(uow, event.id, customer_id)
    if registration is not None and registration.status != "cancelled":
        raise ValidationError("customer_id", f"customer {customer_id} is already "
                                             f"{registration.status} for event {event.id}")
    full = event.capacity is not None and places_taken(uow, event.id) >= event.capacity
    status = "waitlisted" if full else "registered"
    if registration is None:
        registration = EventRegistration(event_id=event.id, customer_id=customer_id,
                                         status=status, registered_at=uow.now)
        uow.session.add(registration)
    registration.status = status
    registration.registered_at, registration.registered_by_id = uow.now, uow.actor_id
    registration.confirmed_at = registration.cancelled_at = None
    if text is not None:
        registration.notes = text
    uow.session.flush()
    touch_member(uow, campaign.id, customer_id, "targeted")
    _log(uow, event, campaign, registration, "registered")
    return registration


def confirm(uow: UnitOfWork, event_id: int, customer_id: int) -> EventRegistration:
    """The customer confirmed he will come: registered → confirmed."""
    require(uow, REGISTRATION, "update")
    event, campaign = event_with_campaign(uow, event_id)
    registration = _existing(uow, event.id, customer_id)
    if registration.status not in CONFIRMABLE:
        raise ValidationError("status", f"registration of customer {customer_id} is "
                                        f"{registration.status}: only registered ones confirm")
    registration.status, registration.confirmed_at = "confirmed", uow.now
    uow.session.flush()
    _log(uow, event, campaign, registration, "confirmed")
    return registration


def _promote_waitlisted(uow: UnitOfWork, event: MarketingEvent, campaign: EventCampaign) -> None:
    """Give free places to the waitlist, first come first served."""
    free = (event.capacity or 0) - places_taken(uow, event.id)
    if event.capacity is None or free <= 0:
        return
    waiting = uow.session.exec(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.status == "waitlisted")
        .order_by(EventRegistration.registered_at, EventRegistration.id).limit(free)).scalars()
    for registration in list(waiting):
        registration.status = "registered"
        uow.session.flush()
        _log(uow, event, campaign, registration, "promoted")


def cancel(uow: UnitOfWork, event_id: int, customer_id: int) -> EventRegistration:
    """Cancel a registration; its place goes to the first waitlisted customer."""
    require(uow, REGISTRATION, "update")
    event, campaign = event_with_campaign(uow, event_id, for_update=True)
    registration = _existing(uow, event.id, customer_id)
    if registration.status not in CANCELLABLE:
        raise ValidationError("status", f"registration of customer {customer_id} is "
                                        f"{registration.status} and cannot be cancelled")
    registration.status, registration.cancelled_at = "cancelled", uow.now
    uow.session.flush()
    _log(uow, event, campaign, registration, "cancelled")
    if event.closed_at is None and uow.now < event.ends_at:
        _promote_waitlisted(uow, event, campaign)
    return registration


def check_in(
    uow: UnitOfWork, event_id: int, customer_id: int, *, notes: str | None = None
) -> EventRegistration:
    """Mark a customer present (a walk-in if he never registered).

    Check-in opens ``checkin_opens_minutes`` before the start; afterwards it is allowed
    at any time, so attendance can be entered from a paper list (a no-show becomes
    attended). The customer becomes a ``responded`` member of the event's campaign.
    """
    require(uow, REGISTRATION, "update")
    event, campaign = event_with_campaign(uow, event_id)
    _customer(uow, customer_id)
    text = parse_notes(notes)
    opens = event.starts_at - dt.timedelta(minutes=event_settings(uow).checkin_opens_minutes)
    if uow.now < opens:
        opening = uow.app.local_time(opens)
        raise ValidationError("event", f"check-in opens at {opening:%Y-%m-%d %H:%M}")
    registration = _registration(uow, event.id, customer_id)
    if registration is None:
        require(uow, REGISTRATION, "create")
        registration = EventRegistration(event_id=event.id, customer_id=customer_id,
                                         status="attended", walk_in=True, registered_at=uow.now,
                                         registered_by_id=uow.actor_id)
        uow.session.add(registration)
    elif registration.status == "attended":
        raise ValidationError("customer_id", f"customer {customer_id} already checked in")
    registration.status, registration.checked_in_at = "attended", uow.now
    if text is not None:
        registration.notes = text
    uow.session.flush()
    _log(uow, event, campaign, registration, "attended")
    touch_member(uow, campaign.id, customer_id, "responded", response=f"attended {event.kind}")
    return registration


def close_event(uow: UnitOfWork, event_id: int) -> int:
    """After the event: who held a place and did not come is a no-show. Returns how many."""
    require(uow, REGISTRATION, "update")
    event, campaign = event_with_campaign(uow, event_id, for_update=True)
    if uow.now < event.ends_at:
        raise ValidationError("event", f"event {event.id} has not ended yet")
    if event.closed_at is not None:
        raise ValidationError("event", f"event {event.id} is already closed")
    missing = uow.session.exec(select(EventRegistration).where(
        EventRegistration.event_id == event.id,
        EventRegistration.status.in_(("registered", "confirmed")))
        .order_by(EventRegistration.id)).scalars().all()
    for registration in missing:
        registration.status, registration.no_show_at = "no_show", uow.now
    event.closed_at = uow.now
    uow.session.flush()
    for registration in missing:
        _log(uow, event, campaign, registration, "no_show")
    return len(missing)


def mark_no_shows(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The job ``marketing.event_no_shows``: close events ended ``no_show_after_hours`` ago."""
    cutoff = due_at - dt.timedelta(hours=event_settings(uow).no_show_after_hours)
    ended = uow.session.exec(select(MarketingEvent.id).where(
        MarketingEvent.closed_at.is_(None), MarketingEvent.ends_at <= cutoff)
        .order_by(MarketingEvent.id)).scalars().all()
    marked = sum(close_event(uow, event_id) for event_id in ended)
    return f"closed {len(ended)} events, {marked} no-shows"


@dataclass(frozen=True)
class RegistrationRow:
    """A registration as listed, with the customer's name."""

    id: int
    customer_id: int
    customer: str | None
    status: str
    walk_in: bool
    registered_at: dt.datetime
    confirmed_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    no_show_at: dt.datetime | None
    notes: str | None


def list_registrations(
    uow: UnitOfWork, event_id: int, *, status: str | None = None
) -> list[RegistrationRow]:
    """The event's registrations of customers the principal may see, in registration order."""
    require(uow, REGISTRATION, "read")
    event = event_with_campaign(uow, event_id)[0]
    query = select(EventRegistration).where(EventRegistration.event_id == event.id)
    if status is not None:
        query = query.where(EventRegistration.status == parse_choice(
            status, REGISTRATION_STATUSES, "status"))
    rows = uow.session.exec(query.order_by(EventRegistration.registered_at,
                                           EventRegistration.id)).scalars().all()
    names = customer_names(uow, [r.customer_id for r in rows])
    return [RegistrationRow(
        id=r.id, customer_id=r.customer_id, customer=names.get(r.customer_id), status=r.status,
        walk_in=r.walk_in, registered_at=r.registered_at, confirmed_at=r.confirmed_at,
        checked_in_at=r.checked_in_at, cancelled_at=r.cancelled_at, no_show_at=r.no_show_at,
        notes=r.notes) for r in rows]
