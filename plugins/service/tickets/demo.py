"""The tickets area's part of the demo data (``guanxi init --demo``).

About sixty tickets over the demo customers from the last four months, across types,
channels and priorities: each is assigned to the service team and one of its people, gets
replies, customer answers and internal notes, and ends new, open, pending, on hold,
resolved or closed; a few are reopened. Repairs and warranty claims name the customer's
assets from the assets area's demo (a claim only on an asset in warranty). Every step runs
at its own moment (``uow.now`` is moved back for it) and, when the demo runs as the
system, in the name of the staff member who did it, so the history and the SLA clocks
look like a real desk's. Everything is drawn from the given ``rng`` only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff, Team, TeamMember
from guanxi.records import CustomerRecord
from guanxi_service.assets.models import Asset
from guanxi_service.tickets.service import (
    add_note,
    assign,
    change_status,
    customer_reply,
    open_ticket,
    reopen_ticket,
    reply,
)

TICKETS = 60
SUBJECTS = {
    "inquiry": ("咨询保养周期", "询问配件价格", "发票如何开具", "会员积分查询", "营业时间咨询"),
    "complaint": ("上门服务迟到", "客服电话一直占线", "维修后仍有异响", "配件发货太慢"),
    "repair": ("空调不制冷", "发动机异响", "液压系统漏油", "屏幕无法开机", "刹车异常"),
    "order_request": ("订购滤芯", "加购延保服务", "追加配件订单"),
    "return_exchange": ("收到商品破损要求换货", "型号不符申请退货"),
    "warranty_claim": ("保修期内液压泵损坏", "保修期内电路故障"),
}
TYPES = ("inquiry",) * 4 + ("complaint",) * 2 + ("repair",) * 3 + (
    "order_request", "return_exchange", "warranty_claim")
CHANNELS = ("phone",) * 4 + ("wechat",) * 3 + ("email",) * 2 + ("web",) * 2 + (
    "visit", "sms", "letter")
PRIORITIES = ("normal",) * 6 + ("low", "high", "high", "urgent")
REPLIES = ("您好，已收到您的反馈，我们会尽快处理。", "请提供购买凭证和设备序列号。",
           "工程师已安排明天上午上门。", "备件已发出，快递单号稍后短信通知。",
           "已为您查询，详情见以下说明。")
ANSWERS = ("好的，谢谢。", "凭证已发到邮箱。", "明天上午家里有人。", "问题还在，请再看看。")
NOTES = ("客户情绪较激动，注意沟通。", "需向厂家申请备件。", "已与仓库确认库存。",
         "重点客户，优先处理。", "上次维修记录见附件。")
RESOLUTIONS = ("已更换故障部件，试机正常。", "已解答客户疑问。", "已补发配件。",
               "已办理换货。", "已向客户致歉并赠送保养券。")
# How demo tickets end (weights), for tickets older than a few days.
ENDINGS = (("closed", 45), ("resolved", 20), ("open", 15), ("pending", 10), ("on_hold", 5),
           ("new", 5))


@contextmanager
def _at(uow: UnitOfWork, moment: dt.datetime, staff: tuple[int, str] | None) -> Iterator[None]:
    """Run a step at ``moment``, in ``staff``'s name when the demo runs as the system."""
    now, principal = uow.now, uow.principal
    uow.now = moment
    if staff is not None and principal.is_system:
        uow.principal = replace(principal, staff_id=staff[0], username=staff[1])
    try:
        yield
    finally:
        uow.now, uow.principal = now, principal


def _desk(uow: UnitOfWork) -> tuple[int | None, list[tuple[int, str]]]:
    """The service team (the demo's 客户服务中心, else the first team) and its people."""
    teams = uow.session.exec(select(Team.id, Team.name).order_by(Team.id)).all()
    if not teams:
        return None, []
    team_id = next((tid for tid, name in teams if "服务" in name), teams[0][0])
    query = (select(Staff.id, Staff.username).join(TeamMember, TeamMember.staff_id == Staff.id)
             .where(TeamMember.team_id == team_id, Staff.is_active.is_(True))
             .order_by(Staff.id))
    people = [(sid, name) for sid, name in uow.session.exec(query)]
    if not people:
        people = [(sid, name) for sid, name in uow.session.exec(
            select(Staff.id, Staff.username).where(Staff.is_active.is_(True))
            .order_by(Staff.id))]
    return team_id, people


def _ending(rng: random.Random, days_ago: float) -> str:
    if days_ago < 2:
        return rng.choice(("new", "open", "open", "pending"))
    statuses, weights = zip(*ENDINGS, strict=True)
    return rng.choices(statuses, weights)[0]


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Open and work the demo tickets."""
    from guanxi_service.assets.service import warranty_status

    ids = [c.id for c in customers if c.id is not None]
    team_id, people = _desk(uow)
    if len(ids) < 10 or not people:
        return  # an edition with a tiny demo: nothing meaningful to show
    assets: dict[int, list[int]] = {}
    for asset_id, owner in uow.session.exec(select(Asset.id, Asset.customer_id)
                                            .where(Asset.customer_id.in_(ids))
                                            .order_by(Asset.id)):
        assets.setdefault(owner, []).append(asset_id)
    now = uow.now
    for _ in range(TICKETS):
        kind = rng.choice(TYPES)
        days_ago = rng.uniform(0.1, 120)
        opened = now - dt.timedelta(days=days_ago)
        customer_id, asset_id = rng.choice(ids), None
        if kind in ("repair", "warranty_claim") and assets:
            customer_id = rng.choice(sorted(assets))
            asset_id = rng.choice(assets[customer_id])
            day = opened.astimezone(uow.app.tz).date()
            if kind == "warranty_claim" and warranty_status(uow, asset_id, day) != "in_warranty":
                kind = "repair"
        elif kind == "warranty_claim":
            kind = "repair"
        agent = rng.choice(people)
        ending = _ending(rng, days_ago)
        _work(uow, rng, opened, kind, customer_id, asset_id, team_id, agent, ending)


def _work(uow: UnitOfWork, rng: random.Random, opened: dt.datetime, kind: str,
          customer_id: int, asset_id: int | None, team_id: int | None,
          agent: tuple[int, str], ending: str) -> None:
    """One ticket's life, step by step, each step a little later than the one before."""
    now = uow.now
    clock = [opened]

    def later(hours: float) -> dt.datetime:
        clock[0] = min(clock[0] + dt.timedelta(hours=hours), now - dt.timedelta(minutes=1))
        return clock[0]

    with _at(uow, opened, agent):
        ticket = open_ticket(
            uow, customer_id=customer_id, type=kind, channel=rng.choice(CHANNELS),
            subject=rng.choice(SUBJECTS[kind]), priority=rng.choice(PRIORITIES),
            description=f"客户来电反映：{rng.choice(SUBJECTS[kind])}，请尽快处理。",
            asset_id=asset_id, team_id=team_id, opened_at=opened)
    if ending == "new":
        return
    with _at(uow, later(rng.uniform(0.2, 2)), agent):
        assign(uow, ticket.id, assignee=agent[0])
    with _at(uow, later(rng.uniform(0.5, 6)), agent):
        reply(uow, ticket.id, rng.choice(REPLIES),
              status="pending" if rng.random() < 0.4 else None)
    if rng.random() < 0.5:
        with _at(uow, later(rng.uniform(0.5, 6)), agent):
            add_note(uow, ticket.id, rng.choice(NOTES))
    if ticket.status == "pending" and ending != "pending":
        with _at(uow, later(rng.uniform(4, 30)), None):
            customer_reply(uow, ticket.id, rng.choice(ANSWERS))
    if ending in ("pending", "on_hold", "open"):
        if ending != ticket.status:
            with _at(uow, later(rng.uniform(1, 8)), agent):
                change_status(uow, ticket.id, ending, note=rng.choice(NOTES))
        return
    with _at(uow, later(rng.uniform(6, 72)), agent):
        change_status(uow, ticket.id, "resolved", resolution=rng.choice(RESOLUTIONS))
    if rng.random() < 0.12:  # the fix did not hold: reopened and resolved again
        with _at(uow, later(rng.uniform(12, 48)), agent):
            reopen_ticket(uow, ticket.id, reason="客户反馈问题未解决")
        with _at(uow, later(rng.uniform(6, 48)), agent):
            change_status(uow, ticket.id, "resolved", resolution=rng.choice(RESOLUTIONS))
    if ending == "closed":
        with _at(uow, later(rng.uniform(24, 96)), agent):
            change_status(uow, ticket.id, "closed")
