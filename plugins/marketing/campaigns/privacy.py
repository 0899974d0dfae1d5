"""The campaigns area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_marketing.campaigns.models import Campaign, CampaignMember


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's campaign memberships, with what they answered."""
    rows = uow.session.exec(
        select(CampaignMember, Campaign.name)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id, isouter=True)
        .where(CampaignMember.customer_id == customer_id).order_by(CampaignMember.id)).all()
    if not rows:
        return {}
    return {"campaign_memberships": [
        {"campaign_id": m.campaign_id, "campaign": name, "status": m.status,
         "added_at": m.added_at, "sent_at": m.sent_at, "responded_at": m.responded_at,
         "converted_at": m.converted_at, "response": m.response} for m, name in rows]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the free-text responses; statuses and dates stay for the campaign figures."""
    table = CampaignMember.__table__  # type: ignore[attr-defined]
    uow.session.connection().execute(
        update(table).where(table.c.customer_id == customer_id).values(response=None))
    uow.session.expire_all()
