"""Creating, changing and finding customers.

Single records and import batches share one path: validate every row (collecting
errors with their row numbers), then insert the valid ones with a few ``executemany``
statements, then fire one ``customers_created`` hook for the batch. The unit of work
makes it all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from sqlmodel import SQLModel, col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.bulk import BulkInserter, allocate_ids, set_ids, with_ids, without_gc
from guanxi.db.chunks import chunks
from guanxi.errors import BatchValidationError, NotFoundError, ValidationError
from guanxi.identity.check_outcome import apply_check, queue_pairs, write_new_keys
from guanxi.identity.keys import identity_context
from guanxi.models import (
    ContactPoint,
    Customer,
    CustomerRole,
    CustomerTag,
    ExternalIdentity,
    SpecialDate,
    Staff,
)
from guanxi.models.customer import ORGANIZATION, PERSON
from guanxi.normalize import normalize_contact
from guanxi.records import ContactPointRecord, CustomerRecord, IdentityRecord, SpecialDateRecord
from guanxi.services.validation import fields_validator, first_error, validate_custom

CONTACT_KINDS = ("email", "phone", "fax", "address", "web", "social")


class ContactIn(BaseModel):
    """A contact point as given: kind, value, optional label, primary flag."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Literal["email", "phone", "fax", "address", "web", "social"]
    value: str = Field(min_length=1)
    label: str | None = None
    primary: bool = False


class IdentityIn(BaseModel):
    """An external identity as given."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    source: str = Field(min_length=1, max_length=80)
    external_id: str = Field(min_length=1, max_length=200)


class SpecialDateIn(BaseModel):
    """A special date as given."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    label: str = Field(min_length=1, max_length=80)
    date: dt.date
    note: str | None = None


class CustomerIn(BaseModel):
    """A customer as given to :func:`add_customers` (from the API, CLI or an import)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Literal["person", "organization"] = PERSON
    name: str = Field(min_length=1, max_length=300)
    family_name: str | None = None
    given_name: str | None = None
    # None: the edition's first role (customer, 患者, 业主), see core.roles.
    roles: list[str] | None = None
    lifecycle_stage: str | None = None
    owner: str | int | None = None
    organization_id: int | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    contact_points: list[ContactIn] = Field(default_factory=list)
    identities: list[IdentityIn] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    gender: str | None = None
    birth_date: dt.date | None = None
    occupation: str | None = None
    preferred_channel: str | None = None
    language: str | None = None
    interests: list[str] = Field(default_factory=list)
    care_notes: str | None = None
    special_dates: list[SpecialDateIn] = Field(default_factory=list)
    custom: dict[str, Any] = Field(default_factory=dict)


_NONE: tuple[Any, ...] = ()


def _contact_points(region: str, given: Mapping[str, Any]) -> tuple[ContactPointRecord, ...]:
    # (field, index, kind, value, label, primary); the field is named only on an error.
    raw: list[tuple[str, int, str, str, str | None, bool]] = [
        (field, i, kind, value, None, False)
        for field, kind in (("emails", "email"), ("phones", "phone"), ("addresses", "address"))
        for i, value in enumerate(given.get(field) or _NONE)
    ]
    given_points: list[ContactIn] = given.get("contact_points") or []
    raw += [
        ("contact_points", i, c.kind, c.value, c.label, c.primary)
        for i, c in enumerate(given_points)
    ]
    points: list[ContactPointRecord] = []
    seen: set[tuple[str, str]] = set()
    kinds: set[str] = set()
    has_primary = {c.kind for c in given_points if c.primary}
    for field, i, kind, value, label, primary in raw:
        try:
            normalized = normalize_contact(kind, value, region)
        except ValueError as exc:
            raise ValidationError(f"{field}.{i}", str(exc)) from None
        if (kind, normalized) in seen:
            continue
        seen.add((kind, normalized))
        # The first of each kind is primary unless the input marked one.
        is_primary = primary or (kind not in has_primary and kind not in kinds)
        kinds.add(kind)
        points.append(ContactPointRecord(kind, value, normalized, label, is_primary))
    return tuple(points)


# CustomerIn's checks without building the model: the given fields, validated.
_validate_fields = fields_validator(CustomerIn)


def validate_customer(uow: UnitOfWork, data: Mapping[str, Any] | CustomerIn) -> CustomerRecord:
    """Validate one customer; raise :class:`ValidationError` naming the field.

    Checks that need the database (owner, organisation, identity uniqueness) are done
    per batch in :func:`validate_customers`.
    """
    settings = uow.app.settings
    try:
        # A model's __dict__ holds every field; a validated mapping only those given,
        # so every absent one is read with CustomerIn's default below.
        given = data.__dict__ if isinstance(data, CustomerIn) else _validate_fields(data)
    except PydanticValidationError as exc:
        raise first_error(exc) from None
    get = given.get
    roles = get("roles")
    if roles is None:
        roles = settings.roles[:1]
    for role in roles:
        if role not in settings.roles:
            raise ValidationError("roles", f"unknown role {role!r}")
    stage = get("lifecycle_stage") or settings.default_stage
    if stage not in settings.lifecycle_stages:
        raise ValidationError("lifecycle_stage", f"unknown lifecycle stage {stage!r}")
    preferred_channel = get("preferred_channel")
    if preferred_channel and preferred_channel not in settings.channels:
        raise ValidationError("preferred_channel", f"unknown channel {preferred_channel!r}")
    kind = get("kind", PERSON)
    organization_id = get("organization_id")
    if kind == ORGANIZATION and organization_id is not None:
        raise ValidationError("organization_id", "an organisation cannot belong to one")
    custom = get("custom")
    custom = validate_custom(uow.app, custom) if custom else {}
    owner = get("owner")
    tags = get("tags")
    identities = get("identities")
    special_dates = get("special_dates")
    return CustomerRecord(
        None,
        kind,
        given["name"],
        stage,
        tuple(dict.fromkeys(roles)),
        get("family_name"),
        get("given_name"),
        organization_id,
        owner if isinstance(owner, int) else None,
        get("gender"),
        get("birth_date"),
        get("occupation"),
        preferred_channel,
        get("language"),
        tuple(get("interests") or _NONE),
        get("care_notes"),
        tuple(dict.fromkeys(t.strip() for t in tags if t.strip())) if tags else _NONE,
        _contact_points(settings.default_region, given),
        tuple(IdentityRecord(i.source, i.external_id) for i in identities) if identities else _NONE,
        tuple(SpecialDateRecord(d.label, d.date, d.note) for d in special_dates)
        if special_dates
        else _NONE,
        custom,
    )


def owner_ids(uow: UnitOfWork, owners: set[str | int]) -> dict[str | int, int]:
    """Map usernames and ids to staff ids (unknown ones are left out)."""
    names = {o for o in owners if isinstance(o, str)}
    ids = {o for o in owners if isinstance(o, int)}
    found: dict[str | int, int] = {}
    if names:
        query = select(Staff.username, Staff.id).where(col(Staff.username).in_(names))
        for username, staff_id in uow.session.exec(query):
            assert staff_id is not None  # a stored row's primary key
            found[username] = staff_id
    if ids:
        query2 = select(Staff.id).where(col(Staff.id).in_(ids))
        for staff_id in uow.session.exec(query2):
            assert staff_id is not None
            found[staff_id] = staff_id
    return found


@without_gc
def validate_customers(
    uow: UnitOfWork,
    rows: Sequence[Mapping[str, Any] | CustomerIn],
    *,
    first_row: int = 1,
    check: bool = True,
    origin: str = "create",
) -> tuple[list[tuple[int, CustomerRecord]], list[ValidationError]]:
    """Validate a batch; return ``(row number, record)`` pairs and the rejected rows.

    Row numbers start at ``first_row``. Besides each row's own checks this resolves
    owners, checks organisations exist and are organisations, and refuses an external
    identity that already belongs to a customer or appears twice in the batch.

    Unless ``check`` is False (or ``[identity] check_on_create`` is off), the valid rows
    are then checked against the stored customers and each other (docs/identity-check.md):
    per ``[identity] on_match`` a matching row is flagged (``duplicate_of``; the pair is
    queued for review at insert with this ``origin``, ``create`` or ``import``), blocked
    (rejected, naming the field that matched), linked (``link_to``: added to that
    customer at insert instead of stored) or allowed.
    """
    require(uow, "customer", "create")
    good: list[tuple[int, CustomerRecord, str | int | None]] = []
    errors: list[ValidationError] = []
    for number, row in enumerate(rows, start=first_row):
        try:
            record = validate_customer(uow, row)
        except ValidationError as exc:
            errors.append(exc.at_row(number))
            continue
        owner = row.owner if isinstance(row, CustomerIn) else row.get("owner")
        good.append((number, record, owner if owner not in ("", None) else None))

    owners = owner_ids(uow, {o for _, _, o in good if o is not None})
    org_ids = {r.organization_id for _, r, _ in good if r.organization_id is not None}
    orgs = set()
    if org_ids:
        query = select(Customer.id).where(
            col(Customer.id).in_(org_ids),
            Customer.kind == ORGANIZATION,
        )
        orgs = set(uow.session.exec(query))
    # One ``source = ? AND external_id IN (…)`` per source and chunk: it seeks the
    # unique index, where a row-value IN over (source, external_id) scans the table.
    by_source: dict[str, set[str]] = {}
    for _, r, _ in good:
        for i in r.identities:
            by_source.setdefault(i.source, set()).add(i.external_id)
    identities = ExternalIdentity.__table__.c  # type: ignore[attr-defined]
    connection = uow.session.connection()
    taken = set()
    for source, external_ids in by_source.items():
        wanted = list(external_ids)
        for chunk in chunks(wanted):
            query3 = select(identities.source, identities.external_id).where(
                identities.source == source, identities.external_id.in_(chunk)
            )
            taken |= {(s, e) for s, e in connection.execute(query3)}

    valid: list[tuple[int, CustomerRecord]] = []
    in_batch: set[tuple[str, str]] = set()
    for number, record, owner in good:
        try:
            if owner is not None and owner not in owners:
                raise ValidationError("owner", f"no staff user {owner!r}")
            if record.organization_id is not None and record.organization_id not in orgs:
                raise ValidationError(
                    "organization_id", f"no organisation with id {record.organization_id}"
                )
            for identity in record.identities:
                key = (identity.source, identity.external_id)
                if key in taken or key in in_batch:
                    raise ValidationError(
                        "identities",
                        f"{identity.source}:{identity.external_id} already belongs to a customer",
                    )
                in_batch.add(key)
        except ValidationError as exc:
            errors.append(exc.at_row(number))
            continue
        if owner is not None:
            record = _replace(record, owner_id=owners[owner])
        valid.append((number, record))
    if check:
        valid, refused = apply_check(uow, valid, origin)
        errors = sorted([*errors, *refused], key=lambda e: e.row or 0)
    return valid, errors


def _replace(record: CustomerRecord, **changes: Any) -> CustomerRecord:
    from dataclasses import replace

    return replace(record, **changes)


@without_gc
def insert_customers(uow: UnitOfWork, records: Sequence[CustomerRecord]) -> list[CustomerRecord]:
    """Store validated records in a few ``executemany`` statements; fire the batch hook."""
    return _insert(uow, records, fresh=False)


def _insert(
    uow: UnitOfWork, records: Sequence[CustomerRecord], *, fresh: bool
) -> list[CustomerRecord]:
    """Store ``records``; ``fresh`` ones (built by this call) get their ids in place.

    Records with ``link_to`` are not stored but added to that customer (an update);
    the result holds them with that customer's id, in the order given.
    """
    require(uow, "customer", "create")
    if not records:
        return []
    given = records
    records = [r for r in given if r.link_to is None]
    stored = _store(uow, records, fresh=fresh) if records else []
    linked = [r for r in given if r.link_to is not None]
    if linked:
        # Imported here: linking updates customers, and the updates import this module.
        from guanxi.identity.check_link import link_records

        link_records(uow, linked)
    new_ids = iter(stored)
    result = [_replace(r, id=r.link_to) if r.link_to is not None else next(new_ids) for r in given]
    queue_pairs(uow, given, [r.id for r in result])  # type: ignore[misc]
    return result


def _store(
    uow: UnitOfWork, records: Sequence[CustomerRecord], *, fresh: bool
) -> list[CustomerRecord]:
    """Insert new customers, their children and match keys; fire the batch hook."""
    connection = uow.session.connection()
    ids = allocate_ids(connection, Customer.__table__, len(records))  # type: ignore[attr-defined]
    now = uow.now
    stored = set_ids(records, ids) if fresh else with_ids(records, ids)
    BulkInserter(connection, Customer.__table__, CUSTOMER_COLUMNS).insert(  # type: ignore[attr-defined]
        (
            r.id,
            r.kind,
            r.name,
            r.family_name,
            r.given_name,
            r.organization_id,
            r.lifecycle_stage,
            r.owner_id,
            r.gender,
            r.birth_date,
            r.occupation,
            r.preferred_channel,
            r.language,
            list(r.interests),
            r.care_notes,
            r.custom,
            now,
            now,
        )
        for r in stored
    )
    insert_children(connection, stored)
    write_new_keys(uow, records, stored, identity_context(uow))
    uow.hook.customers_created(uow=uow, customers=stored)
    return stored


CUSTOMER_COLUMNS = (
    "id",
    "kind",
    "name",
    "family_name",
    "given_name",
    "organization_id",
    "lifecycle_stage",
    "owner_id",
    "gender",
    "birth_date",
    "occupation",
    "preferred_channel",
    "language",
    "interests",
    "care_notes",
    "custom",
    "created_at",
    "updated_at",
)


_CHILD_COLUMNS: dict[type[SQLModel], tuple[str, ...]] = {
    CustomerRole: ("customer_id", "role"),
    CustomerTag: ("customer_id", "tag"),
    ContactPoint: ("customer_id", "kind", "value", "normalized", "label", "is_primary"),
    ExternalIdentity: ("customer_id", "source", "external_id"),
    SpecialDate: ("customer_id", "label", "date", "month_day", "note"),
}


def insert_children(
    connection: Any, stored: Sequence[CustomerRecord], *, only: Sequence[type] | None = None
) -> None:
    """Insert the child rows (roles, tags, contact points, …) of stored records."""
    rows: dict[type[SQLModel], list[tuple[Any, ...]]] = {model: [] for model in _CHILD_COLUMNS}
    roles, tags, points = rows[CustomerRole], rows[CustomerTag], rows[ContactPoint]
    identities, dates = rows[ExternalIdentity], rows[SpecialDate]
    # One pass over the records; most have no tags or special dates.
    for record in stored:
        rid = record.id
        for role in record.roles:
            roles.append((rid, role))
        if record.tags:
            tags.extend((rid, tag) for tag in record.tags)
        for p in record.contact_points:
            points.append((rid, p.kind, p.value, p.normalized, p.label, p.is_primary))
        for i in record.identities:
            identities.append((rid, i.source, i.external_id))
        if record.special_dates:
            dates.extend(
                (rid, d.label, d.date, d.date.strftime("%m-%d"), d.note)
                for d in record.special_dates
            )
    for model, columns in _CHILD_COLUMNS.items():
        if only is not None and model not in only:
            continue
        if rows[model]:
            BulkInserter(connection, model.__table__, columns).insert(rows[model])  # type: ignore[attr-defined]


@without_gc
def add_customers(
    uow: UnitOfWork,
    rows: Sequence[Mapping[str, Any] | CustomerIn],
    *,
    first_row: int = 1,
    check: bool = True,
) -> list[CustomerRecord]:
    """Validate and store a batch; any invalid row rejects the whole batch.

    Raises :class:`BatchValidationError` listing every bad row; nothing is written then.
    (Imports that store the good rows and report the bad use :func:`validate_customers`
    and :func:`insert_customers` directly.) ``check`` is the duplicate check of
    :func:`validate_customers`; a linked row comes back with the id of the customer it
    was added to and ``link_to`` set, a flagged one with ``duplicate_of``.
    """
    valid, errors = validate_customers(uow, rows, first_row=first_row, check=check)
    if errors:
        raise BatchValidationError(errors)
    # The records were built by this call and are not shared yet: ids set in place.
    return _insert(uow, [record for _, record in valid], fresh=True)


def add_customer(uow: UnitOfWork, *, check: bool = True, **fields: Any) -> CustomerRecord:
    """Validate and store one customer; a bad field raises :class:`ValidationError`."""
    try:
        return add_customers(uow, [fields], check=check)[0]
    except BatchValidationError as exc:
        error = exc.errors[0]
        raise ValidationError(error.field, error.reason) from None


def require_customer(uow: UnitOfWork, customer_id: int) -> Customer:
    """Return the customer row (if the principal may see it) or raise :class:`NotFoundError`."""
    customer = uow.session.exec(select(Customer).where(Customer.id == customer_id)).first()
    if customer is None:
        raise NotFoundError(f"no customer with id {customer_id}")
    return customer
