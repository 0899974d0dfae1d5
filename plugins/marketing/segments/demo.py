"""The segments area's part of the demo data: two dynamic segments and a static list."""

from __future__ import annotations

import random

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi_marketing.segments.service import create_segment

DEMO_DYNAMIC = {
    "高价值客户 (high value)": (
        'role = "customer" and revenue_total > 10000 and last_purchase > 180 days ago',
        "customers with over 10,000 of revenue who bought in the last half year",
    ),
    "沉睡客户 (lapsed)": (
        'role = "customer" and had purchase and not had purchase within 180 days',
        "customers who bought before but not in the last half year (re-engagement)",
    ),
}
STATIC_SIZE = 12


def add_demo_segments(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """The demo segments; the static list is a deterministic sample of the customers."""
    for name, (expression, description) in DEMO_DYNAMIC.items():
        create_segment(uow, name=name, expression=expression, description=description)
    people = sorted(c.id for c in customers if c.kind == "person" and c.id is not None)
    chosen = sorted(rng.sample(people, min(STATIC_SIZE, len(people))))
    create_segment(
        uow,
        name="展会邀请名单 (trade-show invitations)",
        customer_ids=chosen,
        description="hand-picked guests for the spring trade show",
    )
