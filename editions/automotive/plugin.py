"""The automotive edition's plugin: only what no general plugin should carry.

Interaction kinds for what dealers' DMS exports, the 800 centre and the website bring
in; the glue that turns an imported sale or repair order into the service plugin's
vehicle archive; the ``dealer`` record policy; the maintenance reminder job; the
vehicle command and the 360 section; and the demo dealers and cars.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import click

from guanxi import Plugin, hookimpl
from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.registry import Section
from guanxi_editions.automotive.access import dealer_customers
from guanxi_editions.automotive.kinds import KINDS, VehicleFields
from guanxi_editions.automotive.settings import AutomotiveSettings

plugin = Plugin(
    name="automotive",
    version="0.1.0",
    description="car owners across dealers: vehicle archive, maintenance reminders",
    requires={"service": ">=0.1,<1"},
)


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """Maintenance intervals and the vehicle product (``[automotive]``)."""
    register("automotive", AutomotiveSettings)


@hookimpl
def register_custom_fields(register: Callable[..., None]) -> None:
    """VIN and mileage, validated (the edition.toml declares the plain ones)."""
    register(VehicleFields)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """Sales, repair orders, 800 calls, web registrations, maintenance due."""
    for kind, schema, description, channel in KINDS:
        register(kind, schema=schema, description=description, default_channel=channel)


@hookimpl
def register_access_policies(register: Callable[..., None]) -> None:
    """``dealer``: the customers one's dealer knows (see access.py)."""
    register("dealer", dealer_customers, description="customers known to the user's dealer")


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """The daily maintenance reminder (保养提醒)."""
    from guanxi_editions.automotive.maintenance import remind_maintenance

    register(
        "automotive.maintenance_reminders",
        remind_maintenance,
        daily_at="07:00",
        description="task and log vehicles due for maintenance by time or mileage",
    )


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``guanxi automotive vehicle VIN``."""
    from guanxi_editions.automotive.cli import automotive

    cli.add_command(automotive)


@hookimpl
def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Imported sales and repair orders feed the vehicle archive."""
    from guanxi_editions.automotive.vehicles import archive_vehicles

    archive_vehicles(uow, interactions)


@hookimpl
def customer_360_sections(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """整车档案: the customer's vehicles, their dealer, warranty and last service."""
    from guanxi_editions.automotive.section import vehicles_section

    return vehicles_section(uow, customer)


@hookimpl
def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Dealers, and cars with their sales, services, calls and registrations."""
    from guanxi_editions.automotive.demo import add_demo

    add_demo(uow, rng, customers)
