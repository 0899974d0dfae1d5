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
from guanxi.models import Team
from guanxi.services.staff import active_staff, usernames
from guanxi_service.sla.service import apply_sla
from guanxi_service.tickets.common import (
    MAX_SUBJECT,
    TICKET,
    as_int,
    get_ticket,
    log_ticket,
    parse_choice,
    parse_moment,
    parse_text,
    team_field,
    ticket_field,
    ticket_settings,
    visible_customer,
)
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

__all__ = [
    "KEEP", "add_note", "assign", "change_priority", "change_status", "change_type",
    "customer_reply", "get_ticket", "list_tickets", "open_ticket", "reopen_ticket", "reply",
    "team_queue", "ticket_detail",
]

# Where a ticket may go from each status. Resolved and closed tickets come back to work
# only through reopen_ticket, so reopenings are counted.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("open", "pending", "on_hold", "resolved", "closed"),
    "open": ("pending", "on_hold", "resolved", "closed"),
    "pending": ("open", "on_hold", "resolved", "closed"),
    "on_hold": ("open", "pending", "resolved", "closed"),
    "resolved": ("closed",),
    "closed": (),
}
REOPENABLE = ("resolved", "closed")
# Statuses a staff reply may leave the ticket in.
REPLY_STATUSES = ("open", "pending", "on_hold")
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


def _refuse_transition(ticket: Ticket, wanted: str) -> None:
    if wanted == ticket.status:
        raise ValidationError("status", f"ticket {ticket.number} is already {wanted}")
    if wanted not in TRANSITIONS[ticket.status]:
        allowed = ", ".join(TRANSITIONS[ticket.status]) or "nothing"
        reopen = "; reopen it to work on it again" if ticket.status in REOPENABLE else ""
        raise ValidationError(
            "status", f"ticket {ticket.number} is {ticket.status}: it may become {allowed}{reopen}")


def _move(uow: UnitOfWork, ticket: Ticket, wanted: str, *, resolution: str | None = None
          ) -> None:
    """Set the status (validated by the caller), record it and log it (no SLA call)."""
    previous = ticket.status
    ticket.status, ticket.updated_at = wanted, uow.now
    if wanted in ("resolved", "closed"):
        ticket.resolution = resolution
        ticket.resolved_at = ticket.resolved_at or uow.now
        if wanted == "closed":
            ticket.closed_at = uow.now
    uow.session.flush()
    # The resolution is what the customer is told: a public entry of the history.
    record_event(uow, ticket, "status", from_value=previous, to_value=wanted,
                 body=resolution if wanted in ("resolved", "closed") else None,
                 public=wanted in ("resolved", "closed"))
    kind = {"resolved": "ticket_resolved", "closed": "ticket_closed"}.get(wanted, "ticket_status")
    log_ticket(uow, ticket, kind, conversation=kind != "ticket_status", from_status=previous)


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
    _refuse_transition(ticket, wanted)
    if wanted in ("resolved", "closed"):
        text = text or ticket.resolution
        if not text:
            verb = "resolve" if wanted == "resolved" else "close"
            raise ValidationError("resolution", f"is required to {verb} a ticket")
    elif text:
        raise ValidationError("resolution", "only a resolved or closed ticket has one")
    _move(uow, ticket, wanted, resolution=text)
    if remark:
        record_event(uow, ticket, "note", body=remark)
    apply_sla(uow, ticket)
    return ticket


def _reopen(uow: UnitOfWork, ticket: Ticket, reason: str) -> None:
    previous = ticket.status
    ticket.status, ticket.updated_at = "open", uow.now
    ticket.reopened_count += 1
    # The old resolution stays in the history; resolving again needs a new one.
    ticket.resolution = ticket.resolved_at = ticket.closed_at = None
    uow.session.flush()
    record_event(uow, ticket, "reopened", from_value=previous, to_value="open", body=reason)
    log_ticket(uow, ticket, "ticket_reopened", conversation=True, from_status=previous)


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
    _reopen(uow, ticket, text)
    apply_sla(uow, ticket)
    return ticket


# ----------------------------------------------------------------------------- conversation


def _not_closed(ticket: Ticket, what: str) -> None:
    if ticket.status == "closed":
        raise ValidationError(
            "ticket", f"ticket {ticket.number} is closed: reopen it or open a follow-up "
                      f"ticket (parent_id {ticket.id}) to {what}")


def reply(uow: UnitOfWork, ticket_id: int | str, body: str, *, status: str | None = None
          ) -> Ticket:
    """A public reply by staff to the customer.

    The first one sets ``first_responded_at`` (the SLA's first response). A reply to a
    ``new`` ticket opens it; ``status`` (open, pending, on_hold) moves it on in the same
    step, e.g. ``pending`` when the reply asks the customer something.
    """
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    text = parse_text(body, "body", required=True)
    _not_closed(ticket, "write to the customer")
    wanted = None if status is None else parse_choice(status, REPLY_STATUSES, "status")
    if wanted is None and ticket.status == "new":
        wanted = "open"
    if wanted == ticket.status:
        wanted = None
    if wanted is not None:
        _refuse_transition(ticket, wanted)
    record_event(uow, ticket, "reply", body=text, public=True)
    # Every reply is staff's (the customer's messages come through customer_reply), the
    # system principal of a script or the CLI included.
    if ticket.first_responded_at is None:
        ticket.first_responded_at = uow.now
    ticket.updated_at = uow.now
    if wanted is not None:
        _move(uow, ticket, wanted)
    log_ticket(uow, ticket, "ticket_reply", direction="outbound", conversation=True,
               subject=f"{ticket.number} {text}")
    apply_sla(uow, ticket)
    return ticket


def customer_reply(uow: UnitOfWork, ticket_id: int | str, body: str, *,
                   channel: str | None = None) -> Ticket:
    """The customer wrote back (inbound, through ``channel``, default the ticket's).

    A ``pending`` ticket goes back to ``open`` (the SLA clock runs again); a ``resolved``
    one is reopened; a closed ticket takes no more replies (open a follow-up).
    """
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    text = parse_text(body, "body", required=True)
    via = ticket.channel if channel is None else parse_choice(channel, CHANNELS, "channel")
    _not_closed(ticket, "take the customer's message")
    record_event(uow, ticket, "customer_reply", to_value=via, body=text, public=True)
    ticket.updated_at = uow.now
    if ticket.status == "pending":
        _move(uow, ticket, "open")
    elif ticket.status == "resolved":
        _reopen(uow, ticket, "客户回复 the customer replied")
    log_ticket(uow, ticket, "ticket_customer_reply", direction="inbound", conversation=True,
               subject=f"{ticket.number} {text}", channel=via)
    apply_sla(uow, ticket)
    return ticket


def add_note(uow: UnitOfWork, ticket_id: int | str, body: str) -> Ticket:
    """An internal note (the customer never sees it; the interaction log gets no text)."""
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    text = parse_text(body, "body", required=True)
    record_event(uow, ticket, "note", body=text)
    ticket.updated_at = uow.now
    uow.session.flush()
    log_ticket(uow, ticket, "ticket_note", subject=f"{ticket.number} 内部备注 internal note")
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
    _not_closed(ticket, "assign it")
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
        _move(uow, ticket, "open")
    apply_sla(uow, ticket)
    return ticket


def change_priority(uow: UnitOfWork, ticket_id: int | str, priority: str) -> Ticket:
    """Set the priority (low, normal, high, urgent); the SLA targets follow."""
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    level = parse_choice(priority, PRIORITIES, "priority")
    _not_closed(ticket, "change it")
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
    _not_closed(ticket, "change it")
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
