"""Streaming exports of the customer and interaction listings.

Pages of ``PAGE`` records are read through the same services as ``customer list`` and
``interaction list`` (record policies apply, sensitive fields come masked), each in its
own short transaction, so an export of a million customers holds one page at a time.

A customer's CSV row has the import's default columns, so an exported file imports
back unchanged: lists (emails, phones, tags …) split by ";", one identity column per
source (``identity.SOURCE``), one per custom field. The ``id`` column is for reference
(the import ignores it). Labels of contact points, special dates and more than one
address are in the JSON and vCard exports only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App
from guanxi.importing.mapping import CUSTOMER_SCALARS, INTERACTION_SCALARS
from guanxi.models import Customer, ExternalIdentity
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.services.staff import usernames

PAGE = 500
_SCALARS = tuple(name for name in CUSTOMER_SCALARS if name != "name")
# The import's columns, with the id for reference: an exported file imports back.
INTERACTION_COLUMNS = ("id", "customer", *INTERACTION_SCALARS, "payload")


def customer_pages(
    app: App, *, as_user: str | None, filters: dict[str, Any]
) -> Iterator[tuple[list[CustomerRecord], dict[int, Any]]]:
    """Pages of customers in id order, each with ``{id: (updated_at, owner, org name)}``."""
    from guanxi.services.lookup import list_customers

    after: int | None = None
    while True:
        with app.transaction(as_user=as_user) as uow:
            require(uow, "customer", "export")
            page = list_customers(uow, after_id=after, limit=PAGE, **filters)
            if not page:
                return
            extra = _customer_extras(uow, page)
        yield page, extra
        after = page[-1].id


def _customer_extras(uow: Any, page: list[CustomerRecord]) -> dict[int, Any]:
    connection = uow.session.connection()
    customers = Customer.__table__  # type: ignore[attr-defined]
    ids = [r.id for r in page]
    updated = dict(
        connection.execute(
            select(customers.c.id, customers.c.updated_at).where(customers.c.id.in_(ids))
        ).all()
    )
    names = usernames(uow, (r.owner_id for r in page))
    org_ids = {r.organization_id for r in page if r.organization_id is not None}
    orgs = (
        dict(
            connection.execute(
                select(customers.c.id, customers.c.name).where(customers.c.id.in_(org_ids))
            ).all()
        )
        if org_ids
        else {}
    )
    return {
        r.id: (updated.get(r.id), r.owner_id and names.get(r.owner_id), orgs.get(r.organization_id))
        for r in page
        if r.id is not None
    }


def customer_columns(app: App, *, as_user: str | None) -> list[str]:
    """The CSV columns: id, the import's default columns, identities by source, custom."""
    with app.transaction(as_user=as_user) as uow:
        identities = ExternalIdentity.__table__  # type: ignore[attr-defined]
        query = select(identities.c.source).distinct()
        sources = sorted(uow.session.connection().execute(query).scalars())
    custom = sorted(app.registry.custom_fields)
    return [
        "id", "name", *_SCALARS, "roles", "tags", "interests", "email", "phone", "address",
        *(f"identity.{s}" for s in sources), *custom,
    ]  # fmt: skip


def customer_row(record: CustomerRecord, extra: Any) -> dict[str, Any]:
    """A customer as ``{column: value}`` of the CSV export (lists joined by ";")."""
    _, owner, _ = extra
    points = sorted(record.contact_points, key=lambda p: not p.is_primary)
    row: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        **{name: getattr(record, name, None) for name in _SCALARS if name != "owner"},
        "owner": owner,
        "roles": ";".join(record.roles),
        "tags": ";".join(record.tags),
        "interests": ";".join(record.interests),
        "email": ";".join(p.normalized for p in points if p.kind == "email"),
        "phone": ";".join(p.normalized for p in points if p.kind == "phone"),
        "address": next((p.value for p in points if p.kind == "address"), None),
    }
    for identity in record.identities:
        row[f"identity.{identity.source}"] = identity.external_id
    row.update(record.custom)
    return row


def interaction_pages(
    app: App, *, as_user: str | None, customer: str | None, kind_prefix: str | None
) -> Iterator[tuple[list[InteractionRecord], dict[int, str]]]:
    """Pages of interactions, newest first, each with the actors' usernames."""
    from guanxi.services.interactions import recent_interactions
    from guanxi.services.lookup import resolve_customer

    before: int | None = None
    while True:
        with app.transaction(as_user=as_user) as uow:
            require(uow, "interaction", "export")
            customer_id = resolve_customer(uow, customer) if customer else None
            page = recent_interactions(
                uow, customer_id=customer_id, kind_prefix=kind_prefix, before_id=before, limit=PAGE
            )
            if not page:
                return
            names = usernames(uow, (i.actor_id for i in page))
        yield page, names
        before = page[-1].id


def interaction_row(record: InteractionRecord, actors: dict[int, str]) -> dict[str, Any]:
    """An interaction as ``{column: value}`` of the CSV export (the import's columns)."""
    return {
        "id": record.id,
        "customer": record.customer_id,
        "kind": record.kind,
        "channel": record.channel,
        "direction": record.direction,
        "occurred_at": record.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor": actors.get(record.actor_id) if record.actor_id is not None else None,
        "subject": record.subject,
        "revenue": record.revenue,
        "cost": record.cost,
        "currency": record.currency,
        "source": record.source,
        "payload": record.payload or None,
    }
