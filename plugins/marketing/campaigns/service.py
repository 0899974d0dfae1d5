"""Campaigns (营销活动): create, list, move through their statuses, record their costs.

A campaign has a type (:data:`CAMPAIGN_TYPES`), a budget, an owner, dates, an optional
target segment and an optional parent (a focused follow-up of a first mass campaign).
Its status moves along :data:`TRANSITIONS`; its ``actual_cost`` is the sum of its cost
entries. The member functions (``add_members``, ``advance_member``, ``mark_sent`` …) live
in :mod:`guanxi_marketing.campaigns.members` and are re-exported here, so the other areas
find the whole contract in this one module.

Every function checks the acting principal's permission and reads through the ORM, so
record policies apply: a campaign is visible to its owner (and to unrestricted roles).
Bad input raises :class:`~guanxi.errors.ValidationError` naming the field before
anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice, parse_date, parse_money
from guanxi.services.staff import get_staff, usernames
from guanxi_marketing.campaigns.common import CAMPAIGN, COST, campaign_field, get_campaign
from guanxi_marketing.campaigns.members import (
    add_members,
    advance_member,
    list_members,
    mark_sent,
    record_sent,
    target_parent_members,
    target_segment,
)
from guanxi_marketing.campaigns.models import (
    CAMPAIGN_STATUSES,
    CAMPAIGN_TYPES,
    Campaign,
    CampaignCost,
    CampaignMember,
)

__all__ = [
    "add_cost",
    "add_members",
    "advance_member",
    "campaign_detail",
    "create_campaign",
    "get_campaign",
    "list_campaigns",
    "list_costs",
    "list_members",
    "mark_sent",
    "record_sent",
    "set_status",
    "target_parent_members",
    "target_segment",
]

# Which status a campaign may move to from each status; completed and cancelled are final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("planned", "running", "cancelled"),
    "planned": ("draft", "running", "cancelled"),
    "running": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}
MAX_NAME = 200


def _owner_id(uow: UnitOfWork, owner: str | int | None) -> int | None:
    if owner is None:
        return uow.actor_id
    try:
        staff = get_staff(uow, owner)
    except NotFoundError as exc:
        raise ValidationError("owner", str(exc)) from None
    if not staff.is_active:
        raise ValidationError("owner", f"staff user {staff.username!r} is not active")
    return staff.id


def _segment_id(uow: UnitOfWork, segment: int | str | None) -> int | None:
    if segment is None:
        return None
    from guanxi_marketing.segments.service import get_segment

    try:
        return get_segment(uow, segment).id
    except NotFoundError as exc:
        raise ValidationError("segment", str(exc)) from None


def create_campaign(
    uow: UnitOfWork,
    *,
    name: str,
    type: str,
    segment: int | str | None = None,
    budget: Decimal | int | str = 0,
    currency: str | None = None,
    starts_on: dt.date | str | None = None,
    ends_on: dt.date | str | None = None,
    template: str | None = None,
    subject: str | None = None,
    parent: int | str | None = None,
    owner: str | int | None = None,
    description: str | None = None,
    settings: dict[str, Any] | None = None,
) -> Campaign:
    """Create a campaign in status ``draft``.

    ``parent`` (id or name) makes it a follow-up of that campaign: fill it with the
    parent's responders or non-responders through :func:`target_parent_members`. The
    owner defaults to the acting user; ``segment`` (id or name) is its target segment.
    """
    require(uow, CAMPAIGN, "create")
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError("name", f"is required (at most {MAX_NAME} characters)")
    kind = parse_choice(type, CAMPAIGN_TYPES, "type")
    money = parse_money(budget, "budget")
    start, end = parse_date(starts_on, "starts_on"), parse_date(ends_on, "ends_on")
    if start and end and end < start:
        raise ValidationError("ends_on", f"{end} is before the start {start}")
    code = (currency or uow.app.settings.currency).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError("currency", f"not a currency code: {currency!r}")
    if template is not None and len(template) > 200:
        raise ValidationError("template", "at most 200 characters")
    if settings is not None and not isinstance(settings, dict):
        raise ValidationError("settings", "must be a table of options")
    parent_id = campaign_field(uow, parent, "parent").id if parent is not None else None
    campaign = Campaign(
        name=name, type=kind, parent_id=parent_id, segment_id=_segment_id(uow, segment),
        budget=money, currency=code, starts_on=start, ends_on=end, template=template or None,
        subject=subject or None, description=description or None, settings=settings or {},
        owner_id=_owner_id(uow, owner), created_at=uow.now, updated_at=uow.now,
    )
    uow.session.add(campaign)
    uow.session.flush()
    return campaign


def set_status(uow: UnitOfWork, ref: int | str, status: str) -> Campaign:
    """Move a campaign to ``status`` if :data:`TRANSITIONS` allows it."""
    require(uow, CAMPAIGN, "update")
    campaign = get_campaign(uow, ref)
    wanted = parse_choice(status, CAMPAIGN_STATUSES, "status")
    if wanted not in TRANSITIONS[campaign.status]:
        allowed = ", ".join(TRANSITIONS[campaign.status]) or "nothing (it is final)"
        raise ValidationError(
            "status", f"campaign {campaign.id} is {campaign.status}: it may become {allowed}")
    campaign.status, campaign.updated_at = wanted, uow.now
    uow.session.flush()
    return campaign


def add_cost(
    uow: UnitOfWork, ref: int | str, amount: Decimal | int | str, *,
    incurred_on: dt.date | str | None = None, note: str | None = None,
) -> CampaignCost:
    """Record a cost of a campaign (default date: today); ``actual_cost`` becomes the sum."""
    require(uow, COST, "create")
    require(uow, CAMPAIGN, "update")
    campaign = get_campaign(uow, ref)
    money = parse_money(amount, "amount")
    if money == 0:
        raise ValidationError("amount", "must be more than zero")
    day = parse_date(incurred_on, "incurred_on") or uow.today()
    entry = CampaignCost(campaign_id=campaign.id, incurred_on=day, amount=money,
                         note=(note or "").strip() or None, recorded_by_id=uow.actor_id,
                         recorded_at=uow.now)
    uow.session.add(entry)
    uow.session.flush()
    # Summed in SQL (exact integer hundredths); the sum keeps the Money type.
    total = uow.session.exec(select(func.sum(CampaignCost.amount)).where(
        CampaignCost.campaign_id == campaign.id)).scalar_one()
    campaign.actual_cost = total
    campaign.updated_at = uow.now
    uow.session.flush()
    return entry


def list_costs(uow: UnitOfWork, ref: int | str) -> list[CampaignCost]:
    """The cost entries of a campaign, by date."""
    require(uow, COST, "read")
    campaign = get_campaign(uow, ref)
    return list(uow.session.exec(select(CampaignCost).where(
        CampaignCost.campaign_id == campaign.id).order_by(
        CampaignCost.incurred_on, CampaignCost.id)).scalars())


@dataclass(frozen=True)
class CampaignRow:
    """A campaign as listed: with its owner's username and member counts by status."""

    id: int
    name: str
    type: str
    status: str
    parent_id: int | None
    segment_id: int | None
    budget: Decimal
    actual_cost: Decimal
    currency: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    owner: str | None
    members: int
    sent: int
    responded: int
    converted: int


def _member_counts(uow: UnitOfWork, ids: list[int]) -> dict[int, dict[str, int]]:
    if not ids:
        return {}
    query = (select(CampaignMember.campaign_id, CampaignMember.status, func.count())
             .where(CampaignMember.campaign_id.in_(ids))
             .group_by(CampaignMember.campaign_id, CampaignMember.status))
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for campaign_id, status, n in uow.session.exec(query):
        counts[campaign_id][status] = int(n)
    return counts


def campaign_rows(uow: UnitOfWork, campaigns: list[Campaign]) -> list[CampaignRow]:
    """Listing rows for stored campaigns (members the principal may see are counted)."""
    counts = _member_counts(uow, [c.id for c in campaigns if c.id is not None])
    owners = usernames(uow, [c.owner_id for c in campaigns])
    rows = []
    for c in campaigns:
        n = counts.get(c.id, {})
        # A member who responded was reached too: each count includes the later statuses.
        converted = n.get("converted", 0)
        responded = converted + n.get("responded", 0)
        rows.append(CampaignRow(
            id=c.id, name=c.name, type=c.type, status=c.status, parent_id=c.parent_id,
            segment_id=c.segment_id, budget=c.budget, actual_cost=c.actual_cost,
            currency=c.currency, starts_on=c.starts_on, ends_on=c.ends_on,
            owner=owners.get(c.owner_id) if c.owner_id else None,
            members=sum(n.values()), sent=responded + n.get("sent", 0), responded=responded,
            converted=converted))
    return rows


def list_campaigns(
    uow: UnitOfWork, *, status: str | None = None, type: str | None = None,
    owner: str | int | None = None, limit: int = 100, after_id: int | None = None,
) -> list[CampaignRow]:
    """Campaigns the principal may see, in id order; page on with ``after_id``."""
    require(uow, CAMPAIGN, "read")
    query = select(Campaign)
    if status is not None:
        query = query.where(Campaign.status == parse_choice(status, CAMPAIGN_STATUSES, "status"))
    if type is not None:
        query = query.where(Campaign.type == parse_choice(type, CAMPAIGN_TYPES, "type"))
    if owner is not None:
        query = query.where(Campaign.owner_id == _owner_id(uow, owner))
    if after_id is not None:
        query = query.where(Campaign.id > after_id)
    campaigns = list(uow.session.exec(query.order_by(Campaign.id).limit(limit)).scalars())
    return campaign_rows(uow, campaigns)


@dataclass
class CampaignDetail:
    """One campaign with its description, template, costs and follow-ups."""

    campaign: CampaignRow
    description: str | None
    template: str | None
    subject: str | None
    settings: dict[str, Any]
    costs: list[dict[str, Any]]
    follow_ups: list[int]


def campaign_detail(uow: UnitOfWork, ref: int | str) -> CampaignDetail:
    """Everything about one campaign (for ``marketing campaigns show``)."""
    campaign = get_campaign(uow, ref)
    costs = [{"id": c.id, "incurred_on": c.incurred_on, "amount": c.amount, "note": c.note}
             for c in list_costs(uow, campaign.id)]
    children = uow.session.exec(select(Campaign.id).where(
        Campaign.parent_id == campaign.id).order_by(Campaign.id)).scalars().all()
    return CampaignDetail(
        campaign=campaign_rows(uow, [campaign])[0], description=campaign.description,
        template=campaign.template, subject=campaign.subject, settings=dict(campaign.settings),
        costs=costs, follow_ups=list(children))
