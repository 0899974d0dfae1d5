"""The assets area's part of the demo data (``guanxi init --demo``).

About forty assets: construction machinery (挖掘机 XE215, 装载机 LW500, 起重机 QY25K…) of
the demo organisations and a few trucks of demo people, sold by five dealers (demo
organisations given the ``dealer`` role). Each was handed over in the last three years
and has the standard 12-month warranty; some bought an extension; a few end within the
reminder days, so the expiry job and report have something to show. One machine changed
owner, one was scrapped. Everything is drawn from the given ``rng`` only.
"""

from __future__ import annotations

import datetime as dt
import random

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.services.updates import update_customer
from guanxi_service.assets.common import asset_settings
from guanxi_service.assets.service import (
    add_warranty,
    register_asset,
    retire_asset,
    transfer_asset,
)
from guanxi_service.assets.warranties import term_end

MACHINES = (  # (product, model, serial prefix)
    ("履带式挖掘机", "XE215", "XE215"), ("履带式挖掘机", "XE370", "XE370"),
    ("轮式装载机", "LW500", "LW500"), ("轮式装载机", "LW300", "LW300"),
    ("汽车起重机", "QY25K", "QY25K"), ("压路机", "XS263", "XS263"),
)
VEHICLES = (("重型卡车", "汉风 G7", "LXGG7"), ("牵引车", "漠北 G9", "LXGG9"))
SITES = ("徐州经济开发区工地", "南京江北新区项目部", "合肥滨湖隧道工地", "郑州航空港物流园",
         "西安高新区二期", "成都天府机场高速", "连云港港区三期", "济南东站片区")
STANDARD = ("整机三包 12 个月", "整机及发动机、液压系统质量问题免费维修")
EXTENDED = ("动力总成延保 24 个月", "发动机、变速箱、液压泵")
DEALERS = 5
MACHINE_COUNT = 34
VEHICLE_COUNT = 6
EXPIRING_SOON = 5


def _dealers(uow: UnitOfWork, orgs: list[CustomerRecord]) -> list[int]:
    """The first few organisations, given the dealer role when the settings ask for one."""
    role = asset_settings(uow.app).dealer_role
    chosen = orgs[:DEALERS]
    if role and role in uow.app.settings.roles:
        for org in chosen:
            if role not in org.roles:
                assert org.id is not None
                update_customer(uow, org.id, {"roles": [*org.roles, role]})
    elif role:
        return []  # the edition has no such role: no dealers in its demo
    return [o.id for o in chosen if o.id is not None]


def _handover(rng: random.Random, today: dt.date, index: int) -> dt.date:
    """The first few end their 12-month warranty within the next weeks; the rest are
    spread over the last three years."""
    if index < EXPIRING_SOON:
        return term_end(today, -12) + dt.timedelta(days=rng.randint(3, 25))
    return today - dt.timedelta(days=rng.randint(20, 3 * 365))


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Register the demo assets with their warranties, a transfer and a retirement."""
    orgs = [c for c in customers if c.kind == "organization" and c.id is not None]
    people = [c for c in customers if c.kind == "person" and c.id is not None]
    if len(orgs) < DEALERS + 3 or not people:
        return  # an edition with a tiny demo: nothing meaningful to show
    dealers = _dealers(uow, orgs)
    owners = orgs[DEALERS:] if dealers else orgs
    today = uow.today()
    specs = ([(rng.choice(MACHINES), rng.choice(owners)) for _ in range(MACHINE_COUNT)]
             + [(rng.choice(VEHICLES), rng.choice(people)) for _ in range(VEHICLE_COUNT)])
    made = []
    for index, ((product, model, prefix), owner) in enumerate(specs):
        handed = _handover(rng, today, index)
        vehicle = prefix.startswith("LXG")
        serial = (f"{prefix}{rng.choice('ABCDEFGHJK')}{handed:%y}{rng.randint(0, 999999):06d}"
                  if vehicle else f"{prefix}-{handed:%Y}{index + 1:04d}")
        hours = max(50, (today - handed).days * rng.randint(4, 9))
        attributes = ({"里程km": hours * 40} if vehicle
                      else {"工作小时": hours, "发动机号": f"SC{rng.randint(10**7, 10**8 - 1)}"})
        assert owner.id is not None
        asset = register_asset(
            uow, customer_id=owner.id, serial_number=serial, product=product, model=model,
            dealer_id=rng.choice(dealers) if dealers else None, handed_over_on=handed,
            location=rng.choice(SITES) if not vehicle else None, attributes=attributes)
        add_warranty(uow, asset.id, terms=STANDARD[0], months=12, coverage=STANDARD[1])
        if index >= EXPIRING_SOON and rng.random() < 0.3:
            add_warranty(uow, asset.id, terms=EXTENDED[0], coverage=EXTENDED[1],
                         starts_on=term_end(handed, 12) + dt.timedelta(days=1), months=24)
        made.append(asset)
    # A second-hand sale and a machine scrapped after an accident.
    oldest = sorted(made[EXPIRING_SOON:MACHINE_COUNT], key=lambda a: (a.handed_over_on, a.id))
    buyer = next(o for o in owners if o.id != oldest[0].customer_id)
    assert buyer.id is not None
    transfer_asset(uow, oldest[0].id, to_customer_id=buyer.id, note="二手设备转让")
    retire_asset(uow, oldest[1].id, reason="事故损毁，已报废")
