"""``/api/customers``: create, read, update, list and search, the 360 view, the
timeline, and merging duplicates.

Every handler works in the acting user's unit of work: the services check his
permissions, and the ORM queries only return the customers his record policies let him
see, so one he may not see answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, create_model
from sqlalchemy import or_
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.identity.merge import merge_customers, retired_into
from guanxi.models import Customer, CustomerRole, CustomerTag, Interaction
from guanxi.records import CustomerRecord
from guanxi.services.customer360 import Customer360, customer_360
from guanxi.services.customers import CustomerIn, IdentityIn, add_customers, owner_ids
from guanxi.services.interactions import record_from_row
from guanxi.services.lookup import get_customer, load_records, matching_ids
from guanxi.services.updates import update_customer
from guanxi.web.api.schemas import (
    ERRORS,
    After,
    CustomerOut,
    InteractionOut,
    Limit,
    RequestModel,
    TaskOut,
    cursor_int,
    customer_out,
    interaction_out,
    staff_ref,
    stamp_bound,
    tasks_out,
)
from guanxi.web.context import ApiContext
from guanxi.web.inputs import PathId, RecordId, query_text
from guanxi.web.pagination import Page, keyset, page_of

router = APIRouter(prefix="/customers", tags=["customers"], responses=ERRORS)

OwnerRef = str | RecordId


class CustomerCreate(CustomerIn, RequestModel):
    """A new customer: the fields of ``guanxi customer add`` (see docs/customer-model.md).

    ``emails``, ``phones`` and ``addresses`` are shortcuts for ``contact_points``;
    ``owner`` is a staff username or id; ``roles`` default to the edition's first.
    """

    owner: OwnerRef | None = None
    organization_id: RecordId | None = None


# Every field of a customer plus the list edits update_customer knows; all may be left
# out (default None = not given), but only those a customer may lack accept null.
_PATCH_FIELDS: dict[str, Any] = {
    name: (info.annotation, None) for name, info in CustomerCreate.model_fields.items()
}
_PATCH_FIELDS.update(
    add_tags=(list[str], None),
    remove_tags=(list[str], None),
    add_emails=(list[str], None),
    add_phones=(list[str], None),
    add_addresses=(list[str], None),
    add_identities=(list[IdentityIn], None),
)
CustomerPatch: type[RequestModel] = create_model(
    "CustomerPatch",
    __base__=RequestModel,
    __doc__="Changes to a customer: only the fields given change. A list replaces the "
            "stored one; `custom` is merged (null clears a field); `add_*` and "
            "`remove_tags` edit lists in place.",
    **_PATCH_FIELDS,
)


class MergeIn(RequestModel):
    """Customers to merge into this one (see docs/identity-merge.md)."""

    merged_ids: list[RecordId] = Field(min_length=1, max_length=50)
    take: dict[str, RecordId] = Field(
        default_factory=dict, description="field → id of the customer whose value to keep"
    )
    prefer: str | None = Field(default=None, max_length=80,
                               description="complete, newest, survivor or source:NAME")
    reason: str | None = Field(default=None, max_length=500)


class MergeOut(BaseModel):
    """The merge done and the survivor as it is now."""

    merge_id: int
    survivor_id: int
    merged_ids: list[int]
    customer: CustomerOut


class RollupOut(BaseModel):
    """The customer's aggregates of the interaction log."""

    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    interaction_count: int = 0
    revenue_count: int = 0
    revenue: Decimal | None = None
    cost: Decimal | None = None
    counts_by_kind: dict[str, int] = {}
    counts_by_family: dict[str, int] = {}
    last_by_kind: dict[str, str] = {}
    last_by_channel: dict[str, str] = {}


class OrganizationRef(BaseModel):
    """The organisation a person belongs to."""

    id: int
    name: str


class SectionOut(BaseModel):
    """A section of the 360 view contributed by a plugin (rows: [label, value] pairs)."""

    title: str
    rows: list[tuple[str, Any]] = []
    items: list[dict[str, Any]] = []


class Customer360Out(BaseModel):
    """The customer 360 view: record, rollups, recent interactions, open tasks, plugin
    sections."""

    customer: CustomerOut
    rollup: RollupOut
    owner: str | None = None
    organization: OrganizationRef | None = None
    recent: list[InteractionOut]
    open_tasks: list[TaskOut]
    sections: list[SectionOut]


def _gone(uow: UnitOfWork, customer_id: int) -> NotFoundError:
    """The 404 of a customer not found: a merged id says where it went, if the user may
    see the survivor (else it is "no customer", like any id he may not see)."""
    retired = retired_into(uow, customer_id)
    if retired is not None:
        survivor = uow.session.exec(select(Customer.id).where(Customer.id == retired[0])).first()
        if survivor is not None:
            return NotFoundError(f"customer {customer_id} was merged into {survivor} "
                                 f"(merge {retired[1]})")
    return NotFoundError(f"no customer with id {customer_id}")


def visible_customer(uow: UnitOfWork, customer_id: int) -> CustomerRecord:
    """The customer's full record, or 404 (see :func:`_gone`)."""
    try:
        return get_customer(uow, customer_id)
    except NotFoundError:
        raise _gone(uow, customer_id) from None


def require_visible(uow: UnitOfWork, customer_id: int) -> None:
    """404 unless the user may read customers and see this one (one indexed lookup)."""
    require(uow, "customer", "read")
    if uow.session.exec(select(Customer.id).where(Customer.id == customer_id)).first() is None:
        raise _gone(uow, customer_id)


@router.post("", response_model=CustomerOut, status_code=201, summary="Create a customer")
def create_customer(ctx: ApiContext, body: CustomerCreate, response: Response) -> CustomerOut:
    """Create a customer (needs ``customer:create``). The duplicate check runs as on the
    command line: when the edition links a matching record into an existing customer,
    the answer is that customer (status 200)."""
    with ctx.transaction() as uow:
        stored = add_customers(uow, [body])[0]
        assert stored.id is not None
        if stored.link_to is not None:
            response.status_code = 200
        return customer_out(get_customer(uow, stored.id))


@router.get("/{customer_id}", response_model=CustomerOut, summary="A customer's record")
def read_customer(ctx: ApiContext, customer_id: PathId) -> CustomerOut:
    """The record (404 if there is none or the user may not see it)."""
    with ctx.transaction() as uow:
        return customer_out(visible_customer(uow, customer_id))


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Change a customer")
def patch_customer(ctx: ApiContext, customer_id: PathId,
                   body: CustomerPatch) -> CustomerOut:  # type: ignore[valid-type]
    """Apply the given fields (needs ``customer:update``); validated like a create."""
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    with ctx.transaction() as uow:
        require_visible(uow, customer_id)
        update_customer(uow, customer_id, changes)
        return customer_out(get_customer(uow, customer_id))


@router.get("", response_model=Page[CustomerOut], summary="List and search customers")
def list_customers(
    ctx: ApiContext,
    role: Annotated[str | None, query_text("Customers holding this role", 80)] = None,
    stage: Annotated[str | None, query_text("In this lifecycle stage", 80)] = None,
    owner: Annotated[str | None, query_text("Owned by this staff username or id", 80)] = None,
    tag: Annotated[str | None, query_text("Carrying this tag", 80)] = None,
    q: Annotated[str | None, query_text("Reference (id, email, phone, SOURCE:ID) or "
                                        "part of the name")] = None,
    limit: Limit = 50,
    after: After = None,
) -> Page[CustomerOut]:
    """The customers the user may see, by id, filtered; page on with ``after``."""
    with ctx.transaction() as uow:
        require(uow, "customer", "read")
        query = select(Customer)
        if role:
            query = query.where(col(Customer.id).in_(
                select(CustomerRole.customer_id).where(CustomerRole.role == role)))
        if tag:
            query = query.where(col(Customer.id).in_(
                select(CustomerTag.customer_id).where(CustomerTag.tag == tag)))
        if stage:
            query = query.where(Customer.lifecycle_stage == stage)
        if owner:
            ref = staff_ref(owner, "owner")
            found = owner_ids(uow, {ref} if ref is not None else set())
            if ref not in found:
                raise ValidationError("owner", f"no staff user {owner!r}")
            query = query.where(Customer.owner_id == found[ref])
        if q and q.strip():
            ids = matching_ids(uow, q)
            name_match = col(Customer.name).contains(q.strip())
            query = query.where(or_(col(Customer.id).in_(ids), name_match) if ids else name_match)
        paged: Any = keyset(query, [col(Customer.id)], after=after, limit=limit,
                            convert=[cursor_int])
        rows = list(uow.session.exec(paged))
        items, next_cursor = page_of(rows, limit, key=lambda row: (row.id,))
        return Page[CustomerOut](items=[customer_out(r) for r in load_records(uow, items)],
                                 next=next_cursor)


def view_out(uow: UnitOfWork, view: Customer360) -> Customer360Out:
    """The API form of the 360 view."""
    from fastapi.encoders import jsonable_encoder

    organization = None
    if view.organization is not None:
        organization = OrganizationRef(id=view.organization[0], name=view.organization[1])
    return Customer360Out(
        customer=customer_out(view.customer),
        rollup=RollupOut(**view.rollup),
        owner=view.owner,
        organization=organization,
        recent=[interaction_out(r) for r in view.recent],
        open_tasks=tasks_out(uow, view.open_tasks),
        sections=[
            SectionOut(title=s.title, rows=jsonable_encoder(s.rows),
                       items=jsonable_encoder(s.items))
            for s in view.sections
        ],
    )


@router.get("/{customer_id}/360", response_model=Customer360Out,
            summary="The customer 360 view")
def customer_360_view(ctx: ApiContext, customer_id: PathId) -> Response:
    """Record, rollups, owner and organisation, the last 50 interactions, open tasks and
    the sections plugins contribute (``customer_360_sections``)."""
    with ctx.transaction() as uow:
        try:
            view = view_out(uow, customer_360(uow, customer_id))
        except NotFoundError:
            raise _gone(uow, customer_id) from None
    # Serialised once, straight to JSON: the hottest route skips FastAPI's re-validation.
    return Response(view.__pydantic_serializer__.to_json(view), media_type="application/json")


@router.get("/{customer_id}/timeline", response_model=Page[InteractionOut],
            summary="A customer's interactions, newest first")
def customer_timeline(
    ctx: ApiContext,
    customer_id: PathId,
    kind: Annotated[str | None, query_text("Only kinds starting with this (e.g. sales.)",
                                           80)] = None,
    limit: Limit = 50,
    after: After = None,
) -> Page[InteractionOut]:
    """The customer's log by (occurred_at, id) descending; page on with ``after``."""
    with ctx.transaction() as uow:
        require_visible(uow, customer_id)
        require(uow, "interaction", "read")
        query = select(Interaction).where(Interaction.customer_id == customer_id)
        if kind:
            query = query.where(col(Interaction.kind).startswith(kind, autoescape=True))
        paged: Any = keyset(query, [col(Interaction.occurred_at), col(Interaction.id)],
                            after=after, limit=limit, descending=True,
                            convert=[stamp_bound(col(Interaction.occurred_at)), cursor_int])
        rows = list(uow.session.exec(paged))
        items, next_cursor = page_of(rows, limit,
                                     key=lambda row: (row.occurred_at.isoformat(), row.id))
        return Page[InteractionOut](
            items=[interaction_out(record_from_row(row)) for row in items], next=next_cursor
        )


@router.post("/{customer_id}/merge", response_model=MergeOut,
             summary="Merge other customers into this one")
def merge_into(ctx: ApiContext, customer_id: PathId, body: MergeIn) -> MergeOut:
    """Merge ``merged_ids`` into this customer (needs ``customer_merge:create``). Their
    rows move here and their ids then answer 404 saying where they went; the merge can
    be undone (``guanxi dedupe undo MERGE_ID``)."""
    with ctx.transaction() as uow:
        require_visible(uow, customer_id)
        merge = merge_customers(uow, customer_id, body.merged_ids, take=body.take,
                                prefer=body.prefer, reason=body.reason)
        assert merge.id is not None
        return MergeOut(merge_id=merge.id, survivor_id=merge.survivor_id,
                        merged_ids=list(merge.merged_ids),
                        customer=customer_out(get_customer(uow, customer_id)))

