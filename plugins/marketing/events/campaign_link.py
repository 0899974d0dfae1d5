"""How event registrations and telemarketing calls move campaign members forward.

Through the campaigns area's contract only (``add_members``, ``mark_sent``,
``advance_member``), so member statuses and their logging stay that area's business.
"""

from __future__ import annotations

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi_marketing.campaigns.models import MEMBER_STATUSES, CampaignMember
from guanxi_marketing.campaigns.service import add_members, advance_member, mark_sent


def touch_member(
    uow: UnitOfWork, campaign_id: int, customer_id: int, status: str, *,
    response: str | None = None,
) -> None:
    """Make the customer a member of the campaign and bring him at least to ``status``.

    ``sent`` is recorded without a log entry of its own (the call or registration that
    reached the customer is logged by this area); ``responded`` and ``converted`` are
    logged by the campaigns area. A member already further along stays where he is.
    """
    add_members(uow, campaign_id, [customer_id])
    if status == "targeted":
        return
    member = uow.session.exec(select(CampaignMember).where(
        CampaignMember.campaign_id == campaign_id,
        CampaignMember.customer_id == customer_id)).scalars().one()
    if MEMBER_STATUSES.index(member.status) >= MEMBER_STATUSES.index(status):
        return
    if status == "sent":
        mark_sent(uow, [member.id])
    else:
        advance_member(uow, campaign_id, customer_id, status, response=response)
