"""The service plugin's JSON API (under ``/api/service``): tickets and their SLA clocks,
a team's queue, the knowledge-base search.

Every handler works in the user's unit of work through the tickets service, so its
permission checks and the record policies apply: a ticket the user may not see is "not
found" (404), an action his roles do not grant is 403, bad input is 422 naming the field
and changes nothing (the service validates before it writes; the transaction is rolled
back on any error).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from guanxi.errors import ValidationError
from guanxi.web import ApiContext, Page, page_of
from guanxi.web.pagination import decode_cursor
from guanxi_service.knowledge.index import MAX_QUERY
from guanxi_service.tickets import service
from guanxi_service.tickets.common import get_ticket, team_field
from guanxi_service.tickets.models import PRIORITIES, STATUSES, TICKET_TYPES
from guanxi_service.web.inputs import MAX_ID, MAX_REF, Text, fields_renamed, reference
from guanxi_service.web.models import (
    ArticleOut,
    AssignIn,
    NoteIn,
    OpenTicketIn,
    ReopenIn,
    ReplyIn,
    ResolutionIn,
    StatusIn,
    TicketOut,
    TicketQueue,
    TicketSummary,
    queue_rows,
    summaries,
    ticket_out,
)

router = APIRouter(prefix="/service", tags=["service"])

TicketId = Annotated[int, Path(ge=1, le=MAX_ID, description="The ticket's id")]
Ref = Annotated[Text | None, Query(max_length=MAX_REF)]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "the user's roles do not allow this"},
    404: {"description": "no such ticket, or the user may not see it"},
    422: {"description": "bad input, or a move the ticket's status does not allow; "
                         "`field` names what was wrong and nothing changed"},
}


def _limit(ctx: Any, limit: int | None) -> int:
    return limit if limit is not None else ctx.app.settings_for("web").page_size


def _before(after: str | None) -> int | None:
    """The id a cursor of this listing carries (the last id of the page before)."""
    if after is None:
        return None
    value = decode_cursor(after, 1)[0]
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValidationError("after", "is not a cursor this API gave out")
    return value


@router.get("/tickets", response_model=Page[TicketSummary], summary="List tickets",
            responses=ERRORS)
def list_tickets(
    ctx: ApiContext,
    status: Annotated[list[Literal[STATUSES]] | None, Query()] = None,  # type: ignore[valid-type]
    priority: Annotated[list[Literal[PRIORITIES]] | None, Query()] = None,  # type: ignore[valid-type]
    type: Annotated[list[Literal[TICKET_TYPES]] | None, Query()] = None,  # type: ignore[valid-type]
    team: Ref = None,
    assignee: Ref = None,
    unassigned: bool = False,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    open: Annotated[bool, Query(description="only new, open, pending and on_hold")] = False,
    overdue: Annotated[bool, Query(description="only open tickets past their deadline")] = False,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[TicketSummary]:
    """Tickets the user may see, newest first. ``status``, ``priority`` and ``type`` take
    several values; ``team`` a team name or id; ``assignee`` a username or id."""
    size = _limit(ctx, limit)
    with ctx.transaction() as uow:
        rows = service.list_tickets(
            uow, status=status, priority=priority, type=type,
            team=reference(team, "team"), assignee=reference(assignee, "assignee"),
            unassigned=unassigned, customer_id=customer_id, open_only=open,
            overdue=overdue, before_id=_before(after), limit=size + 1)
    items, cursor = page_of(rows, size, key=lambda row: (row.id,))
    return Page[TicketSummary](items=summaries(items), next=cursor)


@router.get("/queue", response_model=TicketQueue, summary="A team's ticket queue",
            responses=ERRORS)
def team_queue(
    ctx: ApiContext,
    team: Annotated[Text, Query(max_length=MAX_REF, description="team name or id")],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> TicketQueue:
    """The team's open tickets, the nearest SLA deadline first (breached ones first, no
    deadline last), each with the clock of its next deadline: the order of ``guanxi
    service tickets queue``."""
    with ctx.transaction() as uow:
        found = team_field(uow, reference(team, "team") or "", "team")
        tickets = service.team_queue(uow, found.id, limit=limit)  # type: ignore[arg-type]
        return TicketQueue(team=found.name, items=queue_rows(uow, tickets))


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="One ticket",
            responses=ERRORS)
def get_one(ctx: ApiContext, ticket_id: TicketId) -> TicketOut:
    """The ticket with its texts, SLA clock (deadlines, time left, breaches, pause) and
    whole history."""
    with ctx.transaction() as uow:
        return ticket_out(uow, get_ticket(uow, ticket_id))


@router.post("/tickets", response_model=TicketOut, status_code=201, summary="Open a ticket",
             responses=ERRORS)
def open_ticket(ctx: ApiContext, body: OpenTicketIn) -> TicketOut:
    """Open a ticket for a customer the user may see; its SLA clock starts."""
    with fields_renamed(assignee_id="assignee", team_id="team"), ctx.transaction() as uow:
        ticket = service.open_ticket(
            uow, customer_id=body.customer_id, type=body.type, channel=body.channel,
            subject=body.subject, description=body.description, priority=body.priority,
            asset_id=body.asset_id, assignee_id=reference(body.assignee, "assignee"),
            team_id=reference(body.team, "team"), parent_id=body.parent_id)
        return ticket_out(uow, ticket)


@router.post("/tickets/{ticket_id}/assign", response_model=TicketOut,
             summary="Assign a ticket", responses=ERRORS)
def assign(ctx: ApiContext, ticket_id: TicketId, body: AssignIn) -> TicketOut:
    """Give the ticket to a person and/or a team; a field left out stays, null clears."""
    given = body.model_fields_set
    changes = {name: reference(getattr(body, name), name) if name in given else service.KEEP
               for name in ("assignee", "team")}
    with ctx.transaction() as uow:
        return ticket_out(uow, service.assign(uow, ticket_id, **changes))


@router.post("/tickets/{ticket_id}/replies", response_model=TicketOut,
             summary="Reply to the customer", responses=ERRORS)
def reply(ctx: ApiContext, ticket_id: TicketId, body: ReplyIn) -> TicketOut:
    """A public reply; the first one meets the first-response target."""
    with ctx.transaction() as uow:
        return ticket_out(uow, service.reply(uow, ticket_id, body.body, status=body.status))


@router.post("/tickets/{ticket_id}/notes", response_model=TicketOut,
             summary="Add an internal note", responses=ERRORS)
def note(ctx: ApiContext, ticket_id: TicketId, body: NoteIn) -> TicketOut:
    """An internal note on the ticket's history."""
    with ctx.transaction() as uow:
        return ticket_out(uow, service.add_note(uow, ticket_id, body.body))


def _move(ctx: Any, ticket_id: int, status: str, body: ResolutionIn | StatusIn) -> TicketOut:
    with ctx.transaction() as uow:
        ticket = service.change_status(uow, ticket_id, status, resolution=body.resolution,
                                       note=body.note)
        return ticket_out(uow, ticket)


@router.post("/tickets/{ticket_id}/status", response_model=TicketOut,
             summary="Change a ticket's status", responses=ERRORS)
def change_status(ctx: ApiContext, ticket_id: TicketId, body: StatusIn) -> TicketOut:
    """new → open ⇄ pending / on_hold → resolved → closed (resolved and closed need a
    resolution; use reopen to bring one back)."""
    return _move(ctx, ticket_id, body.status, body)


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketOut,
             summary="Resolve a ticket", responses=ERRORS)
def resolve(ctx: ApiContext, ticket_id: TicketId, body: ResolutionIn) -> TicketOut:
    """Resolved, with the resolution told to the customer (required); the SLA clock stops."""
    return _move(ctx, ticket_id, "resolved", body)


@router.post("/tickets/{ticket_id}/close", response_model=TicketOut,
             summary="Close a ticket", responses=ERRORS)
def close(ctx: ApiContext, ticket_id: TicketId, body: ResolutionIn) -> TicketOut:
    """Closed; a resolution is required unless the ticket was resolved with one.
    Closing a closed ticket is 422 naming ``status``."""
    return _move(ctx, ticket_id, "closed", body)


@router.post("/tickets/{ticket_id}/reopen", response_model=TicketOut,
             summary="Reopen a ticket", responses=ERRORS)
def reopen(ctx: ApiContext, ticket_id: TicketId, body: ReopenIn) -> TicketOut:
    """A resolved or closed ticket back to open; its resolution clock starts again."""
    with ctx.transaction() as uow:
        return ticket_out(uow, service.reopen_ticket(uow, ticket_id, reason=body.reason))


@router.get("/kb", response_model=list[ArticleOut], summary="Search the knowledge base",
            responses={403: ERRORS[403], 422: ERRORS[422]})
def search_kb(
    ctx: ApiContext,
    q: Annotated[Text, Query(max_length=MAX_QUERY, description="words, Chinese or English")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[ArticleOut]:
    """Published articles matching ``q``, best first (no bodies)."""
    from guanxi_service.knowledge.service import search_articles

    # A GET that writes: the search log (query and hit count) feeds the KB's gap report.
    with fields_renamed(query="q"), ctx.transaction(read_only=False) as uow:
        found = search_articles(uow, q, limit=limit)
    return [ArticleOut.model_validate(row) for row in found]
