"""The construction edition's plugin: only what no general plugin should carry.

It registers the builder's interaction kinds, glues the project pipeline to the asset
archive (:mod:`.lifecycle`), adds the 工程项目 section to the 360 view and generates the
demo's industry data (:mod:`.demo`). Everything else is configuration in edition.toml.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from guanxi import Plugin, hookimpl
from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.registry import Section
from guanxi_editions.construction.kinds import KINDS
from guanxi_editions.construction.settings import ConstructionSettings

plugin = Plugin(
    name="construction",
    version="0.1.0",
    description="construction edition: project lifecycle glue, tender and site kinds",
    requires={"sales": ">=0.1,<1", "service": ">=0.1,<1"},
)


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """``[construction]``: the project pipeline's stages that trigger the glue."""
    register("construction", ConstructionSettings)


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """The owners' lifecycle stages follow their projects, every night."""
    from guanxi_editions.construction.owner_stages import sync_owner_stages

    register(
        "construction.owner_stages",
        sync_owner_stages,
        daily_at="05:00",
        description="move each owner to the lifecycle stage its projects stand for",
    )


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """Tender notices, signed contracts and site inspections."""
    for kind, (schema, channel, description) in KINDS.items():
        register(kind, schema=schema, description=description, default_channel=channel)


@hookimpl
def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Contract signed at 中标, the asset at 移交, the project won at 保修期满."""
    from guanxi_editions.construction.lifecycle import react

    react(uow, interactions)


@hookimpl
def customer_360_sections(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """The owner's projects with their stage, warranty and asset."""
    from guanxi_editions.construction.section import project_section

    return project_section(uow, customer)


@hookimpl
def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Departments and roles, owner profiles, tender notices, projects, inspections."""
    from guanxi_editions.construction.demo import generate_demo

    generate_demo(uow, rng, customers)
