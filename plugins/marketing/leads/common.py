"""What every module of the leads area needs: the settings, finding a lead, who may work it.

Reads go through ORM queries on ``uow.session``, so the core's record policies decide
what the principal sees: a lead is visible to its owner and to whoever sees the customer
it was converted to (unrestricted roles see every lead). An invisible lead is not found.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import Staff
from guanxi_marketing.leads.models import OPEN_STATUSES, Lead
from guanxi_marketing.leads.settings import LeadSettings

ENTITY = "marketing.lead"


def lead_settings(app: App) -> LeadSettings:
    """The resolved ``[marketing.leads]`` settings."""
    return app.settings_for("marketing").leads


def get_lead(uow: UnitOfWork, lead_id: int, *, for_update: bool = False) -> Lead:
    """A lead the principal may see; :class:`NotFoundError` otherwise.

    ``for_update`` locks the row until the transaction ends (PostgreSQL; SQLite runs one
    writer at a time anyway), so two concurrent changes of one lead run in turn.
    """
    require(uow, ENTITY, "update" if for_update else "read")
    query = select(Lead).where(Lead.id == lead_id)
    if for_update:
        # populate_existing: what another writer committed before the lock, not a copy
        # this session loaded earlier.
        query = query.with_for_update().execution_options(populate_existing=True)
    lead = uow.session.exec(query).scalars().first()
    if lead is None:
        raise NotFoundError(f"no lead with id {lead_id}")
    return lead


def is_assigner(uow: UnitOfWork) -> bool:
    """Whether the principal may hand leads to owners (the system, or an assigner role)."""
    if uow.principal.is_system:
        return True
    return bool(set(uow.principal.roles) & set(lead_settings(uow.app).assigners))


def require_assigner(uow: UnitOfWork) -> None:
    """Refuse with :class:`AccessDenied` unless the principal may assign leads."""
    if not is_assigner(uow):
        roles = ", ".join(lead_settings(uow.app).assigners)
        raise AccessDenied(
            f"{uow.principal.username} may not assign leads (only roles {roles} may)",
            entity=ENTITY,
        )


def require_workable(uow: UnitOfWork, lead: Lead) -> None:
    """Only the lead's owner (or an assigner) may work it: nobody takes another's lead."""
    if is_assigner(uow) or lead.owner_id == uow.actor_id:
        return
    owner = username(uow, lead.owner_id) or "nobody"
    raise AccessDenied(
        f"lead {lead.id} belongs to {owner}; {uow.principal.username} may not work it",
        entity=ENTITY,
    )


def require_open(lead: Lead) -> None:
    """Refuse a change of a converted or disqualified lead."""
    if lead.status not in OPEN_STATUSES:
        raise ValidationError("status", f"lead {lead.id} is {lead.status} and cannot change")




def username(uow: UnitOfWork, staff_id: int | None) -> str | None:
    """A staff user's username (None for None)."""
    if staff_id is None:
        return None
    return uow.session.exec(select(Staff.username).where(Staff.id == staff_id)).scalar()


def lead_fields(lead: Lead) -> dict[str, Any]:
    """The lead as plain values (what the ``marketing_lead_converted`` hook receives)."""
    return {
        "id": lead.id, "name": lead.name, "company": lead.company, "email": lead.email,
        "phone": lead.phone, "source": lead.source, "campaign_id": lead.campaign_id,
        "interest": lead.interest, "estimated_value": lead.estimated_value,
        "currency": lead.currency, "notes": lead.notes, "status": lead.status,
        "owner_id": lead.owner_id, "score": lead.score, "grade": lead.grade,
        "matched_customer_id": lead.matched_customer_id,
    }
