"""Changing a customer: every change goes through the same validation as creation.

The stored record is turned back into input form, the changes are applied to it, and
the result is validated as a whole, so an update can never store what a create would
refuse. Only the fields that actually changed are written and reported to the
``customers_updated`` hook (with their before and after values).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.identity.keys import refresh_keys
from guanxi.models import (
    ContactPoint,
    Customer,
    CustomerRole,
    CustomerTag,
    ExternalIdentity,
    SpecialDate,
)
from guanxi.models.customer import ORGANIZATION
from guanxi.records import CustomerChange, CustomerRecord
from guanxi.services.customers import (
    CUSTOMER_COLUMNS,
    CustomerIn,
    insert_children,
    owner_ids,
    validate_customer,
)
from guanxi.services.lookup import get_customer

# Columns of the customer table that an update may change (children are handled apart).
SCALAR_FIELDS = tuple(c for c in CUSTOMER_COLUMNS if c not in ("id", "created_at", "updated_at"))
CHILD_FIELDS = ("roles", "tags", "contact_points", "identities", "special_dates")
LIST_ADDITIONS = {"add_emails": "email", "add_phones": "phone", "add_addresses": "address"}


def as_input(record: CustomerRecord) -> dict[str, Any]:
    """A stored record in the input form :class:`CustomerIn` accepts."""
    return {
        "kind": record.kind,
        "name": record.name,
        "family_name": record.family_name,
        "given_name": record.given_name,
        "roles": list(record.roles),
        "lifecycle_stage": record.lifecycle_stage,
        "owner": record.owner_id,
        "organization_id": record.organization_id,
        "contact_points": [
            {"kind": p.kind, "value": p.value, "label": p.label, "primary": p.is_primary}
            for p in record.contact_points
        ],
        "identities": [
            {"source": i.source, "external_id": i.external_id} for i in record.identities
        ],
        "tags": list(record.tags),
        "gender": record.gender,
        "birth_date": record.birth_date,
        "occupation": record.occupation,
        "preferred_channel": record.preferred_channel,
        "language": record.language,
        "interests": list(record.interests),
        "care_notes": record.care_notes,
        "special_dates": [
            {"label": d.label, "date": d.date, "note": d.note} for d in record.special_dates
        ],
        "custom": dict(record.custom),
    }


def _apply(current: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in changes.items():
        if key == "custom":
            custom = dict(merged["custom"])
            for name, field_value in (value or {}).items():
                if field_value is None:
                    custom.pop(name, None)  # None clears a custom field
                else:
                    custom[name] = field_value
            merged["custom"] = custom
        elif key in LIST_ADDITIONS:
            merged["contact_points"] = merged["contact_points"] + [
                {"kind": LIST_ADDITIONS[key], "value": v} for v in value
            ]
        elif key == "add_tags":
            merged["tags"] = merged["tags"] + list(value)
        elif key == "remove_tags":
            merged["tags"] = [t for t in merged["tags"] if t not in set(value)]
        elif key == "add_identities":
            merged["identities"] = merged["identities"] + list(value)
        elif key in CustomerIn.model_fields:
            merged[key] = value
        else:
            raise ValidationError(key, "unknown field")
    return merged


def _check_references(
    uow: UnitOfWork, customer_id: int, after: CustomerRecord, owner: Any
) -> CustomerRecord:
    if owner is not None:
        found = owner_ids(uow, {owner})
        if owner not in found:
            raise ValidationError("owner", f"no staff user {owner!r}")
        after = dataclasses.replace(after, owner_id=found[owner])
    else:
        after = dataclasses.replace(after, owner_id=None)
    if after.organization_id is not None:
        if after.organization_id == customer_id:
            raise ValidationError("organization_id", "a customer cannot belong to itself")
        org = uow.session.get(Customer, after.organization_id)
        if org is None or org.kind != ORGANIZATION:
            raise ValidationError(
                "organization_id", f"no organisation with id {after.organization_id}"
            )
    for identity in after.identities:
        query = select(ExternalIdentity.customer_id).where(
            ExternalIdentity.source == identity.source,
            ExternalIdentity.external_id == identity.external_id,
            ExternalIdentity.customer_id != customer_id,
        )
        if uow.session.exec(query).first() is not None:
            raise ValidationError(
                "identities",
                f"{identity.source}:{identity.external_id} already belongs to a customer",
            )
    return after


def _comparable(record: CustomerRecord, name: str) -> Any:
    value = getattr(record, name)
    if name == "contact_points":
        return [(p.kind, p.normalized, p.label, p.is_primary) for p in value]
    if name in ("roles", "tags"):
        return sorted(value)
    if isinstance(value, tuple):
        return [
            dataclasses.asdict(v) if dataclasses.is_dataclass(v) and not isinstance(v, type) else v
            for v in value
        ]
    return value


def update_customer(
    uow: UnitOfWork, customer_id: int, changes: Mapping[str, Any]
) -> CustomerChange:
    """Apply ``changes`` to a customer; return (and report to hooks) what changed.

    ``changes`` uses the field names of :class:`CustomerIn` (a list replaces the
    stored list), plus ``custom`` (merged; ``None`` clears a field), ``add_tags``,
    ``remove_tags``, ``add_emails``, ``add_phones``, ``add_addresses`` and
    ``add_identities``. A bad value raises :class:`ValidationError`; nothing is written.
    """
    require(uow, "customer", "update")
    before = get_customer(uow, customer_id)
    merged = _apply(as_input(before), changes)
    after = validate_customer(uow, merged)
    after = _check_references(
        uow, customer_id, dataclasses.replace(after, id=customer_id), merged["owner"]
    )
    changed = [
        n for n in SCALAR_FIELDS + CHILD_FIELDS if _comparable(before, n) != _comparable(after, n)
    ]
    change = CustomerChange(
        customer_id,
        before={n: _comparable(before, n) for n in changed},
        after={n: _comparable(after, n) for n in changed},
    )
    if not changed:
        return change
    connection = uow.session.connection()
    values = {n: getattr(after, n) for n in changed if n in SCALAR_FIELDS}
    if "interests" in values:
        values["interests"] = list(values["interests"])
    values["updated_at"] = uow.now
    table = Customer.__table__  # type: ignore[attr-defined]
    connection.execute(update(table).where(table.c.id == customer_id).values(**values))
    children = {
        "roles": CustomerRole,
        "tags": CustomerTag,
        "contact_points": ContactPoint,
        "identities": ExternalIdentity,
        "special_dates": SpecialDate,
    }
    replaced = [children[n] for n in changed if n in children]
    for model in replaced:
        child = model.__table__  # type: ignore[attr-defined]
        connection.execute(delete(child).where(child.c.customer_id == customer_id))
    insert_children(connection, [after], only=replaced)
    refresh_keys(uow, [customer_id])
    uow.session.expire_all()
    uow.hook.customers_updated(uow=uow, changes=[change])
    return change
