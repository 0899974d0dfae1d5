"""Customers in the console: the search box's target, the list, the 360 page and the
two forms on it (log a call, new task).

Everything is read inside the user's unit of work, so a customer he may not see is not
found (the 404 page, never "forbidden") and listings and searches leave it out.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.records import CustomerRecord
from guanxi.services.customer360 import customer_360
from guanxi.services.interactions import log_interaction, timeline
from guanxi.services.lookup import find_customers, list_customers
from guanxi.services.staff import active_staff, assignable_staff, usernames
from guanxi.services.tasks import create_task
from guanxi.web.console import render
from guanxi.web.context import ConsoleContext
from guanxi.web.pages.forms import FormError, apply_form, parse_when
from guanxi.web.registry import NavItem

router = APIRouter(include_in_schema=False)
NAV = (NavItem("nav.customers", "/customers", permission="customer:read", order=20),)
PAGE_SIZE = 50
TIMELINE_SIZE = 50


def _when(value: Any) -> Any:
    """A rollup's time: stored in JSON as an ISO string, shown in local time."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _owner_names(uow: UnitOfWork, records: list[CustomerRecord]) -> dict[int, str]:
    return usernames(uow, [record.owner_id for record in records])


@router.get("/customers", response_class=HTMLResponse)
def customers(
    ctx: ConsoleContext,
    q: str = "",
    stage: str = "",
    tag: str = "",
    owner: str = "",
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """Search (``q``: one hit opens its 360 page) or list customers, a page at a time."""
    text = q.strip()
    with ctx.transaction() as uow:
        if text:
            found = find_customers(uow, text, limit=PAGE_SIZE)
            if len(found) == 1:
                return RedirectResponse(f"/customers/{found[0].id}", status_code=303)
            rows, next_after = found, None
        else:
            page = list_customers(
                uow,
                stage=stage or None,
                tag=tag.strip() or None,
                owner_id=ctx.principal.staff_id if owner == "me" else None,
                after_id=after,
                limit=PAGE_SIZE + 1,
            )
            rows = page[:PAGE_SIZE]
            next_after = rows[-1].id if len(page) > PAGE_SIZE else None
        owners = _owner_names(uow, rows)
    filters = {"stage": stage, "tag": tag, "owner": owner}
    next_link = None
    if next_after is not None:
        kept = "&".join(f"{key}={value}" for key, value in filters.items() if value)
        next_link = f"/customers?after={next_after}" + (f"&{kept}" if kept else "")
    return render(
        ctx,
        "console/customers.html",
        rows=rows,
        owners=owners,
        q=text,
        filters=filters,
        stages=ctx.app.settings.lifecycle_stages,
        next_link=next_link,
    )


def show_customer(
    ctx: ConsoleContext,
    customer_id: int,
    *,
    before: int | None = None,
    status: int = 200,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The 360 page; ``error`` and ``values`` refill a refused form."""
    with ctx.transaction() as uow:
        view = customer_360(uow, customer_id, limit=TIMELINE_SIZE + 1)
        recent = view.recent
        if before is not None:
            recent = timeline(uow, customer_id, limit=TIMELINE_SIZE + 1, before_id=before)
        # One more than shown tells whether there is a next page; its cursor is the
        # last entry shown.
        more = recent[TIMELINE_SIZE - 1].id if len(recent) > TIMELINE_SIZE else None
        recent = recent[:TIMELINE_SIZE]
        actors = usernames(
            uow, [i.actor_id for i in recent] + [t.assignee_id for t in view.open_tasks]
        )
        staff = assignable_staff(uow) if ctx.can("task:create") else []
    kinds = sorted(ctx.app.registry.interaction_kinds)
    last_by_channel = {channel: _when(value) for channel, value in
                       sorted(view.rollup["last_by_channel"].items())}
    return render(
        ctx,
        "console/customer.html",
        status=status,
        view=view,
        c=view.customer,
        recent=recent,
        last_by_channel=last_by_channel,
        more=more,
        before=before,
        actors=actors,
        staff=staff,
        kinds=kinds,
        channels=ctx.app.settings.channels,
        error=error,
        values=values or {},
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    ctx: ConsoleContext,
    customer_id: int,
    before: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """The customer 360 page: record, rollups, timeline, tasks and plugins' sections."""
    return show_customer(ctx, customer_id, before=before)


@router.post("/customers/{customer_id}/interactions", response_class=HTMLResponse)
def log_call(
    ctx: ConsoleContext,
    customer_id: int,
    kind: Annotated[str, Form()] = "core.contact",
    channel: Annotated[str, Form()] = "phone",
    direction: Annotated[str, Form()] = "outbound",
    subject: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    occurred_at: Annotated[str, Form()] = "",
) -> Response:
    """Log a call (or another registered kind); a bad field re-shows the page naming it
    and stores nothing."""
    values = {"kind": kind, "channel": channel, "direction": direction, "subject": subject,
              "summary": summary, "outcome": outcome, "occurred_at": occurred_at}
    payload: dict[str, Any] = {
        key: value.strip() for key, value in (("summary", summary), ("outcome", outcome))
        if value.strip()
    }

    def log(uow: UnitOfWork) -> None:
        log_interaction(
            uow,
            customer_id=customer_id,
            kind=kind,
            channel=channel or None,
            direction=direction,
            subject=subject.strip() or None,
            payload=payload,
            occurred_at=parse_when(occurred_at, "occurred_at"),
            actor=ctx.principal.staff_id,
        )

    return apply_form(ctx, "call", values, log, done=f"/customers/{customer_id}#timeline",
                      refused=partial(show_customer, ctx, customer_id))


@router.post("/customers/{customer_id}/tasks", response_class=HTMLResponse)
def new_task(
    ctx: ConsoleContext,
    customer_id: int,
    title: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
) -> Response:
    """Add a follow-up task on the customer (assigned to the user unless he names
    somebody else); a bad field re-shows the page naming it."""
    values = {"title": title, "due": due, "assignee": assignee}

    def add(uow: UnitOfWork) -> None:
        due_at = parse_when(due, "due")
        if due_at is None:
            raise ValidationError("due", "is required")
        who = active_staff(uow, assignee.strip(), "assignee").id if assignee.strip() else (
            ctx.principal.staff_id)
        create_task(uow, customer_id=customer_id, title=title, due_at=due_at, assignee=who)

    return apply_form(ctx, "task", values, add, done=f"/customers/{customer_id}#tasks",
                      refused=partial(show_customer, ctx, customer_id))
