"""Tickets (服务请求): open, change status, reply, note, assign, resolve, close, reopen.

This module is the contract other areas use (``open_ticket``, ``get_ticket``,
``change_status``, ``reopen_ticket``, ``team_queue``); the listings and the detail view
are in :mod:`guanxi_service.tickets.listing` and re-exported here.

Statuses move along :data:`TRANSITIONS`: new → open ⇄ pending (waiting on the customer) /
on_hold (waiting on us or a third party) → resolved → closed. Resolving or closing needs a
resolution; a resolved or closed ticket comes back only through :func:`reopen_ticket`
(or a customer reply to a resolved one), which counts ``reopened_count``.

Every function checks the principal's permission, validates every field before writing
anything (a :class:`~guanxi.errors.ValidationError` names the field), appends to the
ticket's history, calls :func:`guanxi_service.sla.service.apply_sla` with the changed
ticket and logs a ``service.ticket_*`` interaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.models import Team
from guanxi.services.staff import active_staff, usernames
from guanxi_service.sla.service import apply_sla
from guanxi_service.tickets.common import (
    MAX_SUBJECT,
    TICKET,
    as_int,
    get_ticket,
    log_ticket,
    parse_moment,
    parse_text,
    team_field,
    ticket_field,
    ticket_settings,
    visible_customer,
)
from guanxi_service.tickets.conversation import add_note, customer_reply, reply
from guanxi_service.tickets.history import record_event
from guanxi_service.tickets.listing import list_tickets, ticket_detail
from guanxi_service.tickets.models import (
    CHANNELS,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    TICKET_TYPES,
    Ticket,
)
from guanxi_service.tickets.statuses import (
    REOPENABLE,
    TRANSITIONS,
    move,
    not_closed,
    refuse_transition,
    reopen,
)

__all__ = [
    "KEEP",
    "TRANSITIONS",
    "add_note",
    "assign",
    "change_priority",
    "change_status",
    "change_type",
    "customer_reply",
    "get_ticket",
    "list_tickets",
    "open_ticket",
    "reopen_ticket",
    "reply",
    "team_queue",
    "ticket_detail",
]

MAX_QUEUE = 1000


class _Keep:
    """The "leave it as it is" value of :func:`assign` (None means "clear it")."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# ----------------------------------------------------------------------------- opening


def _warranty(uow: UnitOfWork, asset_id: int | None, customer_id: int, type_: str,
              on: dt.date) -> str | None:
    """The warranty status of the ticket's asset on ``on``; checks the asset's owner and
    refuses a warranty claim on an asset out of warranty."""
    if asset_id is None:
        if type_ == "warranty_claim":
            raise ValidationError("asset_id", "a warranty claim needs the asset it is about")
        return None
    from guanxi_service.assets.service import get_asset, warranty_status

    asset_id = as_int(asset_id, "asset_id")
    try:
        asset = get_asset(uow, asset_id)
    except NotFoundError:
        raise ValidationError("asset_id", f"no asset with id {asset_id}") from None
    if asset.customer_id != customer_id:
        raise ValidationError("asset_id", f"asset {asset_id} belongs to another customer")
    status = warranty_status(uow, asset_id, on)
    if type_ == "warranty_claim" and status != "in_warranty":
        why = "its warranty has expired" if status == "expired" else "it has no warranty"
        raise ValidationError("asset_id", f"asset {asset_id} cannot take a warranty claim: {why}")
    return status


def _staff_id(uow: UnitOfWork, ref: int | str | None, field_name: str) -> int | None:
    return None if ref is None else active_staff(uow, ref, field_name).id


def _team_id(uow: UnitOfWork, ref: int | str | None, field_name: str) -> int | None:
    return None if ref is None else team_field(uow, ref, field_name).id


def open_ticket(
    uow: UnitOfWork,
    *,
    customer_id: int,
    type: str,
    channel: str,
    subject: str,
    description: str | None = None,
    priority: str = "normal",
    asset_id: int | None = None,
    assignee_id: int | str | None = None,
    team_id: int | str | None = None,
    parent_id: int | str | None = None,
    opened_at: dt.datetime | str | None = None,
) -> Ticket:
    """Open a ticket; checks every field, the asset's owner and its warranty, starts the SLA
    clock, records the ``created`` event and logs ``service.ticket_opened``.

    ``assignee_id`` and ``team_id`` also take a username and a team name; a ticket opened
    with an assignee starts ``open`` (somebody works it), otherwise ``new``. ``opened_at``
    (default now; not in the future) dates a ticket taken down earlier, e.g. imported.
    """
    require(uow, TICKET, "create")
    visible_customer(uow, customer_id)
    kind = parse_choice(type, TICKET_TYPES, "type")
    via = parse_choice(channel, CHANNELS, "channel")
    title = parse_text(subject, "subject", required=True, limit=MAX_SUBJECT)
    text = parse_text(description, "description", required=False)
    level = parse_choice(priority, PRIORITIES, "priority")
    at = parse_moment(uow, opened_at, "opened_at")
    assignee = _staff_id(uow, assignee_id, "assignee_id")
    team = _team_id(uow, team_id, "team_id")
    parent = None if parent_id is None else ticket_field(uow, parent_id, "parent_id").id
    warranty = _warranty(uow, asset_id, customer_id, kind, at.astimezone(uow.app.tz).date())
    status = "open" if assignee is not None else "new"
    # The number comes from the id, which the database hands out uniquely even to
    # concurrent transactions: stored first under a random placeholder, then renamed.
    ticket = Ticket(
        number=f"~{secrets.token_hex(8)}", customer_id=customer_id, type=kind, channel=via,
        priority=level, status=status, subject=title, description=text,
        assignee_id=assignee, team_id=team,
        asset_id=None if asset_id is None else as_int(asset_id, "asset_id"),
        warranty_status=warranty, parent_id=parent, opened_at=at, created_at=uow.now,
        updated_at=uow.now)
    uow.session.add(ticket)
    uow.session.flush()
    ticket.number = f"{ticket_settings(uow.app).number_prefix}-{ticket.id:06d}"
    uow.session.flush()
    record_event(uow, ticket, "created", to_value=status)
    apply_sla(uow, ticket)
    log_ticket(uow, ticket, "ticket_opened", direction="inbound", conversation=True,
               occurred_at=at)
    return ticket


# ----------------------------------------------------------------------------- statuses


def change_status(
    uow: UnitOfWork, ticket_id: int | str, status: str, *, resolution: str | None = None,
    note: str | None = None,
) -> Ticket:
    """Move a ticket to ``status``; ``resolved`` and ``closed`` need a resolution (closing a
    resolved ticket keeps its resolution unless a new one is given). ``note`` is kept as
    an internal note with the change."""
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    wanted = parse_choice(status, STATUSES, "status")
    text = parse_text(resolution, "resolution", required=False)
    remark = parse_text(note, "note", required=False)
    refuse_transition(ticket, wanted)
    if wanted in ("resolved", "closed"):
        text = text or ticket.resolution
        if not text:
            verb = "resolve" if wanted == "resolved" else "close"
            raise ValidationError("resolution", f"is required to {verb} a ticket")
    elif text:
        raise ValidationError("resolution", "only a resolved or closed ticket has one")
    move(uow, ticket, wanted, resolution=text)
    if remark:
        record_event(uow, ticket, "note", body=remark)
    apply_sla(uow, ticket)
    return ticket


def reopen_ticket(uow: UnitOfWork, ticket_id: int | str, *, reason: str) -> Ticket:
    """Reopen a resolved or closed ticket (a poor survey answer, the customer wrote back):
    it becomes ``open`` without a resolution and ``reopened_count`` goes up by one."""
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    text = parse_text(reason, "reason", required=True)
    if ticket.status not in REOPENABLE:
        raise ValidationError(
            "status", f"ticket {ticket.number} is {ticket.status}: only a resolved or closed "
                      "ticket is reopened")
    assert text is not None
    reopen(uow, ticket, text)
    apply_sla(uow, ticket)
    return ticket


# ----------------------------------------------------------------------------- assignment


def _team_names(uow: UnitOfWork, ids: list[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    query = select(Team.id, Team.name).where(Team.id.in_(wanted))  # type: ignore[union-attr]
    return {tid: name for tid, name in uow.session.exec(query)}


def assign(uow: UnitOfWork, ticket_id: int | str, *, assignee: Any = KEEP,
           team: Any = KEEP) -> Ticket:
    """Assign a ticket to a person (an active staff user, by username or id) and/or a team
    (by name or id); None clears either, :data:`KEEP` (the default) leaves it.

    Assigning somebody to a ``new`` ticket opens it. A closed ticket is not reassigned.
    """
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    if assignee is KEEP and team is KEEP:
        raise ValidationError("assignee", "give an assignee, a team or both")
    new_assignee = ticket.assignee_id if assignee is KEEP else _staff_id(uow, assignee,
                                                                           "assignee")
    new_team = ticket.team_id if team is KEEP else _team_id(uow, team, "team")
    not_closed(ticket, "assign it")
    if (new_assignee, new_team) == (ticket.assignee_id, ticket.team_id):
        return ticket
    if new_assignee != ticket.assignee_id:
        names = usernames(uow, [ticket.assignee_id, new_assignee])
        record_event(uow, ticket, "assigned", from_value=names.get(ticket.assignee_id),
                     to_value=names.get(new_assignee))
    if new_team != ticket.team_id:
        names = _team_names(uow, [ticket.team_id, new_team])
        record_event(uow, ticket, "team", from_value=names.get(ticket.team_id),
                     to_value=names.get(new_team))
    ticket.assignee_id, ticket.team_id, ticket.updated_at = new_assignee, new_team, uow.now
    uow.session.flush()
    log_ticket(uow, ticket, "ticket_assigned")
    if ticket.status == "new" and new_assignee is not None:
        move(uow, ticket, "open")
    apply_sla(uow, ticket)
    return ticket


def change_priority(uow: UnitOfWork, ticket_id: int | str, priority: str) -> Ticket:
    """Set the priority (low, normal, high, urgent); the SLA targets follow."""
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    level = parse_choice(priority, PRIORITIES, "priority")
    not_closed(ticket, "change it")
    if level == ticket.priority:
        return ticket
    record_event(uow, ticket, "priority", from_value=ticket.priority, to_value=level)
    ticket.priority, ticket.updated_at = level, uow.now
    uow.session.flush()
    log_ticket(uow, ticket, "ticket_changed")
    apply_sla(uow, ticket)
    return ticket


def change_type(uow: UnitOfWork, ticket_id: int | str, type: str) -> Ticket:
    """Set the type; becoming a warranty claim checks the asset's warranty today."""
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    kind = parse_choice(type, TICKET_TYPES, "type")
    not_closed(ticket, "change it")
    if kind == ticket.type:
        return ticket
    warranty = ticket.warranty_status
    if kind == "warranty_claim" or ticket.asset_id is not None:
        warranty = _warranty(uow, ticket.asset_id, ticket.customer_id, kind, uow.today())
    record_event(uow, ticket, "type", from_value=ticket.type, to_value=kind)
    ticket.type, ticket.warranty_status, ticket.updated_at = kind, warranty, uow.now
    uow.session.flush()
    log_ticket(uow, ticket, "ticket_changed")
    apply_sla(uow, ticket)
    return ticket


# ----------------------------------------------------------------------------- queues


def team_queue(uow: UnitOfWork, team_id: int, *, limit: int = 50) -> list[Ticket]:
    """The team's open tickets (new, open, pending, on_hold), the nearest SLA deadline
    first (no deadline last), then by id: one query on ``ix_service_ticket_queue``."""
    require(uow, TICKET, "read")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_QUEUE:
        raise ValidationError("limit", f"must be 1 to {MAX_QUEUE}")
    query = (select(Ticket)
             .where(Ticket.team_id == team_id, Ticket.status.in_(OPEN_STATUSES))
             .order_by(Ticket.sla_due_at.asc().nulls_last(), Ticket.id)
             .limit(limit))
    return list(uow.session.exec(query).scalars())
