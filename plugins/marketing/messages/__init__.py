"""The messages area of the marketing plugin (interface: :class:`guanxi.areas.Area`).

Personalised email, SMS and letters rendered from Jinja2 templates and sent to campaign
members who consent, over a real SMTP server (or the outbox for SMS and letters), with
a signed unsubscribe link in every message and a send ledger that never sends a member
the same campaign twice. The functions are in :mod:`guanxi_marketing.messages.service`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import update
from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_marketing.areas import WORK
from guanxi_marketing.messages.kinds import KINDS
from guanxi_marketing.messages.models import TABLES, MarketingMessage, MarketingOutbox

__all__ = ["TABLES"]

MESSAGE = "marketing.message"
OUTBOX = "marketing.outbox"
# Sending is "create" on messages; reading the outbox is for the roles that read messages.
READ_ONLY = {"agent": ("read",), "manager": ("*",), "viewer": ("read",),
             "privacy_officer": ("read", "export")}
ERASED = "[erased]"


def register_entities(register: Callable[..., None]) -> None:
    """Message rows and outbox entries, both visible with their customer."""
    register(MESSAGE, MarketingMessage, customer_column="customer_id",
             personal_fields=("address", "subject", "reason"), grants=WORK,
             description="a campaign message to one customer and its outcome")
    register(OUTBOX, MarketingOutbox, customer_column="customer_id",
             personal_fields=("address", "subject", "body"), grants=READ_ONLY,
             description="an SMS or letter waiting for a gateway")


def register_kinds(register: Callable[..., None]) -> None:
    """``marketing.message_sent`` / ``_failed`` / ``_skipped`` and ``marketing.unsubscribed``."""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """No jobs: sends are started by people or by the triggers area."""


def register_reports(register: Callable[..., None]) -> None:
    """``marketing.messages``: sent / failed / skipped per campaign."""
    from guanxi_marketing.messages import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``marketing messages …``, ``marketing send`` and ``marketing unsubscribe``."""
    from guanxi_marketing.messages import cli

    cli.register(group)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Nothing: sending needs an SMTP server and an unsubscribe key, which a demo lacks.

    The bundled ``newsletter`` templates let ``marketing messages preview`` show what a
    demo campaign would send.
    """


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing to react to."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's campaign messages and outbox entries."""
    messages = uow.session.exec(
        select(MarketingMessage).where(MarketingMessage.customer_id == customer_id)
        .order_by(col(MarketingMessage.id))
    ).all()
    outbox = uow.session.exec(
        select(MarketingOutbox).where(MarketingOutbox.customer_id == customer_id)
        .order_by(col(MarketingOutbox.id))
    ).all()
    data: dict[str, Any] = {}
    if messages:
        data["messages"] = [m.model_dump() for m in messages]
    if outbox:
        data["outbox"] = [o.model_dump() for o in outbox]
    return data


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear addresses, subjects, reasons and bodies; statuses and times stay for counts."""
    connection = uow.session.connection()
    message = MarketingMessage.__table__  # type: ignore[attr-defined]
    connection.execute(update(message).where(message.c.customer_id == customer_id)
                       .values(address=None, subject=None, reason=None))
    outbox = MarketingOutbox.__table__  # type: ignore[attr-defined]
    connection.execute(update(outbox).where(outbox.c.customer_id == customer_id)
                       .values(address=ERASED, subject=None, body=ERASED))
    uow.session.expire_all()
