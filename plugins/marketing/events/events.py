"""Events (贸易展, 研讨会, 义诊 …): campaigns of type ``event`` with a venue, times and places.

The campaign row (campaigns area) holds the name, budget, cost, dates and owner; the
:class:`~guanxi_marketing.events.models.MarketingEvent` row holds what only an event
has. Whoever may read events sees them all, with their campaign's name, status and cost
(see :func:`campaigns_of`); registrations are seen with their customers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.services.staff import usernames
from guanxi_marketing.campaigns.common import campaign_field
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.campaigns.service import create_campaign
from guanxi_marketing.events.common import EVENT, parse_time
from guanxi_marketing.events.models import (
    EVENT_KINDS,
    HOLDING_PLACE,
    EventRegistration,
    MarketingEvent,
)

MAX_VENUE = 200


@dataclass(frozen=True)
class EventRow:
    """An event as listed: its campaign's name, owner and status, and how full it is."""

    id: int
    campaign_id: int
    name: str
    kind: str
    status: str
    venue: str | None
    capacity: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    registration_deadline: dt.datetime | None
    owner: str | None
    places_taken: int
    waitlisted: int
    attended: int
    closed: bool


def _check_times(
    starts: dt.datetime, ends: dt.datetime, deadline: dt.datetime | None
) -> None:
    if ends <= starts:
        raise ValidationError("ends_at", "must be after the start")
    if deadline is not None and deadline > ends:
        raise ValidationError("registration_deadline", "must not be after the event ends")


def _capacity(value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        places = int(str(value).strip())
    except ValueError:
        raise ValidationError("capacity", f"not a whole number: {value!r}") from None
    if places < 1:
        raise ValidationError("capacity", "must be at least 1 (leave it out for no limit)")
    return places


def _event_campaign(uow: UnitOfWork, ref: int | str) -> Campaign:
    campaign = campaign_field(uow, ref, "campaign")
    if campaign.type != "event":
        raise ValidationError("campaign", f"campaign {campaign.id} is a {campaign.type} campaign, "
                                          "not an event")
    taken = uow.session.exec(select(MarketingEvent.id).where(
        MarketingEvent.campaign_id == campaign.id)).scalars().first()
    if taken is not None:
        raise ValidationError("campaign", f"campaign {campaign.id} already is event {taken}")
    return campaign


def create_event(
    uow: UnitOfWork,
    *,
    name: str | None = None,
    kind: str,
    starts_at: dt.datetime | str,
    ends_at: dt.datetime | str,
    venue: str | None = None,
    capacity: int | str | None = None,
    registration_deadline: dt.datetime | str | None = None,
    budget: Decimal | int | str = 0,
    currency: str | None = None,
    owner: str | int | None = None,
    description: str | None = None,
    campaign: int | str | None = None,
) -> MarketingEvent:
    """Create an event: a new campaign of type ``event`` (or the given one) and its details.

    Times may be naive (display time) or aware; the registration deadline, if any, must
    not be after the end. ``capacity`` None means no limit (nobody is waitlisted).
    """
    require(uow, EVENT, "create")
    event_kind = parse_choice(kind, EVENT_KINDS, "kind")
    starts = parse_time(uow, starts_at, "starts_at")
    ends = parse_time(uow, ends_at, "ends_at")
    deadline = (parse_time(uow, registration_deadline, "registration_deadline")
                if registration_deadline not in (None, "") else None)
    _check_times(starts, ends, deadline)
    places = _capacity(capacity)
    where = (venue or "").strip() or None
    if where is not None and len(where) > MAX_VENUE:
        raise ValidationError("venue", f"at most {MAX_VENUE} characters")
    if campaign is not None:
        linked = _event_campaign(uow, campaign)
    else:
        tz = uow.app.tz
        linked = create_campaign(
            uow, name=name or "", type="event", budget=budget, currency=currency,
            starts_on=starts.astimezone(tz).date(), ends_on=ends.astimezone(tz).date(),
            owner=owner, description=description,
        )
    event = MarketingEvent(
        campaign_id=linked.id, kind=event_kind, venue=where, capacity=places, starts_at=starts,
        ends_at=ends, registration_deadline=deadline, created_at=uow.now,
    )
    uow.session.add(event)
    uow.session.flush()
    return event


@dataclass(frozen=True)
class EventCampaign:
    """What an event shows of its campaign: name, type, status, owner, cost."""

    id: int
    name: str
    type: str
    status: str
    owner_id: int | None
    actual_cost: Decimal
    currency: str


def campaigns_of(uow: UnitOfWork, campaign_ids: list[int]) -> dict[int, EventCampaign]:
    """The campaigns of events, read past the campaigns' record policies.

    A campaign is visible to its owner only, but the staff who register and check in
    people at an event are rarely its owner: whoever may read events sees the name,
    status and cost of an event's campaign.
    """
    table = Campaign.__table__  # type: ignore[attr-defined]
    columns = [table.c[name] for name in ("id", "name", "type", "status", "owner_id",
                                          "actual_cost", "currency")]
    found: dict[int, EventCampaign] = {}
    for chunk in chunks(sorted(set(campaign_ids))):
        for row in uow.session.connection().execute(select(*columns).where(
                table.c.id.in_(chunk))):
            found[row.id] = EventCampaign(*row)
    return found


def event_with_campaign(
    uow: UnitOfWork, event_id: int, *, for_update: bool = False
) -> tuple[MarketingEvent, EventCampaign]:
    """An event and its campaign; ``for_update`` locks the event row (PostgreSQL) so
    concurrent registrations cannot both take its last place."""
    require(uow, EVENT, "read")
    query = select(MarketingEvent).where(MarketingEvent.id == event_id)
    if for_update:
        query = query.with_for_update()
    event = uow.session.exec(query).scalars().first()
    if event is None:
        raise NotFoundError(f"no event with id {event_id}")
    return event, campaigns_of(uow, [event.campaign_id])[event.campaign_id]


def get_event(uow: UnitOfWork, event_id: int) -> MarketingEvent:
    """An event by id; :class:`NotFoundError` if there is none."""
    return event_with_campaign(uow, event_id)[0]


def _status_counts(uow: UnitOfWork, event_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {i: {} for i in event_ids}
    if event_ids:
        query = (select(EventRegistration.event_id, EventRegistration.status, func.count())
                 .where(EventRegistration.event_id.in_(event_ids))
                 .group_by(EventRegistration.event_id, EventRegistration.status))
        for event_id, status, count in uow.session.connection().execute(query):
            counts[event_id][status] = count
    return counts


def event_rows(
    uow: UnitOfWork, pairs: list[tuple[MarketingEvent, EventCampaign]]
) -> list[EventRow]:
    """Listing rows for events with their campaigns."""
    counts = _status_counts(uow, [e.id for e, _ in pairs])
    owners = usernames(uow, [c.owner_id for _, c in pairs])
    rows = []
    for event, campaign in pairs:
        by_status = counts[event.id]
        rows.append(EventRow(
            id=event.id, campaign_id=campaign.id, name=campaign.name, kind=event.kind,
            status=campaign.status, venue=event.venue, capacity=event.capacity,
            starts_at=event.starts_at, ends_at=event.ends_at,
            registration_deadline=event.registration_deadline,
            owner=owners.get(campaign.owner_id) if campaign.owner_id else None,
            places_taken=sum(by_status.get(s, 0) for s in HOLDING_PLACE),
            waitlisted=by_status.get("waitlisted", 0), attended=by_status.get("attended", 0),
            closed=event.closed_at is not None,
        ))
    return rows


def list_events(
    uow: UnitOfWork, *, kind: str | None = None, upcoming: bool = False, limit: int = 100
) -> list[EventRow]:
    """Events the principal may see by start time; ``upcoming``: not ended yet."""
    require(uow, EVENT, "read")
    query = select(MarketingEvent)
    if kind is not None:
        query = query.where(MarketingEvent.kind == parse_choice(kind, EVENT_KINDS, "kind"))
    if upcoming:
        query = query.where(MarketingEvent.ends_at > uow.now)
    query = query.order_by(MarketingEvent.starts_at, MarketingEvent.id).limit(limit)
    found = uow.session.exec(query).scalars().all()
    campaigns = campaigns_of(uow, [e.campaign_id for e in found])
    return event_rows(uow, [(e, campaigns[e.campaign_id]) for e in found])


def event_row(uow: UnitOfWork, event_id: int) -> EventRow:
    """One event as a listing row."""
    return event_rows(uow, [event_with_campaign(uow, event_id)])[0]
