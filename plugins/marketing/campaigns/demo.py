"""The campaigns area's part of the demo data (``guanxi init --demo``).

Four campaigns over the demo's people, dated before the demo's "today": an SMS greeting
and an email launch (completed), a customer-appreciation event (completed, the dearest)
and a telemarketing follow-up of the email's non-responders (running). Members are sent,
some respond and a few convert with a purchase; each campaign has cost entries. With the
purchases of the core demo (and the sales plugin's orders) ROI and attribution have
something to show. Everything is drawn from the given ``rng`` only.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff
from guanxi.records import CustomerRecord
from guanxi.services.interactions import log_interactions
from guanxi_marketing.campaigns.service import (
    add_cost,
    add_members,
    advance_member,
    create_campaign,
    list_members,
    record_sent,
    set_status,
    target_parent_members,
)

RESPONSES = ("想了解价格", "请寄资料", "下个月再联系", "已转告家人", "对新品感兴趣", "请电话联系")


@dataclass(frozen=True)
class DemoCampaign:
    """One demo campaign: what it is, when it ran (days before today) and how it did."""

    name: str
    type: str
    budget: str
    costs: tuple[tuple[str, str], ...]  # (amount, note)
    days_ago: int
    size: int
    response_rate: float
    conversion_rate: float  # of the responders
    final_status: str


SPRING = DemoCampaign("春节问候短信", "sms", "3000", (("1200.00", "短信费"), ("300.00", "文案")),
                      270, 120, 0.15, 0.3, "completed")
LAUNCH = DemoCampaign("夏季新品邮件", "email", "5000", (("800.00", "设计"), ("1500.00", "投放")),
                      150, 100, 0.2, 0.35, "completed")
GALA = DemoCampaign("客户答谢会", "event", "20000", (("9000.00", "场地"), ("3500.00", "礼品")),
                    60, 30, 0.6, 0.4, "completed")
CALLS = DemoCampaign("夏季新品 电话跟进", "telemarketing", "4000", (("1800.00", "外呼"),),
                     120, 0, 0.25, 0.3, "running")


def _moment(uow: UnitOfWork, days_ago: float) -> dt.datetime:
    return uow.now - dt.timedelta(days=days_ago)


def _run(uow: UnitOfWork, rng: random.Random, spec: DemoCampaign, campaign_id: int,
         member_ids: list[int]) -> None:
    """Send to every member, then let some respond and some of those convert (and buy)."""
    record_sent(uow, campaign_id, at=_moment(uow, spec.days_ago))
    purchases = []
    for customer_id in member_ids:
        if rng.random() >= spec.response_rate:
            continue
        answered = spec.days_ago - rng.uniform(0.5, 5)
        advance_member(uow, campaign_id, customer_id, "responded",
                       response=rng.choice(RESPONSES), at=_moment(uow, answered))
        if rng.random() < spec.conversion_rate:
            bought = answered - rng.uniform(1, 10)
            advance_member(uow, campaign_id, customer_id, "converted", at=_moment(uow, bought))
            purchases.append({
                "customer_id": customer_id, "kind": "core.purchase", "channel": "web",
                "occurred_at": _moment(uow, bought), "subject": spec.name[:500],
                "revenue": Decimal(rng.choice(("199.00", "599.00", "1999.00", "2598.00"))),
                "payload": {"order_ref": f"MK-{campaign_id}-{customer_id}"}})
    if purchases:
        log_interactions(uow, purchases)
    for amount, note in spec.costs:
        add_cost(uow, campaign_id, amount, note=note,
                 incurred_on=uow.today() - dt.timedelta(days=spec.days_ago + 3))


def _create(uow: UnitOfWork, spec: DemoCampaign, owner: str, **extra: object) -> int:
    start = uow.today() - dt.timedelta(days=spec.days_ago)
    campaign = create_campaign(uow, name=spec.name, type=spec.type, budget=spec.budget,
                               owner=owner, starts_on=start,
                               ends_on=start + dt.timedelta(days=30), **extra)
    return campaign.id


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Create the four demo campaigns with their members, responses and costs."""
    people = [c.id for c in customers if c.kind == "person" and c.id is not None]
    staff = uow.session.exec(select(Staff.username).order_by(Staff.id)).scalars().all()
    if len(people) < 10 or not staff:
        return  # an edition with a tiny demo: nothing meaningful to show
    launch: tuple[int, str] | None = None
    for spec in (SPRING, LAUNCH, GALA):
        owner = rng.choice(staff)
        campaign_id = _create(uow, spec, owner)
        members = sorted(rng.sample(people, min(spec.size, len(people) // 2)))
        add_members(uow, campaign_id, members)
        _run(uow, rng, spec, campaign_id, members)
        set_status(uow, campaign_id, spec.final_status)
        if spec is LAUNCH:
            launch = (campaign_id, owner)
    assert launch is not None
    # Two-phase campaigning: the launch's non-responders get a call from its owner.
    follow_id = _create(uow, CALLS, launch[1], parent=launch[0])
    target_parent_members(uow, follow_id, responded=False)
    silent = [m.customer_id for m in list_members(uow, follow_id, limit=len(people))]
    _run(uow, rng, CALLS, follow_id, silent)
