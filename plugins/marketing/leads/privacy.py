"""The leads of a customer in the personal-data export, and their erasure.

A lead concerns a customer once it was converted to him (``customer_id``) or matched
his email or phone when captured (``matched_customer_id``); erasure also finds the leads
that carry his email or phone without being linked. Erasure clears the lead's
name, contact details and free texts; its source, status, score and value stay, so the
funnel and conversion figures do not change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update

from guanxi.app import UnitOfWork
from guanxi.models import ContactPoint
from guanxi.privacy import ERASED_NAME
from guanxi_marketing.leads.models import Lead
from guanxi_marketing.leads.service import leads_of_customer

EXPORTED = (
    "id", "name", "company", "email", "phone", "source", "campaign_id", "interest",
    "estimated_value", "currency", "notes", "status", "disqualified_reason", "score", "grade",
    "score_components", "touches", "customer_id", "matched_customer_id", "conversion",
    "created_at", "converted_at",
)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The leads converted to or matched with the customer, every stored field."""
    leads = leads_of_customer(uow, customer_id)
    if not leads:
        return {}
    return {"leads": [{field: _plain(getattr(lead, field)) for field in EXPORTED}
                      for lead in leads]}


def _plain(value: Any) -> Any:
    """Amounts as text and times in ISO format, so the export is plain JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the name, contact details, notes and touches of the customer's leads: those
    converted to or matched with him, and any other lead with his email or phone (the
    core calls this before it deletes his contact points)."""
    table = Lead.__table__  # type: ignore[attr-defined]
    points = ContactPoint.__table__  # type: ignore[attr-defined]
    his = select(points.c.normalized).where(points.c.customer_id == customer_id)
    uow.session.connection().execute(
        update(table)
        .where(or_(table.c.customer_id == customer_id,
                   table.c.matched_customer_id == customer_id,
                   table.c.email.in_(his.where(points.c.kind == "email")),
                   table.c.phone.in_(his.where(points.c.kind == "phone"))))
        .values(name=ERASED_NAME, company=None, email=None, phone=None, interest=None,
                notes=None, touches=[], updated_at=uow.now)
    )
    uow.session.expire_all()
