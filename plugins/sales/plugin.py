"""The sales plugin's hook implementations: what it registers with the core."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from guanxi import Plugin, hookimpl
from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_sales import __version__
from guanxi_sales.kinds import KINDS
from guanxi_sales.models import (
    TABLES,
    AccountCadence,
    Activity,
    ActivityParticipant,
    CompetitorProfile,
    Expense,
    Opportunity,
    OpportunityCompetitor,
    Product,
    Quote,
    QuoteLine,
    SalesTarget,
    StageChange,
)
from guanxi_sales.settings import SalesSettings

plugin = Plugin(name="sales", version=__version__, description="sales force automation (SFA)")

HERE = Path(__file__).parent
# What the standard roles may do with sales records (on top of their settings).
WORK = {
    "agent": ("read", "create", "update"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export"),
}
READ_ONLY = {"agent": ("read",), "manager": ("*",), "viewer": ("read",)}


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """Pipelines, lost reasons, quotes, commissions, cadence, expense categories."""
    register("sales", SalesSettings)


@hookimpl
def register_models(register: Callable[..., None]) -> None:
    """The sales tables and their Alembic branch ("sales")."""
    register(*TABLES, migrations=HERE / "migrations")


@hookimpl
def register_entities(register: Callable[..., None]) -> None:
    """Sales records under access control, the audit log and erasure."""
    register(
        "sales.opportunity",
        Opportunity,
        customer_column="customer_id",
        owner_column="owner_id",
        personal_fields=("approach",),
        grants=WORK,
    )
    register("sales.stage_change", StageChange, customer_column="customer_id", grants=READ_ONLY)
    register("sales.competitor", CompetitorProfile, customer_column="customer_id", grants=WORK)
    register(
        "sales.opportunity_competitor",
        OpportunityCompetitor,
        customer_column="customer_id",
        grants=WORK,
    )
    register(
        "sales.activity",
        Activity,
        customer_column="customer_id",
        owner_column="organiser_id",
        personal_fields=("subject", "location", "notes"),
        grants=WORK,
    )
    register(
        "sales.activity_participant",
        ActivityParticipant,
        customer_column="customer_id",
        owner_column="staff_id",
        grants=WORK,
    )
    register("sales.product", Product, grants=READ_ONLY)
    register(
        "sales.quote",
        Quote,
        customer_column="customer_id",
        owner_column="created_by_id",
        personal_fields=("notes",),
        grants=WORK,
    )
    register("sales.quote_line", QuoteLine, customer_column="customer_id", grants=WORK)
    register("sales.target", SalesTarget, owner_column="staff_id", grants=READ_ONLY)
    register(
        "sales.expense",
        Expense,
        customer_column="customer_id",
        owner_column="staff_id",
        personal_fields=("description",),
        grants=WORK,
    )
    register("sales.account_cadence", AccountCadence, customer_column="customer_id", grants=WORK)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """The ``sales.*`` kinds: opportunities, stage changes, orders, activities, quotes."""
    register_kind_table(register, KINDS)


@hookimpl
def register_templates(register: Callable[..., None]) -> None:
    """``sales/quote.html`` and the other layouts an edition may override."""
    register(HERE / "templates")


@hookimpl
def register_routes(register: Callable[..., None]) -> None:
    """The ``/api/sales`` routes and the console's pipeline board and opportunity page."""
    from guanxi_sales import web  # late: only the web application loads fastapi

    web.register(register)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """The ``guanxi sales`` group."""
    from guanxi_sales.cli import build

    cli.add_command(build())


# Each area of the plugin (opportunities, activities, quotes) is a module with the same
# small interface: register_jobs, register_reports, demo_data, personal_data and
# erase_personal_data functions. The hooks below ask every area in turn.
def _areas() -> list:
    from guanxi_sales import activities, opportunities, quotes

    return [opportunities, activities, quotes]


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """Sales jobs (the core-customer cadence check, …)."""
    for area in _areas():
        area.register_jobs(register)


@hookimpl
def register_reports(register: Callable[..., None]) -> None:
    """Forecast, win/loss, commissions, expenses, product demand."""
    for area in _areas():
        area.register_reports(register)


@hookimpl
def customer_360_sections(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """Open opportunities, next activities and recent quotes of an account."""
    from guanxi_sales.opportunities import account_section

    return account_section(uow, customer)


@hookimpl(optionalhook=True)
def marketing_lead_converted(uow: UnitOfWork, lead: dict[str, Any], customer_id: int) -> Any:
    """A marketing lead became a customer: open an opportunity for it (see leads.py)."""
    from guanxi_sales.leads import open_opportunity_for_lead

    return open_opportunity_for_lead(uow, lead, customer_id)


@hookimpl
def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Opportunities, activities, quotes and expenses for the demo customers."""
    for area in _areas():
        area.demo_data(uow, rng, customers)


@hookimpl
def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any] | None:
    """Everything the sales plugin holds about a customer."""
    parts: dict[str, Any] = {}
    for area in _areas():
        parts.update(area.personal_data(uow, customer_id))
    return parts or None


@hookimpl
def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the free texts about an erased person; amounts and stages stay."""
    for area in _areas():
        area.erase_personal_data(uow, customer_id)
