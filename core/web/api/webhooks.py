"""``/api/webhooks``: webhook endpoints, the delivery log and replay (admins by default).

The services of :mod:`guanxi.webhooks.endpoints` check ``webhook_endpoint:<action>`` and
``webhook_delivery:<action>``; a user without them gets 403, an unknown id 404, bad
input 422 naming the field. Secrets are returned once, by the create call.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col

from guanxi.models import WebhookDelivery, WebhookEndpoint
from guanxi.web import ApiContext, Page, keyset, page_of
from guanxi.webhooks import endpoints

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

MAX_ID = 2**62
EndpointId = Annotated[int, Path(ge=1, le=MAX_ID, description="endpoint id")]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="delivery id")]
Status = Literal["pending", "failed", "delivered", "dead"]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "the user lacks the permission"},
    404: {"description": "no such endpoint or delivery"},
    422: {"description": "invalid input; the error names the field"},
}


class EndpointOut(BaseModel):
    """A webhook endpoint (never its secret)."""

    id: int
    url: str
    events: list[str]
    active: bool
    description: str
    created_at: dt.datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointOut:
        """The API view of an endpoint."""
        assert endpoint.id is not None
        return cls(id=endpoint.id, url=endpoint.url, events=list(endpoint.events),
                   active=endpoint.active, description=endpoint.description,
                   created_at=endpoint.created_at)


class EndpointCreated(EndpointOut):
    """A new endpoint with its signing secret: shown this once, never again."""

    secret: str


class EndpointCreate(BaseModel):
    """A receiver URL and the event types (or patterns such as ``customer.*``) it gets."""

    model_config = ConfigDict(extra="forbid")
    url: Annotated[str, Field(max_length=2000)]
    events: Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=20)] = []
    secret: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=200)] = ""


class EndpointChange(BaseModel):
    """Enable or disable an endpoint."""

    model_config = ConfigDict(extra="forbid")
    active: bool


class Removed(BaseModel):
    """What removing an endpoint deleted."""

    id: int
    deliveries_removed: int


class DeliveryOut(BaseModel):
    """One event for one endpoint and its delivery state."""

    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    customer_id: int | None
    payload: dict[str, Any]
    status: Status
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="when it is sent next (if due)")
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    @classmethod
    def of(cls, row: WebhookDelivery) -> DeliveryOut:
        """The API view of a delivery."""
        assert row.id is not None
        waiting = row.status in ("pending", "failed")
        return cls(id=row.id, endpoint_id=row.endpoint_id, event_id=row.event_id,
                   event_type=row.event_type, customer_id=row.customer_id,
                   payload=row.payload, status=row.status,  # type: ignore[arg-type]
                   attempts=row.attempts,
                   next_attempt_at=row.next_attempt_at if waiting else None,
                   last_status_code=row.last_status_code, last_error=row.last_error,
                   created_at=row.created_at, delivered_at=row.delivered_at)


@router.get("/endpoints", response_model=list[EndpointOut], summary="List webhook endpoints",
            responses={403: ERRORS[403]})
def list_route(ctx: ApiContext) -> list[EndpointOut]:
    """Every endpoint, oldest first."""
    with ctx.transaction() as uow:
        return [EndpointOut.of(e) for e in endpoints.list_endpoints(uow)]


@router.post("/endpoints", response_model=EndpointCreated, status_code=201,
             summary="Add a webhook endpoint", responses={403: ERRORS[403], 422: ERRORS[422]})
def create_route(ctx: ApiContext, body: EndpointCreate) -> EndpointCreated:
    """Subscribe ``url`` to ``events`` (every event when empty); the response carries the
    signing secret (made when not given), which is never shown again."""
    with ctx.transaction() as uow:
        added = endpoints.add_endpoint(uow, body.url, body.events, secret=body.secret,
                                       description=body.description)
        return EndpointCreated(**EndpointOut.of(added.endpoint).model_dump(),
                               secret=added.secret)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut,
            summary="One webhook endpoint", responses={403: ERRORS[403], 404: ERRORS[404]})
def get_route(ctx: ApiContext, endpoint_id: EndpointId) -> EndpointOut:
    """The endpoint (without its secret)."""
    with ctx.transaction() as uow:
        return EndpointOut.of(endpoints.get_endpoint(uow, endpoint_id))


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut,
              summary="Enable or disable a webhook endpoint", responses=ERRORS)
def change_route(ctx: ApiContext, endpoint_id: EndpointId, body: EndpointChange) -> EndpointOut:
    """A disabled endpoint gets no new events; what was queued waits until it is enabled."""
    with ctx.transaction() as uow:
        return EndpointOut.of(endpoints.set_active(uow, endpoint_id, body.active))


@router.delete("/endpoints/{endpoint_id}", response_model=Removed,
               summary="Remove a webhook endpoint", responses={403: ERRORS[403], 404: ERRORS[404]})
def delete_route(ctx: ApiContext, endpoint_id: EndpointId) -> Removed:
    """Delete the endpoint and its delivery log (disabling it keeps both)."""
    with ctx.transaction() as uow:
        removed = endpoints.remove_endpoint(uow, endpoint_id)
    return Removed(id=endpoint_id, deliveries_removed=removed)


@router.get("/deliveries", response_model=Page[DeliveryOut], summary="The delivery log",
            responses={403: ERRORS[403], 404: ERRORS[404], 422: ERRORS[422]})
def deliveries_route(
    ctx: ApiContext,
    endpoint_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[DeliveryOut]:
    """Deliveries newest first, of one endpoint or status if given; page on with ``after``."""
    with ctx.transaction() as uow:
        if endpoint_id is not None:
            endpoints.get_endpoint(uow, endpoint_id)
        query = endpoints.deliveries_query(uow, endpoint_id=endpoint_id, status=status)
        statement = keyset(query, [col(WebhookDelivery.id)], after=after, limit=limit,
                           descending=True)
        rows = list(uow.session.execute(statement).scalars())
        items, cursor = page_of(rows, limit, key=lambda row: (row.id,))
        return Page[DeliveryOut](items=[DeliveryOut.of(r) for r in items], next=cursor)


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut,
             summary="Send a delivery again", responses={403: ERRORS[403], 404: ERRORS[404]})
def replay_route(ctx: ApiContext, delivery_id: DeliveryId) -> DeliveryOut:
    """Queue the delivery to be sent again (attempts start over); the sender job sends it."""
    with ctx.transaction() as uow:
        endpoints.replay(uow, [delivery_id])
        found = uow.session.exec(
            endpoints.deliveries_query(uow).where(col(WebhookDelivery.id) == delivery_id)
        ).one()
        return DeliveryOut.of(found)
