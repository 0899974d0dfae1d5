"""Appending to the interaction log and reading a customer's timeline.

There is deliberately no update or delete here: the log is append-only, and a mistake
is corrected by logging a new interaction whose ``corrects_id`` names the wrong one
(with negated amounts where money was involved).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from sqlmodel import col, select

from guanxi.access.enforce import filter_visible, require
from guanxi.app import UnitOfWork
from guanxi.db.bulk import (
    BulkInserter,
    allocate_ids,
    bulk_bind_processor,
    existing_ids,
    set_ids,
    with_ids,
    without_gc,
)
from guanxi.db.types import bulk_minor
from guanxi.errors import BatchValidationError, ValidationError
from guanxi.models import Customer, Interaction, Staff
from guanxi.records import InteractionRecord
from guanxi.registry import InteractionKind
from guanxi.services.rollups import merge_rollups
from guanxi.services.validation import fields_validator, first_error

# A touchpoint cannot lie in the future; a little slack absorbs clock skew between the
# systems that feed an import.
FUTURE_SLACK = dt.timedelta(minutes=10)
INTERACTION_COLUMNS = (
    "id",
    "customer_id",
    "occurred_at",
    "recorded_at",
    "channel",
    "kind",
    "direction",
    "actor_id",
    "subject",
    "revenue",
    "cost",
    "currency",
    "source",
    "payload",
    "corrects_id",
)


class InteractionIn(BaseModel):
    """An interaction as given to :func:`log_interactions`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    customer_id: int
    kind: str
    channel: str | None = None
    direction: Literal["inbound", "outbound", "internal"] = "inbound"
    occurred_at: dt.datetime | None = None
    actor: str | int | None = None
    subject: str | None = Field(default=None, max_length=500)
    revenue: Decimal | None = None
    cost: Decimal | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    source: str | None = Field(default=None, max_length=80)
    payload: dict[str, Any] = Field(default_factory=dict)
    corrects_id: int | None = None


def _amount(field: str, value: Decimal | None, correction: bool) -> Decimal | None:
    if value is None:
        return None
    try:
        bulk_minor(value)  # to_minor's checks (and errors), faster for plain amounts
    except ValueError as exc:
        raise ValidationError(field, str(exc)) from None
    if value < 0 and not correction:
        raise ValidationError(field, "must not be negative (log a correction to reverse one)")
    return value


@dataclass(frozen=True, slots=True)
class _Context:
    """What validating a row needs from the application, looked up once per batch."""

    kinds: Mapping[str, InteractionKind]
    channels: frozenset[str]
    tz: dt.tzinfo
    now: dt.datetime
    latest: dt.datetime
    currency: str


def _context(uow: UnitOfWork) -> _Context:
    app = uow.app
    settings = app.settings
    now = uow.now
    return _Context(
        kinds=app.registry.interaction_kinds,
        channels=frozenset(settings.channels),
        tz=app.tz,
        now=now,
        latest=now + FUTURE_SLACK,
        currency=settings.currency.upper(),
    )


def validate_interaction(
    uow: UnitOfWork, data: Mapping[str, Any] | InteractionIn
) -> InteractionRecord:
    """Validate one interaction; raise :class:`ValidationError` naming the field.

    A naive ``occurred_at`` is read in the edition's display time zone: that is what a
    person typing "2026-05-01 10:00" means.
    """
    return _validate(_context(uow), data)


def _validate(context: _Context, data: Mapping[str, Any] | InteractionIn) -> InteractionRecord:
    try:
        # A model's __dict__ holds every field; a validated mapping only those given,
        # so every absent one is read with InteractionIn's default below.
        given = data.__dict__ if isinstance(data, InteractionIn) else _validate_fields(data)
    except PydanticValidationError as exc:
        raise first_error(exc) from None
    get = given.get
    kind_name = given["kind"]
    kind = context.kinds.get(kind_name)
    if kind is None:
        raise ValidationError("kind", f"unknown interaction kind {kind_name!r}")
    channel = get("channel") or kind.default_channel or "other"
    if channel not in context.channels:
        raise ValidationError("channel", f"unknown channel {channel!r}")
    occurred = get("occurred_at") or context.now
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=context.tz)
    if occurred.tzinfo is not dt.UTC:
        occurred = occurred.astimezone(dt.UTC)
    if occurred > context.latest:
        raise ValidationError("occurred_at", f"{occurred.isoformat()} is in the future")
    payload = get("payload")
    if payload is None:
        payload = {}
    schema = kind.schema
    if schema is not None:
        # model_validate + model_dump(mode="json") without their Python wrappers.
        try:
            model = schema.__pydantic_validator__.validate_python(payload)
        except PydanticValidationError as exc:
            raise first_error(exc, "payload") from None
        payload = schema.__pydantic_serializer__.to_python(model, mode="json")
    corrects_id = get("corrects_id")
    correction = corrects_id is not None
    revenue, cost, actor, currency = get("revenue"), get("cost"), get("actor"), get("currency")
    return InteractionRecord(
        None,
        given["customer_id"],
        occurred,
        channel,
        kind_name,
        get("direction", "inbound"),
        actor if isinstance(actor, int) else None,
        get("subject"),
        None if revenue is None else _amount("revenue", revenue, correction),
        None if cost is None else _amount("cost", cost, correction),
        currency.upper() if currency else context.currency,
        get("source"),
        payload,
        corrects_id,
    )


# InteractionIn's checks without building the model: the given fields, validated.
_validate_fields = fields_validator(InteractionIn)


@without_gc
def validate_interactions(
    uow: UnitOfWork, rows: Sequence[Mapping[str, Any] | InteractionIn], *, first_row: int = 1
) -> tuple[list[tuple[int, InteractionRecord]], list[ValidationError]]:
    """Validate a batch; return ``(row number, record)`` pairs and the rejected rows.

    Besides each row's own checks this verifies, one query per batch, that every
    customer exists, actors are staff users, and a correction names an interaction of
    the same customer.
    """
    require(uow, "interaction", "create")
    parsed: list[tuple[int, InteractionRecord, Any]] = []
    errors: list[ValidationError] = []
    context = _context(uow)
    for number, row in enumerate(rows, start=first_row):
        try:
            record = _validate(context, row)
        except ValidationError as exc:
            errors.append(exc.at_row(number))
            continue
        actor = row.actor if isinstance(row, InteractionIn) else row.get("actor")
        parsed.append((number, record, actor if actor not in ("", None) else None))

    customers = filter_visible(
        uow,
        existing_ids(
            uow.session.connection(),
            Customer.__table__.c.id,  # type: ignore[attr-defined]
            {r.customer_id for _, r, _ in parsed},
        ),
    )
    actor_names = {a for _, _, a in parsed if isinstance(a, str)}
    actor_ids = {a for _, _, a in parsed if isinstance(a, int)}
    staff_by_name: dict[Any, int] = {}
    if actor_names:
        query = select(Staff.username, Staff.id).where(col(Staff.username).in_(actor_names))
        for name, sid in uow.session.exec(query):
            assert sid is not None  # a stored row's primary key
            staff_by_name[name] = sid
    staff_ids = existing_ids(uow.session.connection(), Staff.__table__.c.id, actor_ids)  # type: ignore[attr-defined]
    corrected: dict[int, int] = {}
    corrects = {r.corrects_id for _, r, _ in parsed if r.corrects_id is not None}
    if corrects:
        table = Interaction.__table__  # type: ignore[attr-defined]
        query2 = select(table.c.id, table.c.customer_id).where(table.c.id.in_(corrects))
        corrected = {i: c for i, c in uow.session.connection().execute(query2)}

    valid: list[tuple[int, InteractionRecord]] = []
    for number, record, actor in parsed:
        try:
            if record.customer_id not in customers:
                raise ValidationError("customer_id", f"no customer with id {record.customer_id}")
            actor_id = record.actor_id
            if isinstance(actor, str):
                if actor not in staff_by_name:
                    raise ValidationError("actor", f"no staff user {actor!r}")
                actor_id = staff_by_name[actor]
            elif actor is not None and actor not in staff_ids:
                raise ValidationError("actor", f"no staff user with id {actor}")
            if (
                record.corrects_id is not None
                and corrected.get(record.corrects_id) != record.customer_id
            ):
                raise ValidationError(
                    "corrects_id", f"no interaction {record.corrects_id} of this customer"
                )
        except ValidationError as exc:
            errors.append(exc.at_row(number))
            continue
        if actor_id != record.actor_id:
            record = _with(record, actor_id=actor_id)
        valid.append((number, record))
    return valid, errors


def _with(record: InteractionRecord, **changes: Any) -> InteractionRecord:
    from dataclasses import replace

    return replace(record, **changes)


@without_gc
def insert_interactions(
    uow: UnitOfWork, records: Sequence[InteractionRecord]
) -> list[InteractionRecord]:
    """Append validated records, update rollups, fire ``interactions_logged`` once."""
    return _insert(uow, records, fresh=False)


def _insert(
    uow: UnitOfWork, records: Sequence[InteractionRecord], *, fresh: bool
) -> list[InteractionRecord]:
    """Store ``records``; ``fresh`` ones (built by this call) get their ids in place."""
    require(uow, "interaction", "create")
    if not records:
        return []
    connection = uow.session.connection()
    table = Interaction.__table__  # type: ignore[attr-defined]
    ids = allocate_ids(connection, table, len(records))
    stored = set_ids(records, ids) if fresh else with_ids(records, ids)
    now = uow.now
    # occurred_at is converted once, for the log and for the rollups.
    bind_at = bulk_bind_processor(table.c.occurred_at.type, connection.dialect)
    occurred = (
        [r.occurred_at for r in stored]
        if bind_at is None
        else [bind_at(r.occurred_at) for r in stored]
    )
    BulkInserter(connection, table, INTERACTION_COLUMNS, bound=("occurred_at",)).insert(
        (
            r.id,
            r.customer_id,
            at,
            now,
            r.channel,
            r.kind,
            r.direction,
            r.actor_id,
            r.subject,
            r.revenue,
            r.cost,
            r.currency,
            r.source,
            r.payload,
            r.corrects_id,
        )
        for r, at in zip(stored, occurred, strict=True)
    )
    merge_rollups(uow, stored, bound_times=occurred)
    uow.hook.interactions_logged(uow=uow, interactions=stored)
    return stored


@without_gc
def log_interactions(
    uow: UnitOfWork, rows: Sequence[Mapping[str, Any] | InteractionIn], *, first_row: int = 1
) -> list[InteractionRecord]:
    """Validate and append a batch; any invalid row rejects the whole batch."""
    valid, errors = validate_interactions(uow, rows, first_row=first_row)
    if errors:
        raise BatchValidationError(errors)
    # The records were built by this call and are not shared yet: ids set in place.
    return _insert(uow, [record for _, record in valid], fresh=True)


def log_interaction(uow: UnitOfWork, **fields: Any) -> InteractionRecord:
    """Validate and append one interaction; a bad field raises :class:`ValidationError`."""
    try:
        return log_interactions(uow, [fields])[0]
    except BatchValidationError as exc:
        error = exc.errors[0]
        raise ValidationError(error.field, error.reason) from None


def record_from_row(row: Any) -> InteractionRecord:
    """An :class:`InteractionRecord` from a stored row (an ORM object or a Core row)."""
    return InteractionRecord(
        id=row.id,
        customer_id=row.customer_id,
        occurred_at=row.occurred_at,
        channel=row.channel,
        kind=row.kind,
        direction=row.direction,
        actor_id=row.actor_id,
        subject=row.subject,
        revenue=row.revenue,
        cost=row.cost,
        currency=row.currency,
        source=row.source,
        payload=row.payload,
        corrects_id=row.corrects_id,
    )


def timeline(
    uow: UnitOfWork,
    customer_id: int,
    *,
    limit: int = 50,
    before_id: int | None = None,
    kind_prefix: str | None = None,
) -> list[InteractionRecord]:
    """A customer's interactions, newest first; page with ``before_id`` (keyset)."""
    return recent_interactions(
        uow, customer_id=customer_id, kind_prefix=kind_prefix, before_id=before_id, limit=limit
    )


def recent_interactions(
    uow: UnitOfWork,
    *,
    customer_id: int | None = None,
    kind_prefix: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[InteractionRecord]:
    """The newest interactions the principal may see, of one customer or of all.

    Page on with ``before_id``, the id of the last one of the previous page (keyset:
    ordered by time, then id, so equal times do not repeat or skip rows).
    """
    require(uow, "interaction", "read")
    query = select(Interaction)
    if customer_id is not None:
        query = query.where(Interaction.customer_id == customer_id)
    if kind_prefix:
        query = query.where(col(Interaction.kind).startswith(kind_prefix))
    if before_id is not None:
        anchor = uow.session.get(Interaction, before_id)
        if anchor is not None:
            query = query.where(
                (col(Interaction.occurred_at) < anchor.occurred_at)
                | (
                    (col(Interaction.occurred_at) == anchor.occurred_at)
                    & (col(Interaction.id) < before_id)
                )
            )
    query = query.order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc()).limit(
        limit
    )
    return [record_from_row(row) for row in uow.session.exec(query)]
