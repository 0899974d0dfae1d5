"""The service console: the ticket queue of the user's teams and the ticket page.

The queue is the order of ``guanxi service tickets queue`` (nearest SLA deadline first);
every SLA clock is rendered here with its time left and colour, and a small inline
script on the page counts it down each second. Changes are POST forms (with the
session's CSRF token) that redirect back to the ticket page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.models import Team
from guanxi.web import (
    ConsoleContext,
    FormError,
    NavItem,
    RequestContext,
    apply_form,
    form_text,
    render,
)
from guanxi_service.tickets import service
from guanxi_service.tickets.common import TICKET, get_ticket, team_field
from guanxi_service.tickets.models import OPEN_STATUSES
from guanxi_service.web.inputs import MAX_ID
from guanxi_service.web.models import ClockOut, queue_rows, ticket_out

router = APIRouter(include_in_schema=False)

NAV = (NavItem("service.tickets", "/service/tickets", permission=f"{TICKET}:read", order=50),)
QUEUE_LIMIT = 200
TicketId = Annotated[int, Path(ge=1, le=MAX_ID)]
FormText = Annotated[str, Form(max_length=20_000)]


def ticket_word(ctx: RequestContext) -> str:
    """The edition's word for a ticket (投诉与服务请求 in the hospital), else ours."""
    words = ctx.app.edition.terminology.get("ticket", {})
    return words.get(ctx.language) or ctx.t("service.ticket_word")


def _duration(ctx: RequestContext, seconds: int) -> str:
    """``1天 02:03:04`` / ``1d 02:03:04``: the same format as the page's script."""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}"
    return ctx.t("service.sla.day", n=days) + text if days else text


def _helpers(ctx: RequestContext) -> dict[str, Any]:
    """What the service templates use besides the frame's ``t`` and ``term``."""

    def label(group: str, value: str | None) -> str:
        # A value without a message (an edition's own history kind) shows as stored.
        key = f"service.{group}.{value}"
        text = ctx.t(key)
        return value or "" if text == key else text

    def clock_text(clock: ClockOut) -> str:
        if clock.remaining_seconds is None:
            return ""
        key = "service.sla.left" if clock.remaining_seconds > 0 else "service.sla.overdue"
        return ctx.t(key, time=_duration(ctx, clock.remaining_seconds))

    words = {"left": ctx.t("service.sla.left"), "over": ctx.t("service.sla.overdue"),
             "day": ctx.t("service.sla.day")}
    return {"label": label, "clock_text": clock_text, "sla_words": words,
            "word": ticket_word(ctx)}


def _teams(uow: UnitOfWork, ctx: RequestContext) -> list[tuple[int, str]]:
    """The user's teams for the queue selector (every team when he is in none)."""
    query = select(Team.id, Team.name).order_by(Team.name)
    if ctx.principal.team_ids:
        query = query.where(Team.id.in_(sorted(ctx.principal.team_ids)))  # type: ignore[union-attr]
    return [(tid, name) for tid, name in uow.session.execute(query)]


@router.get("/service/tickets", response_class=HTMLResponse)
def queue_page(
    ctx: ConsoleContext,
    team: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The open tickets of one of the user's teams, the nearest SLA deadline first."""
    with ctx.transaction() as uow:
        require(uow, TICKET, "read")
        teams = _teams(uow, ctx)
        chosen = team if team is not None else (teams[0][0] if teams else None)
        rows: list[Any] = []
        if chosen is not None:
            found = team_field(uow, chosen, "team")
            if found.id not in {tid for tid, _ in teams}:
                teams.append((chosen, found.name))
            tickets = service.team_queue(uow, chosen, limit=QUEUE_LIMIT)
            rows = queue_rows(uow, tickets)
    return render(ctx, "service/console/queue.html", teams=teams, team=chosen, rows=rows,
                  **_helpers(ctx))


@router.get("/service/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(ctx: ConsoleContext, ticket_id: TicketId) -> Response:
    """One ticket: details, SLA clocks, history, and the forms to work it."""
    return show_ticket(ctx, ticket_id)


def show_ticket(
    ctx: RequestContext,
    ticket_id: int,
    *,
    status: int = 200,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The ticket page; ``error`` and ``values`` refill a refused form."""
    with ctx.transaction() as uow:
        ticket = ticket_out(uow, get_ticket(uow, ticket_id))
    can_update = ctx.can(f"{TICKET}:update")
    return render(ctx, "service/console/ticket.html", status=status, ticket=ticket,
                  can_update=can_update, is_open=ticket.status in OPEN_STATUSES,
                  error=error, values=values or {}, **_helpers(ctx))


def _work(
    ctx: RequestContext,
    ticket_id: int,
    form: str,
    values: dict[str, str],
    change: Callable[[UnitOfWork], object],
) -> Response:
    """Make ``change`` and go back to the ticket, or show it again with the reason."""
    return apply_form(ctx, form, values, change, done=f"/service/tickets/{ticket_id}",
                      refused=partial(show_ticket, ctx, ticket_id))


@router.post("/service/tickets/{ticket_id}/assign-me")
def assign_me(ctx: ConsoleContext, ticket_id: TicketId) -> Response:
    """Take the ticket: the user becomes its assignee (a new ticket opens)."""
    return _work(ctx, ticket_id, "assign", {},
                 lambda uow: service.assign(uow, ticket_id, assignee=ctx.principal.username))


@router.post("/service/tickets/{ticket_id}/reply")
def reply(ctx: ConsoleContext, ticket_id: TicketId, body: FormText = "",
          kind: Annotated[str, Form()] = "reply") -> Response:
    """A public reply to the customer, or (``kind=note``) an internal note."""
    send = service.add_note if kind == "note" else service.reply
    return _work(ctx, ticket_id, "reply", {"body": body},
                 lambda uow: send(uow, ticket_id, form_text(body, "body")))


@router.post("/service/tickets/{ticket_id}/close")
def close(ctx: ConsoleContext, ticket_id: TicketId, resolution: FormText = "",
          status: Annotated[str, Form()] = "closed") -> Response:
    """Resolve (``status=resolved``) or close the ticket with its resolution."""
    wanted = "resolved" if status == "resolved" else "closed"
    return _work(ctx, ticket_id, "close", {"resolution": resolution},
                 lambda uow: service.change_status(
                     uow, ticket_id, wanted,
                     resolution=form_text(resolution, "resolution") or None))


@router.post("/service/tickets/{ticket_id}/reopen")
def reopen(ctx: ConsoleContext, ticket_id: TicketId, reason: FormText = "") -> Response:
    """Bring a resolved or closed ticket back to work."""
    return _work(ctx, ticket_id, "reopen", {"reason": reason},
                 lambda uow: service.reopen_ticket(uow, ticket_id,
                                                   reason=form_text(reason, "reason")))
