"""The leads area's part of the demo data: ~40 leads from several sources, scored, some
converted (with an opportunity each when the sales plugin is on), some disqualified.

Deterministic: every choice comes from the given ``rng``, every time from ``uow.now``.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff
from guanxi.records import CustomerRecord
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.leads.conversion import convert_lead
from guanxi_marketing.leads.models import Lead
from guanxi_marketing.leads.scoring import score_leads
from guanxi_marketing.leads.service import capture, disqualify_lead, qualify_lead, touch

LEADS = 40
FAMILY = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平"]
COMPANIES = ["恒通机械有限公司", "华兴贸易公司", "金桥科技", "东方医疗器械", "蓝海教育", None, None]
INTERESTS = ["挖掘机 excavator", "年度体检套餐", "CRM 软件", "配件采购", "培训课程", "售后服务合同"]
SOURCES = ["form", "event", "csv", "referral", "web", "campaign", "phone"]
ENGAGEMENT = ["marketing.email_opened", "marketing.email_clicked", "marketing.event_attended"]


def _person(rng: random.Random, number: int) -> tuple[str, str, str]:
    name = rng.choice(FAMILY) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
    email = f"lead{number:03d}@example.cn"
    phone = f"+86139{rng.randrange(10_000_000, 99_999_999)}"
    return name, email, phone


def _age(uow: UnitOfWork, lead: Lead, rng: random.Random) -> None:
    """Move the lead's capture back in time and give it some engagement since."""
    days = rng.randrange(1, 150)
    lead.created_at = lead.updated_at = uow.now - dt.timedelta(days=days)
    touches = [touch("marketing.lead_captured", lead.created_at, lead.source)]
    for _ in range(rng.randrange(0, 5)):
        at = uow.now - dt.timedelta(days=rng.randrange(0, days + 1), hours=rng.randrange(24))
        touches.append(touch(rng.choice(ENGAGEMENT), at, "demo"))
    lead.touches = sorted(touches, key=lambda t: t["at"])


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Capture the demo leads, age and score them, then work some of them."""
    staff = list(uow.session.exec(
        select(Staff.id).where(Staff.is_active.is_(True)).order_by(Staff.id)).scalars())
    campaigns = list(uow.session.exec(select(Campaign.id).order_by(Campaign.id)).scalars())
    people = [c for c in customers if c.kind == "person" and c.primary_email]
    leads: list[Lead] = []
    for number in range(1, LEADS + 1):
        name, email, phone = _person(rng, number)
        if people and rng.random() < 0.1:  # an existing customer comes in again
            email = rng.choice(people).primary_email or email
        source = rng.choice(SOURCES)
        result = capture(
            uow, name=name, source=source, company=rng.choice(COMPANIES), email=email,
            phone=phone if rng.random() < 0.7 else None, interest=rng.choice(INTERESTS),
            campaign_id=rng.choice(campaigns) if campaigns and source == "campaign" else None,
            estimated_value=rng.choice([0, 5000, 20000, 80000, 150000, 300000]),
            owner=rng.choice(staff) if staff else None,
        )
        if result.outcome == "created":
            _age(uow, result.lead, rng)
            leads.append(result.lead)
    score_leads(uow, leads)
    for lead in leads:
        roll = rng.random()
        assert lead.id is not None
        if roll < 0.35:
            qualify_lead(uow, lead.id)
            if roll < 0.2:
                convert_lead(uow, lead.id)
        elif roll < 0.5:
            disqualify_lead(uow, lead.id, rng.choice(["no budget", "no need", "unreachable"]))
