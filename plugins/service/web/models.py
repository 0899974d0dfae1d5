"""The API's documents for tickets: what a listing row, a ticket and its SLA look like,
and the builders that make them from stored tickets (shared with the console)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi_service.tickets.history import ticket_history
from guanxi_service.tickets.listing import TicketRow, ticket_rows
from guanxi_service.tickets.models import CHANNELS, PRIORITIES, STATUSES, TICKET_TYPES, Ticket
from guanxi_service.web.clock import (
    Clock,
    first_response_clock,
    next_clock,
    resolution_clock,
    resolution_starts,
)
from guanxi_service.web.inputs import Id, Text

Level = Literal["ok", "warn", "late", "paused", "none"]


class ClockOut(BaseModel):
    """A deadline seen now: ``remaining_seconds`` is negative once it has passed;
    ``level`` ok, warn (less than a quarter of the target's span left), late (passed or
    breached), paused (waiting on the customer) or none (no running target);
    ``warn_at`` is when it turns warn."""

    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    remaining_seconds: int | None
    level: Level

    @classmethod
    def of(cls, clock: Clock) -> ClockOut:
        return cls(due_at=clock.due_at, warn_at=clock.warn_at,
                   remaining_seconds=clock.remaining_seconds,
                   level=clock.level)  # type: ignore[arg-type]


class TargetOut(ClockOut):
    """One SLA target: its deadline, when it was met, whether it was breached."""

    met_at: dt.datetime | None
    breached: bool


class SlaOut(BaseModel):
    """A ticket's SLA clock as the SLA area keeps it (``state``: none, running, warned,
    breached, paused, met or missed)."""

    policy: str | None
    state: str
    paused: bool
    paused_since: dt.datetime | None
    escalation_level: int
    next: ClockOut
    first_response: TargetOut
    resolution: TargetOut


class TicketSummary(BaseModel):
    """A ticket as listed (``customer`` is null when the user sees the ticket, as its
    assignee, but not its customer)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    customer_id: int
    customer: str | None
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


class QueueRow(TicketSummary):
    """A ticket of a team's queue, with the clock of its next deadline."""

    clock: ClockOut


class TicketQueue(BaseModel):
    """A team's open tickets, the nearest SLA deadline first."""

    team: str
    items: list[QueueRow]


class HistoryOut(BaseModel):
    """One entry of a ticket's history (``public``: the customer may see it)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    kind: str
    actor: str | None
    from_value: str | None
    to_value: str | None
    body: str | None
    public: bool


class TicketOut(TicketSummary):
    """One ticket in full: texts, dates, SLA clock and its whole history."""

    description: str | None
    resolution: str | None
    parent_id: int | None
    follow_ups: list[str]
    first_responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    sla: SlaOut
    history: list[HistoryOut]


class ArticleOut(BaseModel):
    """A knowledge-base article found by a search (no body), best first."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    summary: str | None
    category: str | None
    audience: str
    tags: list[str]
    updated_at: dt.datetime
    score: float | None


# ----------------------------------------------------------------------------- requests

class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenTicketIn(_In):
    """A new ticket; ``assignee`` (username or id) and ``team`` (name or id) are optional."""

    customer_id: Id
    type: Literal[TICKET_TYPES]  # type: ignore[valid-type]
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    subject: Text = Field(max_length=200)
    description: Text | None = Field(default=None, max_length=20_000)
    priority: Literal[PRIORITIES] = "normal"  # type: ignore[valid-type]
    asset_id: Id | None = None
    assignee: Text | None = Field(default=None, max_length=80)
    team: Text | None = Field(default=None, max_length=80)
    parent_id: Id | None = None


class AssignIn(_In):
    """Who works the ticket: a field left out stays as it is, null clears it."""

    assignee: Text | None = Field(default=None, max_length=80)
    team: Text | None = Field(default=None, max_length=80)


class ReplyIn(_In):
    """A public reply to the customer; ``status`` moves the ticket on in the same step."""

    body: Text = Field(max_length=20_000)
    status: Literal["open", "pending", "on_hold"] | None = None


class NoteIn(_In):
    """An internal note (never shown to the customer)."""

    body: Text = Field(max_length=20_000)


class StatusIn(_In):
    """A status change; resolved and closed need a resolution (a resolved ticket keeps
    its own when closed)."""

    status: Literal[STATUSES]  # type: ignore[valid-type]
    resolution: Text | None = Field(default=None, max_length=20_000)
    note: Text | None = Field(default=None, max_length=20_000)


class ResolutionIn(_In):
    """Resolve or close: the resolution told to the customer, and an internal note."""

    resolution: Text | None = Field(default=None, max_length=20_000)
    note: Text | None = Field(default=None, max_length=20_000)


class ReopenIn(_In):
    """Why a resolved or closed ticket comes back to work."""

    reason: Text = Field(max_length=20_000)


# ----------------------------------------------------------------------------- builders


def summaries(rows: list[TicketRow]) -> list[TicketSummary]:
    """Listing documents of listing rows."""
    return [TicketSummary.model_validate(row) for row in rows]


def queue_rows(uow: UnitOfWork, tickets: list[Ticket]) -> list[QueueRow]:
    """Queue documents: each ticket's row and the clock of its next deadline."""
    starts = resolution_starts(uow, tickets)
    return [QueueRow(**asdict(row), clock=ClockOut.of(next_clock(t, starts.get(t.id), uow.now)))
            for row, t in zip(ticket_rows(uow, tickets), tickets, strict=True)]


def _target(clock: Clock, met_at: dt.datetime | None, breached: bool) -> TargetOut:
    return TargetOut(**ClockOut.of(clock).model_dump(), met_at=met_at, breached=breached)


def sla_of(ticket: Ticket, started: dt.datetime | None, now: dt.datetime) -> SlaOut:
    """The SLA document of a ticket at ``now``."""
    return SlaOut(
        policy=ticket.sla_policy, state=ticket.sla_state,
        paused=ticket.sla_state == "paused", paused_since=ticket.sla_paused_at,
        escalation_level=ticket.escalation_level,
        next=ClockOut.of(next_clock(ticket, started, now)),
        first_response=_target(first_response_clock(ticket, now), ticket.first_responded_at,
                               ticket.first_response_breached),
        resolution=_target(resolution_clock(ticket, started, now), ticket.resolved_at,
                           ticket.resolution_breached))


def ticket_out(uow: UnitOfWork, ticket: Ticket) -> TicketOut:
    """The whole document of a ticket the user found (so may see), now.

    Built from the ticket in hand rather than looked up again: after a reassignment the
    user may no longer see the ticket he just changed, and the change still stands.
    """
    children = uow.session.execute(select(Ticket.number).where(
        Ticket.parent_id == ticket.id).order_by(Ticket.id)).scalars().all()
    started = resolution_starts(uow, [ticket]).get(ticket.id)  # type: ignore[arg-type]
    row = ticket_rows(uow, [ticket])[0]
    return TicketOut(
        **asdict(row), description=ticket.description, resolution=ticket.resolution,
        parent_id=ticket.parent_id, follow_ups=list(children),
        first_responded_at=ticket.first_responded_at, resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at, sla=sla_of(ticket, started, uow.now),
        history=[HistoryOut.model_validate(entry) for entry in ticket_history(uow, ticket)])
