"""The automotive edition's part of the demo data: dealers, vehicles and their lives.

Four dealer organisations (codes ``sh01``… as identities ``dealer:sh01``; their staff
teams carry the same names), and for most demo people a car: sold at one dealer,
maintained every few months — mostly where it was bought, sometimes at another dealer
— with calls to the 800 centre and website registrations. Everything is logged through
the edition's kinds, so the plugin's own hook builds the vehicle archive exactly as an
import would. Every choice comes from ``rng``.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.services.customers import add_customers
from guanxi.services.interactions import log_interactions
from guanxi.services.updates import update_customer
from guanxi_editions.automotive.kinds import CALL, REGISTRATION, REPAIR, SALE

DEALERS = (
    ("sh01", "上海浦东新世纪汽车销售服务有限公司"),
    ("sh02", "上海闵行恒通汽车4S店"),
    ("sz01", "苏州工业园区华骏汽车4S店"),
    ("hz01", "杭州滨江远航汽车4S店"),
)
MODELS = (
    ("星越L 2.0T", Decimal("172800")),
    ("博越 1.5T", Decimal("109800")),
    ("缤瑞 1.4T", Decimal("78800")),
    ("帝豪 1.5L", Decimal("69800")),
    ("银河E8 纯电", Decimal("175800")),
)
REPAIRS = (
    ("更换刹车片", Decimal("680")),
    ("空调不制冷, 补充冷媒", Decimal("350")),
    ("更换蓄电池", Decimal("820")),
    ("异响检查, 紧固底盘螺栓", Decimal("200")),
    ("更换前挡风玻璃", Decimal("1500")),
)
CALL_TOPICS = (
    ("咨询", "询问保养周期"),
    ("预约", "预约保养"),
    ("投诉", "维修等待时间过长"),
    ("救援", "高速爆胎救援"),
    ("咨询", "车机系统升级"),
)
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
OWNER_SHARE = 0.8


def _vin(rng: random.Random, used: set[str]) -> str:
    while True:
        vin = "LB3" + "".join(rng.choice(VIN_CHARS) for _ in range(14))
        if vin not in used:
            used.add(vin)
            return vin


def _at(day: dt.date, rng: random.Random, tz: dt.tzinfo, today: dt.date) -> dt.datetime:
    """A time in the workshop's hours on ``day``, never after yesterday."""
    day = min(day, today - dt.timedelta(days=1))
    return dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))), tz)


def _dealers(uow: UnitOfWork) -> list[str]:
    add_customers(
        uow,
        [
            {
                "name": name,
                "kind": "organization",
                "roles": ["dealer"],
                "identities": [{"source": "dealer", "external_id": code}],
            }
            for code, name in DEALERS
        ],
    )
    return [code for code, _ in DEALERS]


def add_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Dealers, and a car with its sale, services, calls and registrations per owner."""
    codes = _dealers(uow)
    tz, today = uow.app.tz, uow.now.astimezone(uow.app.tz).date()
    people = [c for c in customers if c.kind == "person" and c.id is not None]
    owners = rng.sample(people, int(len(people) * OWNER_SHARE))
    used: set[str] = set()
    entries: list[dict[str, Any]] = []
    identities: dict[int, set[str]] = {}
    for number, owner in enumerate(owners, start=1):
        assert owner.id is not None
        entries += _life(rng, owner.id, number, codes, _vin(rng, used), today, tz, identities)
    # Each owner's dealer numbers and last mileage in one update, before the log: the
    # archive hook then finds the mileage current and need not update him again.
    mileage = {e["customer_id"]: e["payload"]["mileage"] for e in entries if e["kind"] == REPAIR}
    for customer_id, known in identities.items():
        changes: dict[str, Any] = {
            "add_identities": [
                {"source": code, "external_id": f"{code.upper()}-{customer_id:05d}"}
                for code in sorted(known)
            ]
        }
        if customer_id in mileage:
            changes["custom"] = {"mileage": mileage[customer_id]}
        update_customer(uow, customer_id, changes)
    for batch in range(0, len(entries), 2000):
        log_interactions(uow, entries[batch : batch + 2000])


def _life(
    rng: random.Random,
    customer_id: int,
    number: int,
    codes: list[str],
    vin: str,
    today: dt.date,
    tz: dt.tzinfo,
    identities: dict[int, set[str]],
) -> list[dict[str, Any]]:
    """One car's sale and the next years of service, calls and a registration."""
    home = rng.choice(codes)
    model, price = rng.choice(MODELS)
    sold = today - dt.timedelta(days=rng.randint(40, 3 * 365))
    per_day = rng.uniform(20, 90)
    identities.setdefault(customer_id, set()).add(home)
    entries = [
        {
            "customer_id": customer_id,
            "kind": SALE,
            "occurred_at": _at(sold, rng, tz, today),
            "subject": f"新车销售 {model}",
            "revenue": price,
            "direction": "inbound",
            "payload": {"vin": vin, "model": model, "dealer": home, "sale_no": f"S{number:06d}"},
        }
    ]
    day, services = sold + dt.timedelta(days=rng.randint(80, 100)), 0
    while day < today - dt.timedelta(days=5):
        dealer = home if rng.random() < 0.8 else rng.choice(codes)
        identities[customer_id].add(dealer)
        kind = "首保" if services == 0 else rng.choice(("保养", "保养", "保养", "维修", "钣喷"))
        fault, amount = (
            rng.choice(REPAIRS) if kind in ("维修", "钣喷") else ("常规保养", Decimal("480"))
        )
        entries.append(
            {
                "customer_id": customer_id,
                "kind": REPAIR,
                "occurred_at": _at(day, rng, tz, today),
                "subject": f"{kind} {model}",
                "revenue": Decimal("0") if kind == "首保" else amount,
                "direction": "inbound",
                "payload": {
                    "ro_number": f"{dealer.upper()}-RO{number:05d}{services:02d}",
                    "vin": vin,
                    "dealer": dealer,
                    "service_type": kind,
                    "description": fault,
                    "mileage": int((day - sold).days * per_day),
                },
            }
        )
        services += 1
        day += dt.timedelta(days=rng.randint(150, 260))
    if rng.random() < 0.35:
        topic, summary = rng.choice(CALL_TOPICS)
        entries.append(
            {
                "customer_id": customer_id,
                "kind": CALL,
                "direction": "inbound",
                "occurred_at": _at(
                    sold + dt.timedelta(days=rng.randint(1, max(2, (today - sold).days))),
                    rng,
                    tz,
                    today,
                ),
                "subject": f"800客服 {topic}",
                "payload": {
                    "call_id": f"C{number:07d}",
                    "topic": topic,
                    "vin": vin,
                    "summary": summary,
                },
            }
        )
    if rng.random() < 0.4:
        entries.append(
            {
                "customer_id": customer_id,
                "kind": REGISTRATION,
                "direction": "inbound",
                "occurred_at": _at(sold + dt.timedelta(days=rng.randint(1, 60)), rng, tz, today),
                "subject": "官网车主认证",
                "payload": {"account": f"owner{number:05d}", "vin": vin},
            }
        )
    return entries
