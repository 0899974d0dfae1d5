"""Linking a new record into the existing customer it matched, instead of storing it.

What the new record knows is added to the customer and nothing the customer already
has is overwritten: its identities, contact points, tags, roles and special dates are
added (without repeats), and only the customer's empty fields are filled. It is an
ordinary update (:func:`~guanxi.services.updates.update_customer`): validated as a
whole, audited, reported to the ``customers_updated`` hook, keys refreshed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guanxi.records import CustomerRecord
from guanxi.services.lookup import get_customer
from guanxi.services.updates import as_input, update_customer

#: Fields filled from the new record when the customer has no value (never overwritten).
FILLED_FIELDS = ("family_name", "given_name", "gender", "birth_date", "occupation",
                 "preferred_channel", "language", "care_notes", "organization_id")


def link_changes(current: CustomerRecord, new: CustomerRecord) -> dict[str, Any]:
    """The update that adds what ``new`` knows to ``current`` (empty when nothing)."""
    before = as_input(current)
    changes: dict[str, Any] = {f: getattr(new, f) for f in FILLED_FIELDS
                               if getattr(current, f) in (None, "") and getattr(new, f)}
    if current.owner_id is None and new.owner_id is not None:
        changes["owner"] = new.owner_id
    if not current.interests and new.interests:
        changes["interests"] = list(new.interests)
    custom = {k: v for k, v in new.custom.items() if current.custom.get(k) in (None, "")}
    if custom:
        changes["custom"] = custom
    known_points = {(p.kind, p.normalized) for p in current.contact_points}
    points = [{"kind": p.kind, "value": p.value, "label": p.label, "primary": False}
              for p in new.contact_points if (p.kind, p.normalized) not in known_points]
    if points:
        changes["contact_points"] = before["contact_points"] + points
    known_ids = {(i.source, i.external_id) for i in current.identities}
    identities = [{"source": i.source, "external_id": i.external_id}
                  for i in new.identities if (i.source, i.external_id) not in known_ids]
    if identities:
        changes["add_identities"] = identities
    tags = [t for t in new.tags if t not in current.tags]
    if tags:
        changes["add_tags"] = tags
    roles = [r for r in new.roles if r not in current.roles]
    if roles:
        changes["roles"] = [*current.roles, *roles]
    known_dates = {(d.label, d.date) for d in current.special_dates}
    dates = [{"label": d.label, "date": d.date, "note": d.note}
             for d in new.special_dates if (d.label, d.date) not in known_dates]
    if dates:
        changes["special_dates"] = before["special_dates"] + dates
    return changes


def link_records(uow: Any, records: Sequence[CustomerRecord]) -> None:
    """Add each record (``link_to`` set) to the customer it links to, in order."""
    for record in records:
        assert record.link_to is not None
        changes = link_changes(get_customer(uow, record.link_to), record)
        if changes:
            update_customer(uow, record.link_to, changes)
