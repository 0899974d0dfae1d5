"""A campaign's audience in bulk: members, their customer records, consent and owners.

Sending renders one message per member, so what the templates need is read for a whole
chunk of members at once with a handful of Core queries (customers, tags, contact
points, special dates, consent, owners) instead of ORM objects: building ORM instances
cost more than rendering the message itself (about 0.2 ms per member).

Core queries are not filtered by record policies, so visibility is applied explicitly:
members whose customer the principal may not see are left out (as the ORM would), and
every record goes through :class:`~guanxi.access.sensitive.SensitiveFields`, which masks
or audits sensitive fields exactly as :func:`guanxi.services.lookup.load_records` does.
Roles and external identities are not loaded: no template variable uses them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import filter_visible
from guanxi.access.sensitive import SensitiveFields
from guanxi.app import UnitOfWork
from guanxi.models import ContactPoint, Customer, CustomerTag, SpecialDate, Staff
from guanxi.privacy import consents
from guanxi.records import ContactPointRecord, CustomerRecord, SpecialDateRecord
from guanxi_marketing.campaigns.models import CampaignMember

CHUNK = 900  # ids per IN (…): under SQLite's old limit of 999 parameters
MEMBERS = CampaignMember.__table__  # type: ignore[attr-defined]
CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
TAGS = CustomerTag.__table__  # type: ignore[attr-defined]
POINTS = ContactPoint.__table__  # type: ignore[attr-defined]
DATES = SpecialDate.__table__  # type: ignore[attr-defined]
STAFF = Staff.__table__  # type: ignore[attr-defined]
# The customer columns a record is made of (created_at and the like are not needed).
RECORD_COLUMNS = (
    "id", "kind", "name", "lifecycle_stage", "family_name", "given_name", "organization_id",
    "owner_id", "gender", "birth_date", "occupation", "preferred_channel", "language",
    "interests", "care_notes", "custom",
)


@dataclass(frozen=True, slots=True)
class Member:
    """One targeted member: its row id and customer."""

    id: int
    customer_id: int


@dataclass
class Audience:
    """One chunk of members with what rendering and the skip decisions need."""

    members: list[Member]
    records: dict[int, CustomerRecord]  # by customer id; erased customers are absent
    agreed: dict[int, bool]  # consent for the channel, by customer id
    owners: dict[int, dict[str, Any]]  # the ``owner`` template variable, by staff id


def targeted_members(uow: UnitOfWork, campaign_id: int) -> list[Member]:
    """The campaign's members still ``targeted`` whose customer the principal sees, by id."""
    query = (
        select(MEMBERS.c.id, MEMBERS.c.customer_id)
        .where(MEMBERS.c.campaign_id == campaign_id, MEMBERS.c.status == "targeted")
        .order_by(MEMBERS.c.id)
    )
    members = [Member(i, c) for i, c in uow.session.connection().execute(query)]
    visible = filter_visible(uow, {m.customer_id for m in members})
    return [m for m in members if m.customer_id in visible]


def owner_contexts(uow: UnitOfWork, owner_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The ``owner`` variable for each owner id (the customer's account manager)."""
    if not owner_ids:
        return {}
    query = select(STAFF.c.id, STAFF.c.display_name, STAFF.c.username, STAFF.c.email,
                   STAFF.c.phone).where(STAFF.c.id.in_(sorted(owner_ids)))
    return {
        staff_id: {"name": name, "username": username, "email": email, "phone": phone}
        for staff_id, name, username, email, phone in uow.session.connection().execute(query)
    }


def _grouped(uow: UnitOfWork, query: Any) -> dict[int, list[Any]]:
    """Rows of ``query`` (customer id first) grouped by customer id."""
    grouped: dict[int, list[Any]] = {}
    for customer_id, *rest in uow.session.connection().execute(query):
        grouped.setdefault(customer_id, []).append(rest)
    return grouped


def customer_records(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, CustomerRecord]:
    """The records of ``customer_ids`` (at most :data:`CHUNK`) that are not erased."""
    columns = [CUSTOMERS.c[name] for name in RECORD_COLUMNS]
    rows = uow.session.connection().execute(
        select(*columns).where(CUSTOMERS.c.id.in_(customer_ids), CUSTOMERS.c.erased_at.is_(None))
    ).all()
    ids = [row.id for row in rows]
    tags = _grouped(uow, select(TAGS.c.customer_id, TAGS.c.tag).where(TAGS.c.customer_id.in_(ids)))
    points = _grouped(uow, select(
        POINTS.c.customer_id, POINTS.c.kind, POINTS.c.value, POINTS.c.normalized, POINTS.c.label,
        POINTS.c.is_primary).where(POINTS.c.customer_id.in_(ids)).order_by(POINTS.c.id))
    dates = _grouped(uow, select(DATES.c.customer_id, DATES.c.label, DATES.c.date, DATES.c.note)
                     .where(DATES.c.customer_id.in_(ids)))
    protect = SensitiveFields(uow)
    records: dict[int, CustomerRecord] = {}
    for row in rows:
        values = dict(zip(RECORD_COLUMNS, row, strict=True))
        values["interests"] = tuple(values["interests"] or ())
        values["custom"] = dict(values["custom"] or {})
        records[row.id] = protect(CustomerRecord(
            **values,
            tags=tuple(sorted(tag for (tag,) in tags.get(row.id, ()))),
            contact_points=tuple(ContactPointRecord(*p) for p in points.get(row.id, ())),
            special_dates=tuple(SpecialDateRecord(*d) for d in dates.get(row.id, ())),
        ))
    protect.audit_reads()
    return records


def audience_chunks(uow: UnitOfWork, members: Sequence[Member], *, purpose: str,
                    channel: str) -> Iterator[Audience]:
    """``members`` in chunks of :data:`CHUNK`, each with records, consent and owners."""
    for start in range(0, len(members), CHUNK):
        chunk = list(members[start : start + CHUNK])
        records = customer_records(uow, [m.customer_id for m in chunk])
        agreed = consents(uow, sorted(records), purpose=purpose, channel=channel)
        owners = owner_contexts(uow, {r.owner_id for r in records.values() if r.owner_id})
        yield Audience(chunk, records, agreed, owners)
