"""Listing tickets with filters (keyset pages, newest first) and one ticket in full.

Everything is read through ORM selects of :class:`Ticket`, so the record policies apply:
an agent sees the tickets of the customers he may see and those assigned to him.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.models import Team
from guanxi.services.lookup import customer_names
from guanxi.services.staff import get_staff, usernames
from guanxi_service.tickets.common import TICKET, as_int, get_ticket, team_field
from guanxi_service.tickets.history import HistoryEntry, ticket_history
from guanxi_service.tickets.models import (
    CHANNELS,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    TICKET_TYPES,
    Ticket,
)

MAX_PAGE = 1000


@dataclass(frozen=True)
class TicketRow:
    """A ticket as listed: with its customer's name, assignee's username, team's name."""

    id: int
    number: str
    customer_id: int
    customer: str | None  # None when the principal sees the ticket but not the customer
    type: str
    channel: str
    priority: str
    status: str
    subject: str
    assignee: str | None
    team: str | None
    opened_at: dt.datetime
    sla_due_at: dt.datetime | None
    sla_state: str
    overdue: bool
    reopened_count: int
    asset_id: int | None
    warranty_status: str | None


def ticket_rows(uow: UnitOfWork, tickets: Sequence[Ticket]) -> list[TicketRow]:
    """Listing rows for stored tickets (names looked up once per page)."""
    customers = customer_names(uow, [t.customer_id for t in tickets])
    staff = usernames(uow, [t.assignee_id for t in tickets])
    team_ids = sorted({t.team_id for t in tickets if t.team_id is not None})
    teams = ({tid: name for tid, name in uow.session.exec(
        select(Team.id, Team.name).where(Team.id.in_(team_ids)))}  # type: ignore[union-attr]
        if team_ids else {})
    return [TicketRow(
        id=t.id, number=t.number, customer_id=t.customer_id,
        customer=customers.get(t.customer_id), type=t.type, channel=t.channel,
        priority=t.priority, status=t.status, subject=t.subject,
        assignee=staff.get(t.assignee_id) if t.assignee_id else None,
        team=teams.get(t.team_id) if t.team_id else None, opened_at=t.opened_at,
        sla_due_at=t.sla_due_at, sla_state=t.sla_state,
        overdue=is_overdue(t, uow.now), reopened_count=t.reopened_count,
        asset_id=t.asset_id, warranty_status=t.warranty_status) for t in tickets]


def is_overdue(ticket: Ticket, now: dt.datetime) -> bool:
    """An open ticket whose next SLA deadline has passed."""
    return (ticket.status in OPEN_STATUSES and ticket.sla_due_at is not None
            and ticket.sla_due_at < now)


def _choices(value: str | Sequence[str] | None, allowed: Sequence[str], field_name: str
             ) -> list[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    if not values:
        return None
    return [parse_choice(v, allowed, field_name) for v in values]


def _staff_filter(uow: UnitOfWork, ref: int | str) -> int:
    # A former colleague's tickets can still be listed: no "active" check here.
    try:
        return get_staff(uow, ref).id  # type: ignore[return-value]
    except NotFoundError as exc:
        raise ValidationError("assignee", str(exc)) from None


def list_tickets(
    uow: UnitOfWork,
    *,
    status: str | Sequence[str] | None = None,
    open_only: bool = False,
    type: str | Sequence[str] | None = None,
    channel: str | Sequence[str] | None = None,
    priority: str | Sequence[str] | None = None,
    team: int | str | None = None,
    assignee: int | str | None = None,
    unassigned: bool = False,
    customer_id: int | None = None,
    overdue: bool = False,
    before_id: int | None = None,
    limit: int = 100,
) -> list[TicketRow]:
    """Tickets the principal may see, newest first (by id); page on with ``before_id`` = the
    last row's id. ``status``, ``type``, ``channel`` and ``priority`` take one value or
    several; ``open_only`` keeps new/open/pending/on_hold; ``overdue`` keeps open tickets
    whose SLA deadline (``sla_due_at``) has passed."""
    require(uow, TICKET, "read")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be 1 to {MAX_PAGE}")
    query = select(Ticket)
    for column, value, allowed, name in (
        (Ticket.status, status, STATUSES, "status"), (Ticket.type, type, TICKET_TYPES, "type"),
        (Ticket.channel, channel, CHANNELS, "channel"),
        (Ticket.priority, priority, PRIORITIES, "priority"),
    ):
        chosen = _choices(value, allowed, name)
        if chosen is not None:
            query = query.where(column.in_(chosen))
    if open_only or overdue:
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    if overdue:
        query = query.where(Ticket.sla_due_at.is_not(None), Ticket.sla_due_at < uow.now)
    if team is not None:
        query = query.where(Ticket.team_id == team_field(uow, team, "team").id)
    if assignee is not None and unassigned:
        raise ValidationError("assignee", "give an assignee or ask for unassigned tickets")
    if assignee is not None:
        query = query.where(Ticket.assignee_id == _staff_filter(uow, assignee))
    if unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    if customer_id is not None:
        query = query.where(Ticket.customer_id == as_int(customer_id, "customer_id"))
    if before_id is not None:
        query = query.where(Ticket.id < as_int(before_id, "before_id"))
    tickets = list(uow.session.exec(query.order_by(Ticket.id.desc()).limit(limit)).scalars())
    return ticket_rows(uow, tickets)


@dataclass(frozen=True)
class TicketDetail:
    """One ticket in full: the listing row, its texts, dates, SLA clock and history."""

    ticket: TicketRow
    description: str | None
    resolution: str | None
    parent_id: int | None
    follow_ups: list[str]
    first_responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    sla_policy: str | None
    first_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    escalation_level: int
    history: list[HistoryEntry]


def ticket_detail(uow: UnitOfWork, ref: int | str) -> TicketDetail:
    """Everything about one ticket (``service tickets show``), its whole history included."""
    ticket = get_ticket(uow, ref)
    children = uow.session.exec(select(Ticket.number).where(
        Ticket.parent_id == ticket.id).order_by(Ticket.id)).scalars().all()
    return TicketDetail(
        ticket=ticket_rows(uow, [ticket])[0], description=ticket.description,
        resolution=ticket.resolution, parent_id=ticket.parent_id, follow_ups=list(children),
        first_responded_at=ticket.first_responded_at, resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at, sla_policy=ticket.sla_policy,
        first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at, escalation_level=ticket.escalation_level,
        history=ticket_history(uow, ticket))


