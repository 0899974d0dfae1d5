"""The loyalty area's part of the demo data (deterministic: the given rng only)."""

from __future__ import annotations

import datetime as dt
import random

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi_marketing.loyalty.common import add_months, get_membership
from guanxi_marketing.loyalty.coupons import define_coupon, issue_to_customers, redeem_coupon
from guanxi_marketing.loyalty.earning import credit_history
from guanxi_marketing.loyalty.members import enrol
from guanxi_marketing.loyalty.points import redeem_points
from guanxi_marketing.loyalty.review import review_tiers
from guanxi_marketing.loyalty.stored_value import spend_stored_value, top_up

MEMBERS = 60
CO_BRANDED = "工商银行联名卡"


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Enrol sixty people about two years back, credit their demo purchases, review the
    tiers (some lapse), then a few redemptions, top-ups and a welcome coupon."""
    people = [c.id for c in customers if c.kind == "person" and c.id is not None]
    chosen = sorted(rng.sample(people, min(MEMBERS, len(people))))
    start = add_months(uow.now, -25)
    for customer_id in chosen:
        card = f"6222{rng.randrange(10**12):012d}" if rng.random() < 0.7 else None
        membership = enrol(uow, customer_id, card_number=card,
                           card_label=CO_BRANDED if rng.random() < 0.2 else None)
        membership.enrolled_at = start + dt.timedelta(days=rng.randrange(30))
        membership.tier_since = membership.status_since = membership.enrolled_at
        uow.session.flush()
        credit_history(uow, customer_id)
    review_tiers(uow)
    for customer_id in chosen[::6]:
        membership = get_membership(uow, customer_id)
        if membership.status == "active" and membership.points_balance >= 100:
            redeem_points(uow, customer_id, membership.points_balance // 5, reason="积分兑换礼品")
    for customer_id in chosen[1::7]:
        if get_membership(uow, customer_id).status != "active":
            continue  # a lapsed card cannot be topped up
        top_up(uow, customer_id, rng.choice(["500", "1000", "2000"]), reference="储值卡充值")
        spend_stored_value(uow, customer_id, rng.choice(["88.00", "168.50", "299.00"]),
                           reference="门店消费")
    today = uow.now.astimezone(uow.app.tz).date()
    define_coupon(uow, name="WELCOME50", value="50", min_spend="300",
                  valid_from=today - dt.timedelta(days=30), valid_to=today + dt.timedelta(days=60),
                  code_pattern="WEL-######", total_quantity=500,
                  description="新会员满300减50")
    issued = issue_to_customers(uow, "WELCOME50", chosen[:20], rand=rng)
    for coupon in issued[:5]:
        redeem_coupon(uow, coupon.code, customer_id=coupon.customer_id,
                      order_amount=rng.choice(["320.00", "458.00", "999.00"]))

