"""Plugins built from *areas*: packages that share one small interface.

A large plugin (marketing, service) is easier to read and to grow as a handful of areas
(``leads``, ``segments``, … or ``tickets``, ``sla``, …), each a package owning its
tables, interaction kinds, commands, jobs, reports, demo data and personal-data parts.
:class:`AreaPlugin` is the plugin object such a plugin's entry point names: its hook
implementations ask every area in turn, so adding an area means adding its name and
nothing else. A plugin that needs more hooks subclasses it and adds ``@hookimpl``
methods (pluggy registers any object, methods included).

Each area package defines, at module level, ``TABLES`` and whichever functions of
:class:`Area` it needs: a function it leaves out is taken as doing nothing (an area that
only computes from the log has no entities, jobs or personal data of its own).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import click
from pydantic import BaseModel

from guanxi.app import UnitOfWork
from guanxi.hookspecs import hookimpl
from guanxi.plugins import Plugin
from guanxi.records import CustomerRecord, InteractionRecord


class Area(Protocol):
    """What an area package may offer (module-level names; all but ``TABLES`` optional)."""

    TABLES: tuple[Any, ...]  # the area's SQLModel tables, in creation order

    def register_entities(self, register: Callable[..., None]) -> None:
        """Register the area's records with access control (``register_entities`` hook)."""

    def register_kinds(self, register: Callable[..., None]) -> None:
        """Register the area's interaction kinds (``register_interaction_kinds`` hook)."""

    def register_jobs(self, register: Callable[..., None]) -> None:
        """Register the area's scheduled jobs (``register_jobs`` hook)."""

    def register_reports(self, register: Callable[..., None]) -> None:
        """Register the area's reports (``register_reports`` hook)."""

    def register_commands(self, group: click.Group) -> None:
        """Add the area's commands to the plugin's command group."""

    def demo_data(
        self, uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]
    ) -> None:
        """Add the area's part of the demo data (``demo_data`` hook)."""

    def interactions_logged(
        self, uow: UnitOfWork, interactions: list[InteractionRecord]
    ) -> None:
        """React to a batch of logged interactions (``interactions_logged`` hook)."""

    def customers_merged(self, uow: UnitOfWork, survivor_id: int, merged_ids: list[int]) -> None:
        """Combine the area's rows the core could not move (``customers_merged`` hook)."""

    def personal_data(self, uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
        """What the area holds about a customer, for the personal-data export."""
        ...

    def erase_personal_data(self, uow: UnitOfWork, customer_id: int) -> None:
        """Clear what the area holds about an erased person (aggregates stay)."""


def register_kind_table(
    register: Callable[..., None], kinds: dict[str, tuple[Any, str | None, str]]
) -> None:
    """Register an area's interaction kinds: ``{kind: (payload model, channel, text)}``."""
    for kind, (schema, channel, description) in kinds.items():
        register(kind, schema=schema, default_channel=channel, description=description)


class AreaPlugin:
    """The hook implementations of a plugin made of areas.

    ``package`` is the plugin's import package; ``area_names`` its areas in migration
    order (an area's tables may refer only to tables of areas before it); ``settings``
    the pydantic model of its settings section (named after the plugin); ``group`` the
    click group its areas add their commands to; ``root`` the package folder, holding
    ``migrations/`` and, when the plugin has message layouts, ``templates/``.
    """

    def __init__(
        self,
        plugin: Plugin,
        *,
        package: str,
        area_names: Sequence[str],
        settings: type[BaseModel],
        group: click.Group,
        root: Path,
    ) -> None:
        self.plugin = plugin
        self.package = package
        self.area_names = tuple(area_names)
        self.settings = settings
        self.group = group
        self.root = root

    def areas(self) -> list[Area]:
        """Every area package, imported, in migration order."""
        return [importlib.import_module(f"{self.package}.{name}") for name in self.area_names]

    def each(self, function: str) -> list[Callable[..., Any]]:
        """The areas' functions named ``function``, in area order (areas without it
        are left out)."""
        found = (getattr(area, function, None) for area in self.areas())
        return [func for func in found if func is not None]

    @hookimpl
    def register_settings(self, register: Callable[..., None]) -> None:
        """The plugin's settings section, one sub-table per area."""
        register(self.plugin.name, self.settings)

    @hookimpl
    def register_models(self, register: Callable[..., None]) -> None:
        """Every area's tables, and the plugin's Alembic branch."""
        tables = [table for area in self.areas() for table in area.TABLES]
        register(*tables, migrations=self.root / "migrations")

    @hookimpl
    def register_entities(self, register: Callable[..., None]) -> None:
        """Every area's records under access control, the audit log and erasure."""
        for register_entities in self.each("register_entities"):
            register_entities(register)

    @hookimpl
    def register_interaction_kinds(self, register: Callable[..., None]) -> None:
        """Every area's interaction kinds."""
        for register_kinds in self.each("register_kinds"):
            register_kinds(register)

    @hookimpl
    def register_templates(self, register: Callable[..., None]) -> None:
        """The plugin's layouts (``templates/``), which an edition may override."""
        if (self.root / "templates").is_dir():
            register(self.root / "templates")

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        """The plugin's command group, with every area's commands."""
        for register_commands in self.each("register_commands"):
            register_commands(self.group)
        cli.add_command(self.group)

    @hookimpl
    def register_jobs(self, register: Callable[..., None]) -> None:
        """Every area's scheduled jobs."""
        for register_jobs in self.each("register_jobs"):
            register_jobs(register)

    @hookimpl
    def register_reports(self, register: Callable[..., None]) -> None:
        """Every area's reports."""
        for register_reports in self.each("register_reports"):
            register_reports(register)

    @hookimpl
    def demo_data(
        self, uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]
    ) -> None:
        """Every area's part of the demo data, in area order."""
        for demo_data in self.each("demo_data"):
            demo_data(uow, rng, customers)

    @hookimpl
    def interactions_logged(self, uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
        """Let every area react to a batch of logged interactions."""
        for interactions_logged in self.each("interactions_logged"):
            interactions_logged(uow, interactions)

    @hookimpl
    def personal_data(self, uow: UnitOfWork, customer_id: int) -> dict[str, Any] | None:
        """Everything the plugin's areas hold about a customer."""
        parts: dict[str, Any] = {}
        for personal_data in self.each("personal_data"):
            parts.update(personal_data(uow, customer_id))
        return parts or None

    @hookimpl
    def customers_merged(self, uow: UnitOfWork, survivor_id: int, merged_ids: list[int]) -> None:
        """Let every area combine what a merge could not move."""
        for customers_merged in self.each("customers_merged"):
            customers_merged(uow, survivor_id, merged_ids)

    @hookimpl
    def erase_personal_data(self, uow: UnitOfWork, customer_id: int) -> None:
        """Let every area clear what it holds about an erased person."""
        for erase_personal_data in self.each("erase_personal_data"):
            erase_personal_data(uow, customer_id)
