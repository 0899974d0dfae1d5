"""Reading customers: by id, by reference, by search, and as listings.

A reference (id, email, phone, ``SOURCE:ID``; see :mod:`guanxi.services.references`)
that matches nothing or several customers is an error that says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, or_
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.access.sensitive import SensitiveFields
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import AmbiguousReferenceError, NotFoundError
from guanxi.models import (
    ContactPoint,
    Customer,
    CustomerRole,
    CustomerTag,
    ExternalIdentity,
    SpecialDate,
)
from guanxi.records import ContactPointRecord, CustomerRecord, IdentityRecord, SpecialDateRecord
from guanxi.services.references import match_references


@dataclass(frozen=True)
class _ChildQuery:
    """Core SELECTs of some columns of a customer's child table: for one customer
    (``:id``) and for several (``:ids``). One customer is the 360 view's case, and an
    expanding IN list is re-rendered on every execution, a tenth of the record's cost."""

    one: Any
    many: Any


def _children(table: Any, *columns: str, order: str | None = None) -> _ChildQuery:
    query = sa.select(table.c.customer_id, *(table.c[name] for name in columns))
    if order:
        query = query.order_by(table.c[order])
    return _ChildQuery(
        one=query.where(table.c.customer_id == bindparam("id")),
        many=query.where(table.c.customer_id.in_(bindparam("ids", expanding=True))),
    )


# Built once: the children of customers already read (and so already allowed) need no
# record policies, and a prepared Core statement costs a fifth of an ORM query.
_ROLES = _children(CustomerRole.__table__, "role")  # type: ignore[attr-defined]
_TAGS = _children(CustomerTag.__table__, "tag")  # type: ignore[attr-defined]
_POINTS = _children(
    ContactPoint.__table__,  # type: ignore[attr-defined]
    "kind", "value", "normalized", "label", "is_primary", order="id",
)
_IDENTITIES = _children(ExternalIdentity.__table__, "source", "external_id")  # type: ignore[attr-defined]
_DATES = _children(SpecialDate.__table__, "label", "date", "note")  # type: ignore[attr-defined]
# An ORM query (record policies attach to it), built once rather than per call.
_CUSTOMER = select(Customer).where(Customer.id == bindparam("id"))


def load_records(uow: UnitOfWork, customers: Sequence[Customer]) -> list[CustomerRecord]:
    """Full records (roles, tags, contact points, identities, dates) for stored rows."""
    ids = [c.id for c in customers]
    if not ids:
        return []
    connection = uow.session.connection()
    params: dict[str, Any] = {"id": ids[0]} if len(ids) == 1 else {"ids": ids}

    def grouped(query: _ChildQuery, make: Callable[..., Any]) -> dict[int, list[Any]]:
        found: dict[int, list[Any]] = {}
        for row in connection.execute(query.one if len(ids) == 1 else query.many, params):
            found.setdefault(row[0], []).append(make(*row[1:]))
        return found

    roles = grouped(_ROLES, str)
    tags = grouped(_TAGS, str)
    points = grouped(_POINTS, ContactPointRecord)
    identities = grouped(_IDENTITIES, IdentityRecord)
    dates = grouped(_DATES, SpecialDateRecord)
    records = []
    protect = SensitiveFields(uow)
    for c in customers:
        assert c.id is not None
        records.append(
            protect(
                CustomerRecord(
                    id=c.id,
                    kind=c.kind,
                    name=c.name,
                    lifecycle_stage=c.lifecycle_stage,
                    roles=tuple(sorted(roles.get(c.id, []))),
                    family_name=c.family_name,
                    given_name=c.given_name,
                    organization_id=c.organization_id,
                    owner_id=c.owner_id,
                    gender=c.gender,
                    birth_date=c.birth_date,
                    occupation=c.occupation,
                    preferred_channel=c.preferred_channel,
                    language=c.language,
                    interests=tuple(c.interests or ()),
                    care_notes=c.care_notes,
                    tags=tuple(sorted(tags.get(c.id, []))),
                    contact_points=tuple(points.get(c.id, [])),
                    identities=tuple(identities.get(c.id, [])),
                    special_dates=tuple(dates.get(c.id, [])),
                    custom=dict(c.custom or {}),
                )
            )
        )
    protect.audit_reads()
    return records


def get_customer(uow: UnitOfWork, customer_id: int) -> CustomerRecord:
    """The full record of one customer; :class:`NotFoundError` if there is none.

    Through an ORM query, so a customer the principal may not see is not found either
    (its existence does not leak).
    """
    require(uow, "customer", "read")
    row = uow.session.exec(_CUSTOMER, params={"id": customer_id}).first()
    if row is None:
        raise NotFoundError(f"no customer with id {customer_id}")
    return load_records(uow, [row])[0]


def matching_ids(uow: UnitOfWork, reference: str, *, source: str | None = None) -> set[int]:
    """Every customer id that ``reference`` could mean (see :mod:`guanxi.services.references`)."""
    return match_references(uow, [reference], source=source)[reference]


def resolve_customer(uow: UnitOfWork, reference: str, *, source: str | None = None) -> int:
    """The one customer id ``reference`` names; an error if it names none or several."""
    ids = matching_ids(uow, reference, source=source)
    label = f"{source}:{reference}" if source else reference
    _say_redirect(uow, ids)
    if not ids:
        raise NotFoundError(f"no customer matches {label!r}")
    if len(ids) > 1:
        listed = ", ".join(str(i) for i in sorted(ids)[:5])
        raise AmbiguousReferenceError(f"{label!r} matches {len(ids)} customers ({listed})")
    return next(iter(ids))


def _say_redirect(uow: UnitOfWork, ids: set[int]) -> None:
    """On the command line, say that a retired id was taken to mean its survivor."""
    import click

    from guanxi.services.references import REDIRECTS

    redirects = uow.session.info.get(REDIRECTS, {})
    for retired, survivor in redirects.items():
        if survivor in ids and click.get_current_context(silent=True) is not None:
            click.echo(f"note: customer {retired} was merged into {survivor}; "
                       f"using {survivor}", err=True)


def find_customers(uow: UnitOfWork, text: str, *, limit: int = 20) -> list[CustomerRecord]:
    """Search by reference (id, email, phone, identity) or by part of the name."""
    require(uow, "customer", "read")
    ids = matching_ids(uow, text)
    query = select(Customer)
    name_match = col(Customer.name).contains(text.strip())
    query = query.where(or_(col(Customer.id).in_(ids), name_match) if ids else name_match)
    rows = list(uow.session.exec(query.order_by(col(Customer.id)).limit(limit)))
    return load_records(uow, rows)


def list_customers(
    uow: UnitOfWork,
    *,
    role: str | None = None,
    stage: str | None = None,
    owner_id: int | None = None,
    tag: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[CustomerRecord]:
    """A page of customers in id order, filtered; page on with ``after_id`` (keyset)."""
    require(uow, "customer", "read")
    query = select(Customer)
    if role is not None:
        query = query.where(
            col(Customer.id).in_(select(CustomerRole.customer_id).where(CustomerRole.role == role))
        )
    if tag is not None:
        query = query.where(
            col(Customer.id).in_(select(CustomerTag.customer_id).where(CustomerTag.tag == tag))
        )
    if stage is not None:
        query = query.where(Customer.lifecycle_stage == stage)
    if owner_id is not None:
        query = query.where(Customer.owner_id == owner_id)
    if after_id is not None:
        query = query.where(col(Customer.id) > after_id)
    rows = list(uow.session.exec(query.order_by(col(Customer.id)).limit(limit)))
    return load_records(uow, rows)


def customer_names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the customers among ``ids`` that the principal may see, by id."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, str] = {}
    for chunk in chunks(wanted):
        query = select(Customer.id, Customer.name).where(col(Customer.id).in_(chunk))
        found.update({cid: name for cid, name in uow.session.exec(query) if cid is not None})
    return found
