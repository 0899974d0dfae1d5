"""The console's lead page and the forms that work a lead (``/marketing/leads/{id}``).

The same steps as ``guanxi marketing leads …``: start working a new lead, qualify it,
disqualify it for one of the settings' reasons, convert a qualified one to a customer
(a new one, the one its contact points match, or an id given), and, for assigners, take
it. The forms are shown to whoever may take the step (the lead's owner, or an assigner,
with ``marketing.lead:update``); the services check again. A refused step shows the page
again with the reason and what was typed (422) and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.web import (
    ConsoleContext,
    FormError,
    RequestContext,
    apply_form,
    form_text,
    render,
)
from guanxi.web.inputs import MAX_ID
from guanxi_marketing.leads.assignment import assign_lead
from guanxi_marketing.leads.common import ENTITY, is_assigner, lead_settings
from guanxi_marketing.leads.conversion import convert_lead
from guanxi_marketing.leads.models import OPEN_STATUSES
from guanxi_marketing.leads.service import disqualify_lead, qualify_lead, start_working
from guanxi_marketing.web import RecordId, lead_detail_out

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form(max_length=2000)]


def show_lead(
    ctx: RequestContext,
    lead_id: int,
    *,
    status: int = 200,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The lead page; ``error`` and ``values`` refill a refused form."""
    with ctx.transaction() as uow:
        lead = lead_detail_out(uow, lead_id)
        assigner = is_assigner(uow)
        reasons = list(lead_settings(uow.app).disqualify_reasons)
    is_open = lead.status in OPEN_STATUSES
    may_work = is_open and ctx.can(f"{ENTITY}:update") and (
        assigner or lead.owner == ctx.principal.username)
    return render(ctx, "marketing/console/lead.html", status=status, lead=lead,
                  may_work=may_work, may_take=is_open and assigner and (
                      lead.owner != ctx.principal.username),
                  reasons=reasons, error=error, values=values or {})


@router.get("/marketing/leads/{lead_id}", response_class=HTMLResponse)
def lead_page_view(ctx: ConsoleContext, lead_id: RecordId) -> Response:
    """One lead: contact, score and the rules behind it, touches, and the next steps."""
    return show_lead(ctx, lead_id)


def _step(
    ctx: RequestContext,
    lead_id: int,
    form: str,
    values: dict[str, str],
    change: Callable[[UnitOfWork], object],
) -> Response:
    """Take one step and go back to the lead, or show it again with the reason."""
    return apply_form(ctx, form, values, change, done=f"/marketing/leads/{lead_id}",
                      refused=partial(show_lead, ctx, lead_id))


def _customer_id(text: str) -> int | None:
    """The optional customer id of the convert form."""
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise ValidationError("customer_id", f"not a customer id: {text!r}")
    return int(text)


@router.post("/marketing/leads/{lead_id}/start")
def start(ctx: ConsoleContext, lead_id: RecordId) -> Response:
    """New → working."""
    return _step(ctx, lead_id, "status", {}, lambda uow: start_working(uow, lead_id))


@router.post("/marketing/leads/{lead_id}/qualify")
def qualify(ctx: ConsoleContext, lead_id: RecordId) -> Response:
    """New or working → qualified."""
    return _step(ctx, lead_id, "status", {}, lambda uow: qualify_lead(uow, lead_id))


@router.post("/marketing/leads/{lead_id}/disqualify")
def disqualify(ctx: ConsoleContext, lead_id: RecordId, reason: FormText = "",
               note: FormText = "") -> Response:
    """Close the lead for one of the settings' reasons, with an optional note."""
    return _step(ctx, lead_id, "disqualify", {"reason": reason, "note": note},
                 lambda uow: disqualify_lead(uow, lead_id, reason,
                                             note=form_text(note, "note") or None))


@router.post("/marketing/leads/{lead_id}/convert")
def convert(ctx: ConsoleContext, lead_id: RecordId, customer_id: FormText = "") -> Response:
    """Convert a qualified lead: to the customer given, the one it matches, or a new one."""
    return _step(ctx, lead_id, "convert", {"customer_id": customer_id},
                 lambda uow: convert_lead(uow, lead_id, customer_id=_customer_id(customer_id)))


@router.post("/marketing/leads/{lead_id}/take")
def take(ctx: ConsoleContext, lead_id: RecordId) -> Response:
    """An assigner takes the lead himself."""
    return _step(ctx, lead_id, "status", {},
                 lambda uow: assign_lead(uow, lead_id, ctx.principal.username))


_WORDS = {
    "zh": {"next_steps": "下一步", "start": "开始跟进", "qualify": "确认为有效商机",
           "disqualify": "排除", "convert": "转为客户", "take": "由我负责",
           "customer_id_hint": "客户编号（留空：匹配到的客户或新建）",
           "refused": "未能完成："},
    "en": {"next_steps": "Next steps", "start": "Start working", "qualify": "Qualify",
           "disqualify": "Disqualify", "convert": "Convert to a customer",
           "take": "Take it", "customer_id_hint": "Customer id (empty: the match, or a new one)",
           "refused": "Not done:"},
}
MESSAGES: dict[str, dict[str, str]] = {
    language: {f"marketing.lead.{key}": text for key, text in words.items()}
    for language, words in _WORDS.items()
}


def register(register_routes: Any) -> None:
    """Hand the lead page and its forms to the web app."""
    register_routes(router, console=True, messages=MESSAGES)
