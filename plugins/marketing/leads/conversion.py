"""Converting a qualified lead to a customer, and telling other plugins about it.

The customer is an existing one (named, or the one whose email or phone the lead
shares) or a new person (with an organisation when the lead names a company) made
through the core's customer service. Then the ``marketing_lead_converted`` hook runs in
the same transaction (the sales plugin opens an opportunity there, without marketing
importing it); what the implementations return is stored on the lead as ``conversion``,
and ``marketing.lead_converted`` is logged on the customer with the lead's history.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer
from guanxi.models.customer import ORGANIZATION, PERSON
from guanxi.services.customers import add_customer, require_customer
from guanxi.services.interactions import log_interaction
from guanxi_marketing.leads.common import (
    get_lead,
    lead_fields,
    lead_settings,
    require_open,
    require_workable,
)
from guanxi_marketing.leads.models import Lead
from guanxi_marketing.leads.service import customer_match


def _visible(uow: UnitOfWork, customer_id: int, why: str) -> int:
    try:
        return require_customer(uow, customer_id).id  # type: ignore[return-value]
    except NotFoundError:
        raise ValidationError("customer_id", f"no customer with id {customer_id}{why}") from None


def _organization(uow: UnitOfWork, lead: Lead, role: str) -> int:
    """The organisation named like the lead's company, or a new one."""
    query = select(Customer.id).where(Customer.kind == ORGANIZATION, Customer.name == lead.company)
    found = uow.session.exec(query.order_by(Customer.id).limit(1)).scalar()
    if found is not None:
        return found
    record = add_customer(uow, kind=ORGANIZATION, name=lead.company, owner=lead.owner_id,
                          roles=[role])
    return record.id  # type: ignore[return-value]


def _new_person(uow: UnitOfWork, lead: Lead) -> tuple[int, int | None]:
    role = lead_settings(uow.app).customer_role
    organization_id = _organization(uow, lead, role) if lead.company else None
    record = add_customer(
        uow, kind=PERSON, name=lead.name, owner=lead.owner_id, roles=[role],
        organization_id=organization_id, emails=[lead.email] if lead.email else [],
        phones=[lead.phone] if lead.phone else [],
    )
    return record.id, organization_id  # type: ignore[return-value]


def _target(uow: UnitOfWork, lead: Lead, customer_id: int | None) -> int | None:
    """The existing customer the lead becomes, if any."""
    if customer_id is not None:
        return _visible(uow, customer_id, "")
    matched = lead.matched_customer_id
    if matched is None:
        found = customer_match(uow, lead.email, lead.phone)
        matched = found[0] if found else None
    if matched is None:
        return None
    return _visible(uow, matched, " that you may see (the lead's email or phone is theirs)")


def _history(lead: Lead) -> dict[str, Any]:
    times = sorted(t["at"] for t in lead.touches)
    return {"touches": len(times), "first_touch": times[0] if times else None,
            "last_touch": times[-1] if times else None}


def _plain(value: Any) -> Any:
    """What a hook returned, as JSON values (amounts and dates become text)."""
    return json.loads(json.dumps(value, default=str))


def convert_lead(uow: UnitOfWork, lead_id: int, *, customer_id: int | None = None) -> Lead:
    """Convert a qualified lead to a customer (``customer_id``, the matching one, or new).

    Only its owner or an assigner may. Calls ``marketing_lead_converted`` and stores
    what came back on the lead (``conversion``); logs ``marketing.lead_converted``.
    """
    lead = get_lead(uow, lead_id, for_update=True)
    require_open(lead)
    require_workable(uow, lead)
    if lead.status != "qualified":
        raise ValidationError("status", f"lead {lead.id} is {lead.status}: qualify it first")
    if lead.owner_id is None:  # the customer and what other plugins open need an owner
        raise ValidationError("owner", f"lead {lead.id} has no owner: assign it first")
    existing = _target(uow, lead, customer_id)
    organization_id = None
    if existing is None:
        target, organization_id = _new_person(uow, lead)
    else:
        target = existing
    lead.status, lead.customer_id = "converted", target
    lead.converted_at = lead.updated_at = uow.now
    uow.session.flush()
    results = [
        _plain(r) for r in uow.hook.marketing_lead_converted(
            uow=uow, lead=lead_fields(lead), customer_id=target)
        if r is not None
    ]
    lead.conversion = {"customer_id": target, "created_customer": existing is None,
                       "organization_id": organization_id, "results": results}
    uow.session.flush()
    log_interaction(
        uow, customer_id=target, kind="marketing.lead_converted", direction="internal",
        actor=uow.actor_id, source=lead.source,
        subject=f"lead {lead.id} converted ({lead.source}, score {lead.score})",
        payload={"lead_id": lead.id, "source": lead.source, "campaign_id": lead.campaign_id,
                 "score": lead.score, "grade": lead.grade,
                 "captured_at": lead.created_at.isoformat(), **_history(lead),
                 "created_customer": existing is None,
                 "results": [r for r in results if isinstance(r, dict)]},
    )
    return lead
