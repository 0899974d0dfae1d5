"""Success/failure study (成功/失败研究, REQUIREMENTS §3.1): which members converted and
which did not, grouped by campaign, campaign type, target segment or customer attribute.

One grouped SQL query over members, their campaigns and customers; record policies
apply to all three (a member counts when the principal sees its customer and campaign).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.inputs import parse_choice
from guanxi.models import Customer
from guanxi_marketing.campaigns.common import CAMPAIGN, MEMBER, get_campaign
from guanxi_marketing.campaigns.models import Campaign, CampaignMember
from guanxi_marketing.segments.models import Segment

# Dimension → the column grouped by.
DIMENSIONS: dict[str, Any] = {
    "campaign": Campaign.id,
    "type": Campaign.type,
    "segment": Campaign.segment_id,
    "lifecycle_stage": Customer.lifecycle_stage,
    "customer_kind": Customer.kind,
}


@dataclass(frozen=True)
class StudyRow:
    """Members of one group: how many were reached, responded, converted, did not."""

    key: Any
    label: str
    members: int
    reached: int
    responded: int
    converted: int
    not_converted: int
    conversion_rate: float | None


def _labels(uow: UnitOfWork, by: str, keys: list[Any]) -> dict[Any, str]:
    if by == "campaign":
        return dict(uow.session.exec(select(Campaign.id, Campaign.name).where(
            Campaign.id.in_(keys))).all())
    if by == "segment":
        names = dict(uow.session.exec(select(Segment.id, Segment.name).where(
            Segment.id.in_([k for k in keys if k is not None]))).all())
        return {k: names.get(k, f"#{k}") if k is not None else "(no segment)" for k in keys}
    return {k: str(k) for k in keys}


def campaign_study(
    uow: UnitOfWork, *, by: str = "campaign", campaign: int | str | None = None,
) -> list[StudyRow]:
    """Converted versus not converted members, grouped ``by`` one of :data:`DIMENSIONS`;
    ``campaign`` limits the study to one campaign (e.g. by lifecycle stage)."""
    require(uow, CAMPAIGN, "read")
    require(uow, MEMBER, "read")
    dimension = DIMENSIONS[parse_choice(by, tuple(DIMENSIONS), "by")]
    status = CampaignMember.status

    def counting(*statuses: str) -> Any:
        return func.sum(case((status.in_(statuses), 1), else_=0))

    query = (select(dimension, func.count(), counting("sent", "responded", "converted"),
                    counting("responded", "converted"), counting("converted"))
             .select_from(CampaignMember)
             .join(Campaign, Campaign.id == CampaignMember.campaign_id)
             .join(Customer, Customer.id == CampaignMember.customer_id)
             .group_by(dimension))
    if campaign is not None:
        query = query.where(CampaignMember.campaign_id == get_campaign(uow, campaign).id)
    rows = uow.session.exec(query).all()
    labels = _labels(uow, by, [r[0] for r in rows])
    result = []
    for key, members, reached, responded, converted in rows:
        members, reached, converted = int(members), int(reached or 0), int(converted or 0)
        result.append(StudyRow(
            key=key, label=labels.get(key, str(key)), members=members, reached=reached,
            responded=int(responded or 0), converted=converted,
            not_converted=members - converted,
            conversion_rate=round(converted / reached, 4) if reached else None))
    return sorted(result, key=lambda r: (-r.converted, r.label))
