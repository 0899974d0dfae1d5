"""The construction edition's demo data: what words alone cannot make a builder's CRM.

It runs before the general plugins' demo parts (a plugin's hook runs before those of the
plugins it requires), on the core's staff, organisations and people:

* staff get their department's role (the core's demo grants generic ones);
* every organisation becomes an owner (业主) with its type, main project type, region,
  contract size, qualification requirements, grade and payment credit;
* projects with realistic contract values go through the project pipeline on a
  believable timetable (tender weeks, construction months), logging tender notices and
  site inspections; the handed-over ones become assets through the edition's glue, so
  their warranties and return visits are the service plugin's own;
* core customers (核心客户) get a contact period, and three segments name the edition's
  customer classes.

Deterministic: every choice comes from ``rng`` and every time from the demo's ``now``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.demo import CITIES
from guanxi.records import CustomerRecord
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import grant_role, revoke_role, roles_of, team_members
from guanxi.services.updates import update_customer
from guanxi_editions.construction.owner_stages import sync_owner_stages
from guanxi_marketing.segments.service import create_segment
from guanxi_sales.accounts import set_core_customer
from guanxi_sales.opportunities import create_opportunity, lose_opportunity, move_opportunity

# Department (team) → the role of its members and of its lead.
DEPARTMENT_ROLES = {
    "市场经营部": ("business_developer", "department_head"),
    "工程管理部": ("project_manager", "department_head"),
    "客户管理部": ("customer_manager", "customer_manager"),
    "质量安全部": ("quality_safety", "department_head"),
}
# Words in an owner's name → (owner type, main project type).
OWNER_KINDS = [
    ("水务", "国有企业", "水利"),
    ("交投", "国有企业", "公路"),
    ("城投", "政府机关", "市政"),
    ("新区建设", "政府机关", "市政"),
    ("置业", "开发商", "房建"),
    ("开发", "开发商", "房建"),
    ("房地产", "开发商", "房建"),
    ("制造", "工厂企业", "房建"),
    ("产业园", "事业单位", "房建"),
]
PROJECT_WORDS = {
    "房建": ["住宅小区", "办公楼", "标准厂房", "学校教学楼", "医院门诊楼", "安置房"],
    "市政": ["道路改造", "雨污分流管网", "综合管廊", "跨河桥梁", "老旧小区改造"],
    "公路": ["国道改建", "县乡公路提升", "高速公路连接线", "公路大修"],
    "水利": ["河道整治", "水库除险加固", "灌区节水改造", "泵站改造"],
}
QUALIFICATIONS = {
    "房建": "建筑工程施工总承包一级",
    "市政": "市政公用工程施工总承包一级",
    "公路": "公路工程施工总承包二级",
    "水利": "水利水电工程施工总承包二级",
}
PLATFORMS = ["省公共资源交易中心", "市公共资源交易中心", "中国招标投标公共服务平台", "业主邀请招标"]
INSPECTION_AREAS = ["quality", "safety", "safety", "schedule"]
SEGMENTS = {
    "核心客户 (core owners)": (
        'custom.customer_grade = "核心客户"',
        "owners managed with a fixed owner and contact period (S002:53)",
    ),
    "政府及国企业主 (public owners)": (
        'custom.owner_type in ["政府机关", "国有企业", "事业单位"]',
        "public owners: tenders on the public resource trading platforms",
    ),
    "近一年签约业主 (signed this year)": (
        'had "construction.contract_signed" within 365 days',
        "owners who signed a contract in the last twelve months",
    ),
}
DAY = dt.timedelta(days=1)


@dataclass
class Owner:
    """An organisation as an owner: what its projects are like."""

    record: CustomerRecord
    project_type: str
    region: str


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Departments' roles, owner profiles, projects with their history, core customers."""
    _department_roles(uow)
    owners = _owner_profiles(uow, rng, [c for c in customers if c.kind == "organization"])
    end = uow.now
    rows: list[dict[str, Any]] = []
    try:
        for number, owner in enumerate(o for o in owners for _ in range(rng.choice((0, 1, 1, 2)))):
            _project(uow, rng, owner, number + 1, end, rows)
    finally:
        uow.now = end
    log_interactions(uow, rows)
    sync_owner_stages(uow)
    for name, (expression, description) in SEGMENTS.items():
        create_segment(uow, name=name, expression=expression, description=description)


def _department_roles(uow: UnitOfWork) -> None:
    """Replace the generic demo roles by the department's (the administrator stays)."""
    for team, (member_role, lead_role) in DEPARTMENT_ROLES.items():
        for staff, lead in team_members(uow, team):
            held = roles_of(uow, staff.id)
            if "admin" in held:
                continue
            for role in held:
                revoke_role(uow, staff=staff.id, role=role)
            grant_role(uow, staff=staff.id, role=lead_role if lead else member_role)


def _owner_profiles(
    uow: UnitOfWork, rng: random.Random, organizations: list[CustomerRecord]
) -> list[Owner]:
    owners = []
    for org in organizations:
        owner_type, project_type = next(
            ((kind, ptype) for word, kind, ptype in OWNER_KINDS if word in org.name),
            ("其他", rng.choice(list(PROJECT_WORDS))),
        )
        region = next((city for city in CITIES if org.name.startswith(city)), "江苏")
        roll = rng.random()
        grade = "核心客户" if roll < 0.12 else "重点客户" if roll < 0.4 else "一般客户"
        update_customer(
            uow,
            org.id,
            {
                "custom": {
                    "owner_type": owner_type,
                    "project_type": project_type,
                    "region": region,
                    "contract_value": str(rng.randrange(800, 60000) * 10000),
                    "qualification": [QUALIFICATIONS[project_type]],
                    "customer_grade": grade,
                    "payment_credit": rng.choices("ABCD", weights=(45, 35, 15, 5))[0],
                }
            },
        )
        if grade == "核心客户" and org.owner_id is not None:
            set_core_customer(uow, org.id, period_days=rng.choice((14, 30, 30, 60)))
        owners.append(Owner(org, project_type, region))
    return owners


def _timetable(rng: random.Random, start: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """When a project reaches each stage; a lost bid ends with ``lost``."""
    steps = [(start, "potential")]
    at = start
    for stage, low, high in (("tender", 15, 60), ("bidding", 10, 40)):
        at += rng.randrange(low, high) * DAY
        steps.append((at, stage))
    roll = rng.random()
    if roll < 0.4:
        return [*steps, (at + rng.randrange(7, 30) * DAY, "lost")]
    for stage, low, high in (
        ("awarded", 7, 30),
        ("construction", 10, 40),
        ("completion", 150, 540),
        ("acceptance", 15, 60),
        ("handover", 7, 30),
        ("warranty", 0, 5),
    ):
        at += rng.randrange(low, high) * DAY + rng.randrange(8 * 60) * dt.timedelta(minutes=1)
        steps.append((at, stage))
    return steps


def _project(
    uow: UnitOfWork,
    rng: random.Random,
    owner: Owner,
    number: int,
    end: dt.datetime,
    rows: list[dict[str, Any]],
) -> None:
    """One project: opened, moved on its timetable until the demo's today, logged."""
    start = end - rng.randrange(40, 1300) * DAY
    steps = [(at, stage) for at, stage in _timetable(rng, start) if at <= end]
    word = rng.choice(PROJECT_WORDS[owner.project_type])
    name = f"{owner.region}{word}{rng.choice(['', '一期', '二期', '三期'])}工程"
    amount = Decimal(rng.randrange(800, 60000) * 10000)
    customer_id = owner.record.id
    assert customer_id is not None
    uow.now = steps[0][0]
    close = (steps[0][0] + rng.randrange(90, 400) * DAY).astimezone(uow.app.tz).date()
    opp = create_opportunity(
        uow,
        customer_id=customer_id,
        name=name,
        amount=amount,
        expected_close=max(close, end.astimezone(uow.app.tz).date()),
        source=rng.choice(["招标公告", "老客户", "邀请招标", "介绍"]),
    )
    for at, stage in steps[1:]:
        uow.now = at
        if stage == "lost":
            reason = rng.choice(["未中标-价格", "未中标-技术标", "资质不符", "主动放弃"])
            lose_opportunity(uow, opp.id, reason)
            continue
        move_opportunity(uow, opp.id, stage)
        if stage == "tender":
            rows.append(_tender_notice(rng, owner, opp.id, name, amount, at))
    reached = dict((stage, at) for at, stage in steps)
    if "construction" in reached:
        finish = reached.get("completion", end)
        rows.extend(_inspections(rng, customer_id, opp.id, reached["construction"], finish))


def _tender_notice(
    rng: random.Random,
    owner: Owner,
    opportunity_id: int,
    name: str,
    amount: Decimal,
    at: dt.datetime,
) -> dict[str, Any]:
    return {
        "customer_id": owner.record.id,
        "kind": "construction.tender_notice",
        "direction": "inbound",
        "occurred_at": at,
        "subject": f"招标公告 {name}",
        "payload": {
            "tender_no": f"ZB-{at.year}-{opportunity_id:04d}",
            "project": name,
            "project_type": owner.project_type,
            "budget": str(amount * Decimal("1.05")),
            "deadline": (at + rng.randrange(20, 35) * DAY).date().isoformat(),
            "platform": rng.choice(PLATFORMS),
            "qualification": [QUALIFICATIONS[owner.project_type]],
            "opportunity_id": opportunity_id,
        },
    }


def _inspections(
    rng: random.Random,
    customer_id: int,
    opportunity_id: int,
    start: dt.datetime,
    finish: dt.datetime,
) -> list[dict[str, Any]]:
    """Monthly-ish quality and safety inspections while the project is being built."""
    rows = []
    at = start + rng.randrange(10, 30) * DAY
    while at < finish:
        result = rng.choices(["pass", "rectify", "stop_work"], weights=(75, 23, 2))[0]
        issues = 0 if result == "pass" else rng.randrange(1, 8)
        rows.append(
            {
                "customer_id": customer_id,
                "kind": "construction.site_inspection",
                "direction": "internal",
                "occurred_at": at,
                "subject": {"pass": "巡查合格", "rectify": "限期整改", "stop_work": "停工整改"}[
                    result
                ],
                "payload": {
                    "opportunity_id": opportunity_id,
                    "area": rng.choice(INSPECTION_AREAS),
                    "result": result,
                    "issues": issues,
                    "rectify_by": (at + 7 * DAY).date().isoformat() if issues else None,
                },
            }
        )
        at += rng.randrange(30, 60) * DAY
    return rows
