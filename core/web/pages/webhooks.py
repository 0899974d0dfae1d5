"""The admin page of outbound webhooks: endpoints, their delivery counts, the log, replay.

What ``guanxi webhooks …`` and ``/api/webhooks`` do, for an admin in the browser: add an
endpoint (its signing secret is shown once), enable or disable one, read the latest
deliveries (all, or those of one status) and queue one again. Removing an endpoint, which
deletes its log, stays on the command line and the API. Only for admins (the 404 of
:func:`~guanxi.web.pages.admin.require_admin`); the services check their own
``webhook_endpoint`` / ``webhook_delivery`` permissions too.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, func, select

from guanxi.errors import ValidationError
from guanxi.models import WebhookDelivery
from guanxi.models.webhooks import DELIVERY_STATUSES
from guanxi.web.console import render
from guanxi.web.context import ConsoleContext, RequestContext
from guanxi.web.inputs import MAX_ID
from guanxi.web.pages.admin import require_admin
from guanxi.web.pages.forms import FormError, see_other
from guanxi.webhooks import endpoints

router = APIRouter(include_in_schema=False)
RecordPath = Annotated[int, Path(ge=1, le=MAX_ID)]
SHOWN_DELIVERIES = 50
PAGE = "/admin/webhooks"


def _counts(uow: Any) -> dict[int, dict[str, int]]:
    """Deliveries per endpoint and status (one grouped query)."""
    query = select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count()).group_by(
        col(WebhookDelivery.endpoint_id), col(WebhookDelivery.status))
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, status, count in uow.session.exec(query):
        counts.setdefault(endpoint_id, {})[status] = int(count)
    return counts


def show_webhooks(
    ctx: RequestContext,
    *,
    status_filter: str | None = None,
    code: int = 200,
    created: dict[str, Any] | None = None,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The page: endpoints with counts, the add form, the latest deliveries."""
    with ctx.transaction() as uow:
        hooks = endpoints.list_endpoints(uow)
        deliveries = endpoints.list_deliveries(uow, status=status_filter, limit=SHOWN_DELIVERIES)
        counts = _counts(uow)
    return render(ctx, "console/admin/webhooks.html", status=code, section="webhooks",
                  hooks=hooks, counts=counts, deliveries=deliveries, statuses=DELIVERY_STATUSES,
                  status_filter=status_filter, created=created, error=error,
                  values=values or {})


@router.get(PAGE, response_class=HTMLResponse)
def webhooks_page(
    ctx: ConsoleContext,
    status: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    """Webhook endpoints and the latest deliveries (``?status=`` keeps one status)."""
    require_admin(ctx)
    return show_webhooks(ctx, status_filter=endpoints.check_status(status or None))


@router.post(PAGE, response_class=HTMLResponse)
def add_webhook(
    ctx: ConsoleContext,
    url: Annotated[str, Form(max_length=2000)] = "",
    events: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add an endpoint; the page shows its signing secret this once."""
    require_admin(ctx)
    values = {"url": url, "events": events, "description": description}
    try:
        with ctx.transaction() as uow:
            if not url.strip():
                raise ValidationError("url", "is required")
            made = endpoints.add_endpoint(uow, url, re.split(r"[\s,]+", events),
                                          description=description.strip())
            created = {"id": made.endpoint.id, "url": made.endpoint.url, "secret": made.secret}
    except ValidationError as exc:
        return show_webhooks(ctx, code=422, error=FormError.of("endpoint", exc), values=values)
    return show_webhooks(ctx, created=created)


@router.post(PAGE + "/{endpoint_id}/active")
def switch_webhook(
    ctx: ConsoleContext,
    endpoint_id: RecordPath,
    active: Annotated[str, Form()] = "",
) -> Response:
    """Enable (``active=1``) or disable an endpoint; a disabled one keeps its queue."""
    require_admin(ctx)
    with ctx.transaction() as uow:
        endpoints.set_active(uow, endpoint_id, active == "1")
    return see_other(PAGE, PAGE)


@router.post(PAGE + "/deliveries/{delivery_id}/replay")
def replay_delivery(ctx: ConsoleContext, delivery_id: RecordPath) -> Response:
    """Queue one delivery to be sent again by the next ``core.webhooks_deliver`` run."""
    require_admin(ctx)
    with ctx.transaction() as uow:
        endpoints.replay(uow, [delivery_id])
    return see_other(PAGE, PAGE)
