"""What the tickets modules share: entity names, input parsing, lookups and logging.

Lookups read through ORM queries on ``uow.session``, so the record policies of the acting
principal decide what is found: a ticket is seen with its customer, or by its assignee
(``owner_column``); an invisible ticket is "not found".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, Team
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi_service.tickets.kinds import INTERACTION_CHANNEL
from guanxi_service.tickets.models import Ticket
from guanxi_service.tickets.settings import TicketSettings

TICKET = "service.ticket"
EVENT = "service.ticket_event"
MAX_SUBJECT = 200
MAX_TEXT = 20_000  # a reply, note, description or resolution
# An opening time a little ahead of "now" is clock skew, not a future ticket.
FUTURE_SLACK = dt.timedelta(minutes=10)


def ticket_settings(app: App) -> TicketSettings:
    """The resolved ``[service.tickets]`` settings."""
    return app.settings_for("service").tickets




def parse_text(value: str | None, field_name: str, *, required: bool,
               limit: int = MAX_TEXT) -> str | None:
    """Stripped free text (None when empty and not required), at most ``limit`` chars."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(field_name, "is required")
        return None
    if len(text) > limit:
        raise ValidationError(field_name, f"at most {limit} characters ({len(text)} given)")
    return text


def parse_moment(uow: UnitOfWork, value: dt.datetime | str | None, field_name: str
                 ) -> dt.datetime:
    """A point in time not in the future (default: now); naive means the display zone."""
    if value is None:
        return uow.now
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(field_name, f"not a date and time: {value!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=uow.app.tz)
    value = value.astimezone(dt.UTC)
    if value > uow.now + FUTURE_SLACK:
        raise ValidationError(field_name, f"{value.isoformat()} is in the future")
    return value


def get_ticket(uow: UnitOfWork, ticket_id: int | str) -> Ticket:
    """A ticket by id or number (``SR-000123``) that the principal may see; NotFoundError
    otherwise."""
    require(uow, TICKET, "read")
    text = str(ticket_id).strip()
    if text.isdigit():
        query = select(Ticket).where(Ticket.id == int(text))
    else:
        query = select(Ticket).where(Ticket.number == text.upper())
    ticket = uow.session.exec(query).scalars().first()
    if ticket is None:
        raise NotFoundError(f"no ticket {ticket_id!r}")
    return ticket


def ticket_field(uow: UnitOfWork, ref: int | str, field_name: str) -> Ticket:
    """:func:`get_ticket`, with "not found" reported as bad input of ``field_name``."""
    try:
        return get_ticket(uow, ref)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None


def visible_customer(uow: UnitOfWork, customer_id: int, field_name: str = "customer_id"
                     ) -> Customer:
    """The customer, if it exists, the principal may see it and it is not erased."""
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        raise ValidationError(field_name, f"not a customer id: {customer_id!r}")
    customer = uow.session.exec(
        select(Customer).where(Customer.id == customer_id)).scalars().first()
    if customer is None:
        raise ValidationError(field_name, f"no customer with id {customer_id}")
    if customer.erased_at is not None:
        raise ValidationError(field_name, f"customer {customer_id} was erased")
    return customer


def team_field(uow: UnitOfWork, ref: int | str, field_name: str = "team") -> Team:
    """A team by id or name; a ValidationError naming ``field_name`` if there is none."""
    text = str(ref).strip()
    if isinstance(ref, int) or text.isdigit():
        team = uow.session.get(Team, int(text))
    else:
        team = uow.session.exec(select(Team).where(Team.name == text)).scalars().first()
    if team is None:
        raise ValidationError(field_name, f"no team {ref!r}")
    return team


def interaction_channel(uow: UnitOfWork, channel: str) -> str:
    """The interaction channel for a ticket channel (``wechat`` is logged as ``chat``)."""
    known = uow.app.settings.channels
    if channel in known:
        return channel
    mapped = INTERACTION_CHANNEL.get(channel)
    return mapped if mapped in known else "other"


def log_ticket(
    uow: UnitOfWork, ticket: Ticket, kind: str, *, direction: str = "internal",
    conversation: bool = False, subject: str | None = None, from_status: str | None = None,
    occurred_at: dt.datetime | None = None, channel: str | None = None,
    sla_met: bool | None = None,
) -> None:
    """Log ``service.<kind>`` about ``ticket`` to the interaction log.

    ``conversation`` entries (opened, replies, resolved …) carry the ticket's channel,
    internal ones the kind's default; ``channel`` overrides the ticket's (a customer
    who wrote by email on a ticket opened by phone). Validated and inserted directly
    rather than through ``log_interactions``: the ticket was already found through the
    record policies, and its assignee may work it without seeing the rest of the
    customer's record.
    """
    record = validate_interaction(uow, {
        "customer_id": ticket.customer_id, "kind": f"service.{kind}",
        "channel": (interaction_channel(uow, channel or ticket.channel)
                    if conversation else None),
        "direction": direction, "occurred_at": occurred_at or uow.now,
        "actor": uow.actor_id,
        "subject": (subject or f"{ticket.number} {ticket.subject}")[:500],
        "payload": {
            "ticket_id": ticket.id, "number": ticket.number, "type": ticket.type,
            "priority": ticket.priority, "status": ticket.status, "team_id": ticket.team_id,
            "assignee_id": ticket.assignee_id, "from_status": from_status,
            "reopened_count": ticket.reopened_count, "sla_met": sla_met},
    })
    insert_interactions(uow, [record])


def as_int(value: Any, field_name: str) -> int:
    """An id given as a number or digits."""
    if isinstance(value, bool):
        raise ValidationError(field_name, f"not an id: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isdigit():
        raise ValidationError(field_name, f"not an id: {value!r}")
    return int(text)
