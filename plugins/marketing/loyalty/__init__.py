"""The loyalty area of the marketing plugin (interface: :class:`guanxi.areas.Area`).

Membership marketing (会员制营销, S004:973–991; the hospital's membership, S004:625):
a programme of tiers that members reach, keep or lose on their spend and purchase
count in a period, with points earned on the purchases in the interaction log,
stored value, coupons, and the member analysis. See docs/plugins/marketing/loyalty.md.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_marketing.areas import WORK
from guanxi_marketing.loyalty.models import (
    TABLES,
    Coupon,
    CouponDefinition,
    Membership,
    PointsEntry,
    StoredValueEntry,
)

__all__ = ["TABLES"]

# Memberships and coupons are worked like customers; ledgers are appended to, never edited.
LEDGER = {
    "agent": ("read", "create"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export"),
}
READ_ONLY = {"agent": ("read",), "manager": ("*",), "viewer": ("read",)}


def register_entities(register: Callable[..., None]) -> None:
    """Memberships, the two ledgers and issued coupons follow their customer."""
    register("marketing.membership", Membership, customer_column="customer_id",
             personal_fields=("member_number", "card_number"), grants=WORK,
             description="a customer's membership of the loyalty programme")
    register("marketing.points_entry", PointsEntry, customer_column="customer_id",
             personal_fields=("reason",), grants=LEDGER, description="points ledger")
    register("marketing.stored_value_entry", StoredValueEntry, customer_column="customer_id",
             personal_fields=("reference",), grants=LEDGER, description="stored-value ledger")
    register("marketing.coupon_definition", CouponDefinition, grants=READ_ONLY,
             description="a kind of coupon")
    register("marketing.coupon", Coupon, customer_column="customer_id", grants=WORK,
             description="an issued coupon")


def register_kinds(register: Callable[..., None]) -> None:
    """``marketing.member_*``, ``tier_changed``, ``points_*``, ``stored_value_*``,
    ``coupon_*``."""
    from guanxi_marketing.loyalty.kinds import KINDS

    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """Points expiry, then the tier review, every night."""
    from guanxi_marketing.loyalty.points import expire_points
    from guanxi_marketing.loyalty.review import REVIEW_JOB, review_job

    register("marketing.loyalty_expire_points", expire_points, daily_at="02:15",
             description="expire loyalty points past their date (oldest first)")
    register(REVIEW_JOB, review_job, daily_at="02:30",
             description="upgrade, downgrade and lapse loyalty members on their spend")


def register_reports(register: Callable[..., None]) -> None:
    """``marketing.loyalty``: the member analysis."""
    from guanxi_marketing.loyalty.report import loyalty_report_dict

    register("marketing.loyalty", loyalty_report_dict,
             description="members per tier, spend per tier, points and stored-value liability")


def register_commands(group: click.Group) -> None:
    """``guanxi marketing loyalty …``."""
    from guanxi_marketing.loyalty.commands import loyalty

    group.add_command(loyalty)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Sixty members with points from the demo purchases, stored value and a coupon."""
    from guanxi_marketing.loyalty.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Purchases earn points, corrections take them back; members may be upgraded."""
    from guanxi_marketing.loyalty.common import loyalty_settings
    from guanxi_marketing.loyalty.earning import points_from_log
    from guanxi_marketing.loyalty.review import review_tiers

    grew = points_from_log(uow, interactions)
    if grew and loyalty_settings(uow.app).upgrade_on_purchase:
        review_tiers(uow, membership_ids=grew, upgrades_only=True)


def customers_merged(uow: UnitOfWork, survivor_id: int, merged_ids: list[int]) -> None:
    """Two members merged: the survivor's membership takes the other's balances."""
    from guanxi_marketing.loyalty.members import combine_memberships

    combine_memberships(uow, survivor_id, merged_ids)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The membership, ledgers and coupons of a customer, for the export."""
    from guanxi_marketing.loyalty import privacy

    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear card and member numbers and the ledgers' free texts; amounts stay."""
    from guanxi_marketing.loyalty import privacy

    privacy.erase_personal_data(uow, customer_id)
