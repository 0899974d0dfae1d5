"""``/api/interactions``: log one, log a batch (all or nothing), read one.

The log is append-only (docs/interaction-log.md): there is no update or delete; a
mistake is corrected by logging an interaction whose ``corrects_id`` names it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import Field
from sqlmodel import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import BatchValidationError, GuanxiError, ValidationError
from guanxi.models import Interaction
from guanxi.services.interactions import log_interactions, record_from_row
from guanxi.services.lookup import resolve_customer
from guanxi.web.api.schemas import (
    ERRORS,
    InteractionOut,
    RequestModel,
    Stamp,
    interaction_out,
    staff_ref,
)
from guanxi.web.context import ApiContext
from guanxi.web.inputs import PathId, RecordId

router = APIRouter(prefix="/interactions", tags=["interactions"], responses=ERRORS)

MAX_BATCH = 1000


class InteractionCreate(RequestModel):
    """An interaction to log. Name the customer by ``customer_id`` or by ``customer``
    (a reference: id, email, phone or SOURCE:ID). ``payload`` is checked against the
    kind's schema; a naive ``occurred_at`` is in the edition's time zone (default: now);
    ``actor`` (staff username or id) defaults to the token's user."""

    customer_id: RecordId | None = None
    customer: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=80, examples=["core.contact"])
    channel: str | None = Field(default=None, max_length=20)
    direction: Literal["inbound", "outbound", "internal"] = "inbound"
    occurred_at: Stamp | None = None
    actor: str | RecordId | None = None
    subject: str | None = Field(default=None, max_length=500)
    revenue: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    cost: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    source: str | None = Field(default=None, max_length=80)
    payload: dict[str, Any] = Field(default_factory=dict)
    corrects_id: RecordId | None = None


def _row(uow: UnitOfWork, given: InteractionCreate, prefix: str = "") -> dict[str, Any]:
    """The service's input for one interaction: customer resolved, actor defaulted."""
    data = given.model_dump(exclude_unset=True, exclude={"customer"})
    if (given.customer_id is None) == (given.customer is None):
        raise ValidationError(f"{prefix}customer_id", "give either customer_id or customer")
    if given.customer is not None:
        try:
            data["customer_id"] = resolve_customer(uow, given.customer)
        except GuanxiError as exc:  # not found or ambiguous: a bad field of this row
            raise ValidationError(f"{prefix}customer", str(exc)) from None
    actor = staff_ref(given.actor, f"{prefix}actor")
    data["actor"] = actor if actor is not None else uow.actor_id
    return data


def _log(uow: UnitOfWork, rows: list[dict[str, Any]], *, batch: bool) -> list[InteractionOut]:
    """Log ``rows`` in one go; a bad row names its index (in a batch) and field."""
    try:
        stored = log_interactions(uow, rows, first_row=0)
    except BatchValidationError as exc:
        first = exc.errors[0]
        field = f"{first.row}.{first.field}" if batch else first.field
        raise ValidationError(field, first.reason) from None
    return [interaction_out(record) for record in stored]


@router.post("", response_model=InteractionOut, status_code=201, summary="Log an interaction")
def log_one(ctx: ApiContext, body: InteractionCreate) -> InteractionOut:
    """Append one interaction to a customer's timeline (needs ``interaction:create``)."""
    with ctx.transaction() as uow:
        require(uow, "interaction", "create")
        return _log(uow, [_row(uow, body)], batch=False)[0]


@router.post("/batch", response_model=list[InteractionOut], status_code=201,
             summary="Log several interactions, all or nothing")
def log_batch(
    ctx: ApiContext,
    body: Annotated[list[InteractionCreate], Body(min_length=1, max_length=MAX_BATCH)],
) -> list[InteractionOut]:
    """Append up to 1000 interactions in one unit of work. One bad row refuses the
    whole batch with a 422 whose ``field`` is ``INDEX.FIELD`` (0-based); nothing is
    stored then."""
    with ctx.transaction() as uow:
        require(uow, "interaction", "create")
        rows = [_row(uow, given, f"{index}.") for index, given in enumerate(body)]
        return _log(uow, rows, batch=True)


@router.get("/{interaction_id}", response_model=InteractionOut, summary="One interaction")
def read_interaction(ctx: ApiContext, interaction_id: PathId) -> InteractionOut:
    """One interaction (404 if there is none or its customer is not visible)."""
    from guanxi.errors import NotFoundError

    with ctx.transaction() as uow:
        require(uow, "interaction", "read")
        row = uow.session.exec(select(Interaction).where(Interaction.id == interaction_id)).first()
        if row is None:
            raise NotFoundError(f"no interaction with id {interaction_id}")
        return interaction_out(record_from_row(row))
