"""The marketing plugin's hook implementations: what it registers with the core.

Each hook asks every area (:mod:`guanxi_marketing.areas`) in turn.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from guanxi import Plugin, hookimpl
from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_marketing import __version__, hookspecs
from guanxi_marketing.areas import areas
from guanxi_marketing.settings import MarketingSettings

plugin = Plugin(
    name="marketing",
    version=__version__,
    description="marketing automation: leads, segments, campaigns, messages, loyalty",
    hookspecs=hookspecs,
)

HERE = Path(__file__).parent


@click.group()
def marketing() -> None:
    """Marketing automation: leads, segments, campaigns, messages, events, loyalty."""


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """Scoring rules, SMTP, loyalty tiers, triggers, the content policy."""
    register("marketing", MarketingSettings)


@hookimpl
def register_models(register: Callable[..., None]) -> None:
    """The marketing tables and their Alembic branch ("marketing")."""
    tables = [table for area in areas() for table in area.TABLES]
    register(*tables, migrations=HERE / "migrations")


@hookimpl
def register_entities(register: Callable[..., None]) -> None:
    """Marketing records under access control, the audit log and erasure."""
    for area in areas():
        area.register_entities(register)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """The ``marketing.*`` kinds: sends, responses, opt-outs, leads, points, visits."""
    for area in areas():
        area.register_kinds(register)


@hookimpl
def register_templates(register: Callable[..., None]) -> None:
    """``marketing/*`` message layouts an edition may override."""
    register(HERE / "templates")


@hookimpl
def register_commands(cli: click.Group) -> None:
    """The ``guanxi marketing`` group, with every area's commands."""
    for area in areas():
        area.register_commands(marketing)
    cli.add_command(marketing)


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """Score decay, triggered campaigns, loyalty reviews, pending sends."""
    for area in areas():
        area.register_jobs(register)


@hookimpl
def register_reports(register: Callable[..., None]) -> None:
    """Campaign ROI and attribution, lead funnel, loyalty, content policy."""
    for area in areas():
        area.register_reports(register)


@hookimpl
def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Leads, segments, campaigns, an event and a loyalty programme for the demo."""
    for area in areas():
        area.demo_data(uow, rng, customers)


@hookimpl
def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Purchases earn loyalty points, replies count as campaign responses, …"""
    for area in areas():
        area.interactions_logged(uow, interactions)


@hookimpl
def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any] | None:
    """Everything the marketing plugin holds about a customer."""
    parts: dict[str, Any] = {}
    for area in areas():
        parts.update(area.personal_data(uow, customer_id))
    return parts or None


@hookimpl
def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear free texts and contact details about an erased person; counts stay."""
    for area in areas():
        area.erase_personal_data(uow, customer_id)
