"""The bank's standard marketing segments (dynamic: members are whoever matches now).

The three customer segments of REQUIREMENTS §6.3 [S004:1015] plus the targets of the
bank's own programmes. ``install_segments`` is idempotent: the demo calls it, and
``guanxi bank install-segments`` does on a new project.
"""

from __future__ import annotations

from sqlmodel import select

from guanxi.app import UnitOfWork
from guanxi_marketing.segments.models import Segment
from guanxi_marketing.segments.service import create_segment

STANDARD_SEGMENTS: dict[str, tuple[str, str]] = {
    "农户 farmers": ('customer_segment = "农户"', "farming households: small, dispersed loans"),
    "产业大户 large producers": (
        'customer_segment = "产业大户"',
        "large specialised producers: operating loans, wealth management",
    ),
    "小企业 small enterprises": (
        'customer_segment = "小企业"',
        "small enterprises and their owners: business loans, settlement",
    ),
    "信用卡交叉营销 card prospects": (
        'products_held contains "debit_card" and products_held not contains "credit_card" '
        'and value_cluster in ["高价值", "成长"]',
        "active debit-card customers without a credit card",
    ),
    "理财潜力 wealth prospects": (
        'products_held contains "term_deposit" and products_held not contains "wealth"',
        "term-deposit holders not yet in wealth management",
    ),
}


def install_segments(uow: UnitOfWork) -> list[str]:
    """Create the standard segments that do not exist yet; return their names."""
    existing = set(uow.session.exec(select(Segment.name)).all())
    created = []
    for name, (expression, description) in STANDARD_SEGMENTS.items():
        if name not in existing:
            create_segment(uow, name=name, expression=expression, description=description)
            created.append(name)
    return created
