"""The segments area of the marketing plugin (interface: :class:`guanxi.areas.Area`).

Segments (客户细分) in a small, safe filter language (:mod:`.language`), static member
lists, previews and snapshots (:mod:`.service`), their commands (:mod:`.cli`) and demo
segments (:mod:`.demo`).

No interaction kinds: putting a customer on a list is staff classifying customers, not a
touchpoint with the customer, so it goes to the audit log (who, when), not to the
customer's interaction timeline; a dynamic segment's membership is not stored at all.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_marketing.segments.models import TABLES, Segment, SegmentMember

__all__ = ["TABLES"]

# What the standard roles may do with segments (on top of their settings).
SEGMENT_GRANTS = {
    "agent": ("read", "create", "update"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export"),
}
MEMBER_GRANTS = {
    "agent": ("read", "create", "delete"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export", "erase"),
}


def register_entities(register: Callable[..., None]) -> None:
    """Segments and static-list members under access control, audit and erasure.

    A segment is a shared definition, so it has no owner column (an owner column would
    hide other people's segments from agents); what it reveals, its members, is
    filtered by customer visibility.
    """
    register(
        "marketing.segment",
        Segment,
        grants=SEGMENT_GRANTS,
        description="a customer segment (dynamic expression or static list)",
    )
    register(
        "marketing.segment_member",
        SegmentMember,
        customer_column="customer_id",
        grants=MEMBER_GRANTS,
        description="a customer on a static segment",
    )


def register_kinds(register: Callable[..., None]) -> None:
    """None: list membership is audited, not a touchpoint (see the module docstring)."""


def register_jobs(register: Callable[..., None]) -> None:
    """None: a dynamic segment is evaluated when it is used."""


def register_reports(register: Callable[..., None]) -> None:
    """None: ``guanxi marketing segments preview`` counts a segment."""


def register_commands(group: click.Group) -> None:
    """``guanxi marketing segments …``."""
    from guanxi_marketing.segments.cli import segments

    group.add_command(segments)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Two dynamic segments and a static list over the demo customers."""
    from guanxi_marketing.segments.demo import add_demo_segments

    add_demo_segments(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: dynamic segments read the log when they are evaluated."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The static segments the customer is on (name and when added)."""
    query = (
        select(col(Segment.name), col(SegmentMember.added_at))
        .join(SegmentMember, col(SegmentMember.segment_id) == col(Segment.id))
        .where(col(SegmentMember.customer_id) == customer_id)
        .order_by(col(Segment.name))
    )
    rows = uow.session.execute(query).all()
    if not rows:
        return {}
    return {"segments": [{"segment": name, "added_at": added} for name, added in rows]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Take the person off every static list: an erased person is not marketed to."""
    from guanxi_marketing.segments.service import _delete_members

    _delete_members(uow, None, [customer_id])
