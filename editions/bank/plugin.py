"""The bank edition's plugin: only what no general plugin should carry.

Bank interaction kinds (card spend, product openings, branch visits) and typed fields
(products held, balances, the ID card number); glue between the general plugins —
products held follow the log, the analytics member model becomes the value clusters on
the record, segments and clusters set the sales plugin's contact cadence (the service
standard); the cross-sell association rules; the 360 section; the demo data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import click

from guanxi import Plugin, hookimpl
from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.registry import Section
from guanxi_editions.bank import clusters, demo, holdings, standards
from guanxi_editions.bank.cli import register_bank_commands
from guanxi_editions.bank.fields import BankFields
from guanxi_editions.bank.kinds import register_kinds
from guanxi_editions.bank.settings import BankSettings

plugin = Plugin(
    name="bank",
    version="0.1.0",
    description="rural bank: products held, value clusters, cross-sell, contact standard",
    requires={"sales": ">=0.1,<1", "marketing": ">=0.1,<1", "analytics": ">=0.1,<1"},
)


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """``[bank]``: segment field, contact periods, cluster labels, cross-sell defaults."""
    register("bank", BankSettings)


@hookimpl
def register_custom_fields(register: Callable[..., None]) -> None:
    """Products held, balances and the (sensitive) ID card number."""
    register(BankFields)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """``bank.card_spend``, ``bank.product_opened``/``closed``, ``bank.branch_visit``."""
    register_kinds(register)


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """Value clusters after the nightly value refresh; contact periods before the
    sales plugin's cadence check (07:00)."""
    register(
        "bank.value_clusters",
        clusters.clusters_job,
        daily_at="02:45",
        description="label value clusters (高价值/成长/普通/潜力) from the member model",
    )
    register(
        "bank.contact_standard",
        standards.standards_job,
        daily_at="06:45",
        description="set each customer's contact period from segment and cluster",
    )


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``guanxi bank …``."""
    register_bank_commands(cli)


@hookimpl
def interactions_logged(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> None:
    """Products held follow ``bank.product_opened`` and ``bank.product_closed``."""
    holdings.apply_product_changes(uow, interactions)


@hookimpl
def customer_360_sections(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """银行业务: segment, cluster, products and balances."""
    return holdings.bank_section(uow, customer)


@hookimpl
def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Segments, products, balances, card spend, visits; clusters and contact periods."""
    demo.generate_demo(uow, rng, customers)
