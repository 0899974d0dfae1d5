"""The bank edition's demo data: a county rural commercial bank's customer base.

The core has made the staff, branches, customers and their counter business
(``[demo.vocabulary]``); this adds what words cannot: each customer's segment, products
held (correlated as in a real book: loans bring insurance, term deposits bring wealth
management, mobile banking brings a credit card, so the cross-sell rules find
something), balances, a valid ID card number; product openings, branch visits and a year
of credit-card spend in which some cardholders fade away, so the churn job raises
alerts; the standard segments; value clusters and the contact standard. Every random
choice comes from ``rng``.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlmodel import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff
from guanxi.records import CustomerRecord
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_member, add_team, grant_role
from guanxi.services.updates import update_customer
from guanxi_analytics.value.store import refresh_values
from guanxi_editions.bank.clusters import label_clusters
from guanxi_editions.bank.fields import id_card_check_digit
from guanxi_editions.bank.products import LOANS
from guanxi_editions.bank.segments import install_segments
from guanxi_editions.bank.standards import sync_contact_standard

SEGMENT_WEIGHTS = {"农户": 60, "产业大户": 25, "小企业": 15}
LOAN_OF = {"农户": "farmer_loan", "产业大户": "producer_loan", "小企业": "business_loan"}
LOAN_SHARE = {"农户": 0.35, "产业大户": 0.6, "小企业": 0.55}
TERM_SHARE = {"农户": 0.4, "产业大户": 0.55, "小企业": 0.3}
DEPOSIT_MEDIAN = {"农户": 30_000, "产业大户": 300_000, "小企业": 500_000}
TOWNSHIPS = ["城关镇", "柳泉镇", "郑集镇", "大许镇", "马坡镇", "双沟镇", "邳城镇", "官湖镇"]
INDUSTRIES = ["粮食种植", "蔬菜大棚", "生猪养殖", "水产养殖", "农产品加工", "农资经销", "农机服务"]
RATINGS = ["AAA", "AA", "A", "BBB", "BB"]
MERCHANTS = [
    ("农资超市", "农资"),
    ("苏果超市", "商超"),
    ("中国石化加油站", "加油"),
    ("县人民医院", "医疗"),
    ("京东商城", "网购"),
    ("家电城", "家电"),
    ("乡村饭店", "餐饮"),
    ("农机站", "农机"),
]
COUNTER_BUSINESS = ["存取款", "转账汇款", "挂失补卡", "贷款还款", "代缴社保", "密码重置"]
STAFF_ROLES = ["teller", "teller", "risk_officer"]  # beyond account managers and leads


def _id_card(rng: random.Random, born: dt.date | None, female: bool) -> str:
    born = born or dt.date(1975, 1, 1)
    order = rng.randrange(0, 50) * 2 + (0 if female else 1)
    first17 = f"320324{born:%Y%m%d}{rng.randrange(10)}{order:02d}"
    return first17 + id_card_check_digit(first17)


def _products(rng: random.Random, segment: str) -> list[str]:
    held = ["current_deposit"] if rng.random() < 0.95 else []
    if rng.random() < 0.85:
        held.append("debit_card")
    if rng.random() < (0.65 if "debit_card" in held else 0.15):
        held.append("mobile_banking")
    if rng.random() < TERM_SHARE[segment]:
        held.append("term_deposit")
    if rng.random() < LOAN_SHARE[segment]:
        held.append(LOAN_OF[segment])
    if rng.random() < (0.55 if "mobile_banking" in held else 0.12):
        held.append("credit_card")
    wealth_share = (0.45 if "term_deposit" in held else 0.05) + (
        0.1 if segment == "产业大户" else 0
    )
    if rng.random() < wealth_share:
        held.append("wealth")
    if rng.random() < (0.45 if any(p in LOANS for p in held) else 0.06):
        held.append("insurance")
    return held or ["current_deposit"]


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, -2))).quantize(Decimal("0.01"))


def _profile(rng: random.Random, customer: CustomerRecord) -> dict[str, Any]:
    segment = (
        "小企业"
        if customer.kind == "organization"
        else rng.choices(list(SEGMENT_WEIGHTS), list(SEGMENT_WEIGHTS.values()))[0]
    )
    held = _products(rng, segment)
    custom: dict[str, Any] = {
        "customer_segment": segment,
        "products_held": held,
        "township": rng.choice(TOWNSHIPS),
        "credit_rating": rng.choices(RATINGS, [10, 30, 35, 18, 7])[0],
        "deposit_balance": _money(DEPOSIT_MEDIAN[segment] * rng.lognormvariate(0, 0.8)),
    }
    if segment != "农户":
        custom["industry"] = rng.choice(INDUSTRIES)
    if any(p in LOANS for p in held):
        custom["loan_balance"] = _money(DEPOSIT_MEDIAN[segment] * 1.5 * rng.lognormvariate(0, 0.6))
    if "wealth" in held:
        custom["wealth_balance"] = _money(DEPOSIT_MEDIAN[segment] * rng.lognormvariate(0, 0.7))
    if "credit_card" in held:
        custom["credit_limit"] = _money(rng.choice([10_000, 20_000, 30_000, 50_000]))
    if customer.kind == "person":
        custom["id_card_no"] = _id_card(rng, customer.birth_date, customer.gender == "female")
    return custom


def _card_spend(rng: random.Random, customer_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    """A year of one cardholder's transactions; one in eight fades in the last months."""
    rows = []
    per_month = rng.uniform(0.5, 2.0)
    ticket = rng.lognormvariate(6.0, 0.6)  # about 400 yuan a transaction
    fades = rng.random() < 0.125
    for month in range(12, 0, -1):
        rate = per_month * (0.1 if fades and month <= 2 else 1.0)
        for _ in range(int(rate) + (rng.random() < rate - int(rate))):
            merchant, category = rng.choice(MERCHANTS)
            at = now - dt.timedelta(days=30 * month - rng.randrange(30), minutes=rng.randrange(600))
            rows.append(
                {
                    "customer_id": customer_id,
                    "kind": "bank.card_spend",
                    "channel": "pos",
                    "direction": "internal",
                    "occurred_at": at,
                    "revenue": Decimal(str(round(ticket * rng.uniform(0.5, 1.6), 2))),
                    "payload": {"card": "credit", "merchant": merchant, "category": category},
                }
            )
    return rows


def _visits_and_openings(
    rng: random.Random, customer_id: int, held: list[str], now: dt.datetime
) -> list[dict[str, Any]]:
    rows = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        rows.append(
            {
                "customer_id": customer_id,
                "kind": "bank.branch_visit",
                "channel": "visit",
                "direction": "inbound",
                "occurred_at": now - dt.timedelta(minutes=rng.randrange(525_600)),
                "payload": {
                    "business": rng.choice(COUNTER_BUSINESS),
                    "wait_minutes": rng.choice([5, 10, 15, 20, 30, 45]),
                },
            }
        )
    for product in held:
        if rng.random() < 0.2:  # opened in the demo's two years; the rest before
            rows.append(
                {
                    "customer_id": customer_id,
                    "kind": "bank.product_opened",
                    "channel": "visit",
                    "direction": "inbound",
                    "occurred_at": now - dt.timedelta(minutes=rng.randrange(2 * 525_600)),
                    "payload": {
                        "product": product,
                        "account_ref": f"62{rng.randrange(10**10):010d}",
                    },
                }
            )
    return rows


def _staff_roles(uow: UnitOfWork, rng: random.Random) -> None:
    """The credit-card centre, and tellers and a risk officer among the demo staff."""
    add_team(uow, name="信用卡中心", description="Credit card centre")
    staff = list(uow.session.exec(select(Staff.username).order_by(Staff.id)).all())
    add_member(uow, team="信用卡中心", staff=staff[-1], lead=True)
    for username, role in zip(staff[-len(STAFF_ROLES) :], STAFF_ROLES, strict=False):
        grant_role(uow, staff=username, role=role)
    for username in staff[1:3]:
        grant_role(uow, staff=username, role="branch_manager")


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """The bank's part of ``guanxi init --demo`` (see the module docstring)."""
    _staff_roles(uow, rng)
    now = uow.now
    rows: list[dict[str, Any]] = []
    for customer in customers:
        assert customer.id is not None
        custom = _profile(rng, customer)
        update_customer(uow, customer.id, {"custom": custom})
        if "credit_card" in custom["products_held"]:
            rows.extend(_card_spend(rng, customer.id, now))
        rows.extend(_visits_and_openings(rng, customer.id, custom["products_held"], now))
    rows.sort(key=lambda r: r["occurred_at"])
    for start in range(0, len(rows), 2000):
        log_interactions(uow, rows[start : start + 2000])
    install_segments(uow)
    refresh_values(uow)
    label_clusters(uow)
    sync_contact_standard(uow)
