"""The triggers area of the marketing plugin (interface: :class:`guanxi.areas.Area`).

Triggered campaigns run daily by the core job runner (birthday and special-date
greetings, the repeat-purchase reminder of REQUIREMENTS §7.3, re-engagement of lapsed
customers, product-match notices; see :mod:`~guanxi_marketing.triggers.service`), and
the content policy for social posts (:mod:`~guanxi_marketing.triggers.posts`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import String, cast, literal, update
from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_marketing.triggers.models import TABLES, SocialPost, TriggerFire

__all__ = ["TABLES"]

JOB = "marketing.triggers"
# Trigger fires are system records (the job writes them); people read them.
FIRE_GRANTS = {"agent": ("read",), "manager": ("*",), "viewer": ("read",)}
POST_GRANTS = {"agent": ("read", "create"), "manager": ("*",), "viewer": ("read",)}


def register_entities(register: Callable[..., None]) -> None:
    """Trigger fires (per customer, under record policies) and social posts."""
    register(
        "marketing.trigger_fire",
        TriggerFire,
        customer_column="customer_id",
        personal_fields=("reason",),
        grants=FIRE_GRANTS,
        description="who a triggered campaign chose, for which occurrence, and why",
    )
    register(
        "marketing.social_post",
        SocialPost,
        grants=POST_GRANTS,
        description="posts of the company's social accounts, checked by the content policy",
    )


def register_kinds(register: Callable[..., None]) -> None:
    """``marketing.trigger_fired``."""
    from guanxi_marketing.triggers.kinds import KINDS

    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """The daily ``marketing.triggers`` job (08:30 local time)."""
    from guanxi_marketing.triggers.service import trigger_job

    register(
        JOB,
        trigger_job,
        daily_at="08:30",
        description="fire the triggered campaigns of the day and send them",
    )


def register_reports(register: Callable[..., None]) -> None:
    """``marketing.content_policy``: commercial share per social account."""
    from guanxi_marketing.triggers.reports import content_policy_report, trigger_fires_report

    register(
        "marketing.content_policy",
        content_policy_report,
        description="posts and commercial share per social account in the policy period",
    )
    register(
        "marketing.trigger_fires",
        trigger_fires_report,
        description="customers chosen per trigger and campaign period",
    )


def register_commands(group: click.Group) -> None:
    """``guanxi marketing triggers …`` and ``guanxi marketing content …``."""
    from guanxi_marketing.triggers.cli import register

    register(group)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Mother's Day purchases two years running, birthdays, and a month of posts."""
    from guanxi_marketing.triggers.demo import add_demo

    add_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Triggers read the log when they run; nothing to do as it grows."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The triggers that fired for the customer, with why and when."""
    fires = list(
        uow.session.exec(
            select(TriggerFire)
            .where(TriggerFire.customer_id == customer_id)
            .order_by(col(TriggerFire.id))
        )
    )
    if not fires:
        return {}
    return {"marketing_trigger_fires": [fire.model_dump(mode="json") for fire in fires]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear why triggers chose the person (birthday, purchase dates); the fires stay,
    so counts per trigger do not change."""
    table = TriggerFire.__table__  # type: ignore[attr-defined]
    # The occurrence of a birthday greeting is the birthday: replaced by a key that is
    # still unique per fire.
    uow.session.connection().execute(
        update(table)
        .where(table.c.customer_id == customer_id)
        .values(reason={}, occurrence=literal("erased:") + cast(table.c.id, String))
    )
