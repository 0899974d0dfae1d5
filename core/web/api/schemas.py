"""Request and response models shared by the core's API routes.

Request models forbid unknown fields and refuse, before any service sees them, values
a database would choke on instead of refusing cleanly: ids beyond a 64-bit integer,
NUL characters (PostgreSQL text cannot hold them) and datetimes that overflow when
moved to UTC. Such input is a 422 naming the field, never a server error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query
from fastapi.encoders import jsonable_encoder
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from guanxi.errors import ValidationError
from guanxi.models import Task
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.services.staff import usernames
from guanxi.web.inputs import MAX_ID

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork

# Path and query parameters.
Limit = Annotated[
    int, Query(ge=1, le=500, description="Items per page (default 50, at most 500)")
]
After = Annotated[
    str | None,
    Query(max_length=500, pattern=r"^[A-Za-z0-9_=-]*$",
          description="The `next` cursor of the previous page"),
]


def _in_range(value: dt.datetime) -> dt.datetime:
    """Refuse datetimes that cannot be stored (or moved to UTC) on every backend."""
    if not 1900 <= value.year <= 9000:
        raise ValueError("must lie between the years 1900 and 9000")
    return value


Stamp = Annotated[dt.datetime, AfterValidator(_in_range)]
"""A datetime as given (a naive one is in the edition's display time zone)."""

def _check_text(value: Any, where: str = "") -> None:
    """Raise ``ValueError`` if a NUL character hides anywhere in ``value``."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"contains a NUL character{where}")
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _check_text(getattr(value, name), where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where)
            _check_text(item, where)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item, where)


class RequestModel(BaseModel):
    """The base of request bodies: unknown fields refused, no NUL characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        _check_text(value)
        return value


def staff_ref(value: str | int | None, field: str) -> str | int | None:
    """A staff reference (username or id) checked for range; digits mean an id."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not 1 <= value <= MAX_ID:
        raise ValidationError(field, f"no staff user with id {value}")
    return value


def cursor_int(value: Any) -> int:
    """A cursor's integer part, refused (422 on ``after``) when out of range."""
    if not isinstance(value, int) or not -MAX_ID <= value <= MAX_ID:
        raise ValueError("bad cursor")
    return value


def cursor_stamp(value: Any) -> dt.datetime:
    """A cursor's datetime part (ISO text, as :func:`guanxi.web.keyset` wrote it)."""
    if not isinstance(value, str):
        raise ValueError("bad cursor")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("bad cursor")
    return parsed.astimezone(dt.UTC)


def stamp_bound(column: Any) -> Callable[[Any], Any]:
    """A ``convert`` entry of :func:`keyset` binding a cursor datetime as ``column``'s type."""
    from sqlalchemy import literal

    return lambda value: literal(cursor_stamp(value), column.type)


# Responses.


class ErrorDetail(BaseModel):
    """What went wrong."""

    status: int
    code: str = Field(description="not_authenticated, forbidden, not_found, invalid, "
                                  "malformed, ambiguous, conflict, rejected")
    message: str
    field: str | None = Field(default=None, description="The field at fault, if one is")


class ErrorOut(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in [
        (400, "Malformed JSON or a refused operation"),
        (401, "Missing, unknown, expired or revoked token"),
        (403, "The user lacks the permission"),
        (404, "No such record, or one the user may not see"),
        (409, "Ambiguous reference or conflicting write"),
        (422, "Invalid input; `field` names it"),
    ]
}


class ContactPointOut(BaseModel):
    """A contact point: as written and normalised."""

    kind: str
    value: str
    normalized: str
    label: str | None = None
    primary: bool = False


class IdentityOut(BaseModel):
    """The customer's id in another system."""

    source: str
    external_id: str


class SpecialDateOut(BaseModel):
    """A date that matters to the customer."""

    label: str
    date: dt.date
    note: str | None = None


class CustomerOut(BaseModel):
    """A customer record (sensitive fields the user may not read are blanked and named
    in ``masked``)."""

    id: int
    kind: str
    name: str
    lifecycle_stage: str
    roles: list[str]
    family_name: str | None = None
    given_name: str | None = None
    organization_id: int | None = None
    owner_id: int | None = None
    gender: str | None = None
    birth_date: dt.date | None = None
    occupation: str | None = None
    preferred_channel: str | None = None
    language: str | None = None
    interests: list[str] = []
    care_notes: str | None = None
    tags: list[str] = []
    contact_points: list[ContactPointOut] = []
    identities: list[IdentityOut] = []
    special_dates: list[SpecialDateOut] = []
    custom: dict[str, Any] = {}
    masked: list[str] = []


def customer_out(record: CustomerRecord) -> CustomerOut:
    """The API form of a stored customer record."""
    assert record.id is not None
    return CustomerOut(
        id=record.id, kind=record.kind, name=record.name,
        lifecycle_stage=record.lifecycle_stage, roles=list(record.roles),
        family_name=record.family_name, given_name=record.given_name,
        organization_id=record.organization_id, owner_id=record.owner_id,
        gender=record.gender, birth_date=record.birth_date, occupation=record.occupation,
        preferred_channel=record.preferred_channel, language=record.language,
        interests=list(record.interests), care_notes=record.care_notes,
        tags=list(record.tags),
        contact_points=[
            ContactPointOut(kind=p.kind, value=p.value, normalized=p.normalized,
                            label=p.label, primary=p.is_primary)
            for p in record.contact_points
        ],
        identities=[IdentityOut(source=i.source, external_id=i.external_id)
                    for i in record.identities],
        special_dates=[SpecialDateOut(label=d.label, date=d.date, note=d.note)
                       for d in record.special_dates],
        custom=jsonable_encoder(record.custom), masked=list(record.masked),
    )


class InteractionOut(BaseModel):
    """One logged interaction (amounts as decimal strings)."""

    id: int
    customer_id: int
    occurred_at: dt.datetime
    channel: str
    kind: str
    direction: str
    actor_id: int | None = None
    subject: str | None = None
    revenue: Decimal | None = None
    cost: Decimal | None = None
    currency: str
    source: str | None = None
    payload: dict[str, Any] = {}
    corrects_id: int | None = None


def interaction_out(record: InteractionRecord) -> InteractionOut:
    """The API form of a stored interaction."""
    assert record.id is not None
    return InteractionOut(
        id=record.id, customer_id=record.customer_id, occurred_at=record.occurred_at,
        channel=record.channel, kind=record.kind, direction=record.direction,
        actor_id=record.actor_id, subject=record.subject, revenue=record.revenue,
        cost=record.cost, currency=record.currency, source=record.source,
        payload=jsonable_encoder(record.payload or {}), corrects_id=record.corrects_id,
    )


class TaskOut(BaseModel):
    """A follow-up task."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    title: str
    notes: str | None = None
    due_at: dt.datetime
    status: str
    priority: str
    assignee_id: int | None = None
    assignee: str | None = Field(default=None, description="The assignee's username")
    team_id: int | None = None
    created_by_id: int | None = None
    created_by: str | None = Field(default=None, description="The creator's username")
    source: str | None = None
    created_at: dt.datetime
    completed_at: dt.datetime | None = None


def tasks_out(uow: UnitOfWork, tasks: Sequence[Task]) -> list[TaskOut]:
    """Tasks as the API shows them, with their assignees' and creators' usernames (one
    lookup for them all, none when no task names anybody)."""
    names = usernames(uow, [t.assignee_id for t in tasks] + [t.created_by_id for t in tasks])
    shown = []
    for task in tasks:
        out = TaskOut.model_validate(task)
        out.assignee = names.get(task.assignee_id) if task.assignee_id else None
        out.created_by = names.get(task.created_by_id) if task.created_by_id else None
        shown.append(out)
    return shown
