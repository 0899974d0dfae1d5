"""The repairs area's part of the demo data (``guanxi init --demo``).

About 25 repair orders on the demo assets (the assets area's demo runs first; without
assets there is nothing to repair and nothing is made), opened over the last four
months, some from the tickets demo's repair tickets. Most are delivered — about a third
late, a few after a changed promise — two were cancelled, and the last week's are still
open at various steps, one or two already past their promise. Everything is drawn from
the given ``rng`` only; times are before the demo's "now".
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff
from guanxi.records import CustomerRecord
from guanxi_service.repairs.common import repair_settings
from guanxi_service.repairs.service import (
    add_note,
    cancel_repair,
    change_promise,
    complete_repair,
    open_repair,
    set_step,
)

ORDERS = 25
RECENT = 5
FAULTS = ("液压泵异响，动臂无力", "发动机冒黑烟，功率下降", "回转马达漏油", "空调不制冷",
          "行走跑偏", "仪表报警：水温过高", "斗齿磨损严重，需更换", "变速箱换挡困难",
          "吊臂伸缩抖动", "电瓶亏电无法启动", "Hydraulic hose burst on boom cylinder")
SITES = ("徐州经济开发区工地", "南京江北新区项目部", "合肥滨湖隧道工地", "郑州航空港物流园",
         "成都天府机场高速", "沈阳浑南新区")
NOTES = ("客户要求当天交车", "已电话告知客户进度", "配件已从中心库调拨", "试车正常")
# Where each step falls in an order's time, as a fraction of opened → delivered.
STEP_SHARE = {"diagnosed": 0.1, "waiting_parts": 0.25, "repairing": 0.5, "testing": 0.8,
              "ready": 0.92}


def _assets(uow: UnitOfWork) -> list[tuple[int, int]]:
    from guanxi_service.assets.models import Asset

    return [(a, c) for a, c in uow.session.exec(
        select(Asset.id, Asset.customer_id).where(Asset.status == "active")
        .order_by(Asset.id)).all()]


def _repair_tickets(uow: UnitOfWork) -> dict[int, int]:
    """Repair tickets of the tickets demo by asset (the first per asset)."""
    from guanxi_service.tickets.models import Ticket

    found: dict[int, int] = {}
    for ticket_id, asset_id in uow.session.exec(
            select(Ticket.id, Ticket.asset_id).where(Ticket.type == "repair",
                                                     Ticket.asset_id.is_not(None))
            .order_by(Ticket.id)).all():
        found.setdefault(asset_id, ticket_id)
    return found


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Open, progress and deliver (or cancel) the demo's repair orders."""
    assets = _assets(uow)
    staff = uow.session.exec(select(Staff.username).where(Staff.is_active)
                             .order_by(Staff.id)).scalars().all()
    if not assets or not staff:
        return
    tickets = _repair_tickets(uow)
    steps = [s for s in repair_settings(uow.app).steps if s != "delivered"]
    technicians = list(staff[: max(3, len(staff) // 2)])
    # Most were opened over the last four months; the last few this week, still open.
    ages = sorted([rng.uniform(7, 120) for _ in range(ORDERS - RECENT)]
                  + [rng.uniform(0.2, 5) for _ in range(RECENT)], reverse=True)
    cancelled = set(rng.sample(range(ORDERS - 6), 2))
    for index, days_ago in enumerate(ages):
        asset_id, customer_id = rng.choice(assets)
        opened = uow.now - dt.timedelta(days=days_ago)
        promise_hours = rng.choice((24, 48, 72, 96, 120))
        field = rng.random() < 0.35
        ticket_id = tickets.pop(asset_id, None) if rng.random() < 0.6 else None
        order = open_repair(
            uow, customer_id=customer_id, asset_id=asset_id, ticket_id=ticket_id,
            location="field" if field else "workshop",
            site=rng.choice(SITES) if field else None, technician=rng.choice(technicians),
            promised_at=opened + dt.timedelta(hours=promise_hours),
            description=rng.choice(FAULTS), opened_at=opened)
        # Most finish within the promise; about a third take longer.
        took = dt.timedelta(hours=promise_hours * rng.choice(
            (0.5, 0.7, 0.8, 0.9, 0.95, 1.1, 1.2, 1.3, 1.6)))
        delivered = opened + took
        if index in cancelled:
            cancel_repair(uow, order.id, reason="客户自行处理，取消维修",
                          at=opened + dt.timedelta(hours=3))
            continue
        repromise = took > dt.timedelta(hours=promise_hours) and rng.random() < 0.4
        for step in steps[1:]:
            at = opened + took * STEP_SHARE.get(step, 0.5)
            if at >= uow.now:
                break
            if step == "waiting_parts" and rng.random() < 0.5 and not repromise:
                continue
            set_step(uow, order.id, step, at=at)
            if step == "waiting_parts" and repromise:
                change_promise(uow, order.id, delivered + dt.timedelta(hours=4),
                               reason="等待配件到货，客户同意延期", at=at)
        if delivered < uow.now and index < ORDERS - RECENT:
            complete_repair(uow, order.id, delivered_at=delivered,
                            labour_charge=None if order.billing == "free"
                            else rng.choice(("600.00", "1200.00", "2800.00")))
        elif rng.random() < 0.5:
            add_note(uow, order.id, rng.choice(NOTES))
