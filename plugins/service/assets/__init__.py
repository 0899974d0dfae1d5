"""The assets area of the service plugin (interface: :class:`guanxi.areas.Area`).

Assets and warranties (整车档案, 保修): an asset registered to a customer with its
serial number, model, dealer, handover date and location; warranty terms; the asset's
full service history; a job that raises tasks before a warranty expires and logs its
end. The service functions are in :mod:`guanxi_service.assets.service`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_service.areas import WORK
from guanxi_service.assets.common import ASSET, ASSET_EVENT, WARRANTY
from guanxi_service.assets.kinds import KINDS
from guanxi_service.assets.models import TABLES, Asset, AssetEvent, Warranty

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Assets, warranties and asset events, each visible with its customer."""
    register(ASSET, Asset, customer_column="customer_id", personal_fields=("notes", "location"),
             grants=WORK, description="an asset (machine, vehicle, device) a customer owns")
    # The warranty carries its asset's owner so the policies apply to it directly.
    register(WARRANTY, Warranty, customer_column="customer_id", grants=WORK,
             description="a warranty term of an asset")
    register(ASSET_EVENT, AssetEvent, customer_column="customer_id", personal_fields=("body",),
             grants=WORK, description="an entry of an asset's own history")


def register_kinds(register: Callable[..., None]) -> None:
    """``service.asset_*`` and ``service.warranty_added`` / ``_expired``."""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """``service.warranty_expiry``, daily."""
    from guanxi_service.assets.expiry import JOB, warranty_expiry

    register(JOB, warranty_expiry, daily_at="06:30",
             description="task owners before warranties end; log service.warranty_expired")


def register_reports(register: Callable[..., None]) -> None:
    """``service.warranty_expiring`` and ``service.assets_by_dealer``."""
    from guanxi_service.assets import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service assets …``."""
    from guanxi_service.assets.cli import assets

    group.add_command(assets)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """About forty machines and vehicles of the demo organisations, with dealers and
    warranties (a few ending soon)."""
    from guanxi_service.assets.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: the area logs its own kinds and reacts to none."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's assets with their warranties and history."""
    from guanxi_service.assets import privacy

    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the notes and locations of the customer's assets and the notes of their
    history (serials, products, dates and warranties stay)."""
    from guanxi_service.assets import privacy

    privacy.erase_personal_data(uow, customer_id)
