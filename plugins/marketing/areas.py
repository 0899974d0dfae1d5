"""The areas the marketing plugin is built from, and the interface each one offers.

Every area is a package (``guanxi_marketing.leads`` …) whose ``__init__`` defines the
functions of :class:`Area`; ``plugin.py`` calls them for each area in turn, so adding an
area means adding it to :data:`AREA_NAMES` and nothing else.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from typing import Any, Protocol

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord

# What the standard roles may do with most marketing records (on top of their settings).
WORK = {
    "agent": ("read", "create", "update"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export"),
}

# In migration order: an area's tables may refer only to tables of areas before it.
AREA_NAMES = ("segments", "campaigns", "leads", "messages", "events", "loyalty", "triggers")


class Area(Protocol):
    """What each area package offers (module-level names)."""

    TABLES: tuple[Any, ...]

    def register_entities(self, register: Callable[..., None]) -> None: ...
    def register_kinds(self, register: Callable[..., None]) -> None: ...
    def register_jobs(self, register: Callable[..., None]) -> None: ...
    def register_reports(self, register: Callable[..., None]) -> None: ...
    def register_commands(self, group: click.Group) -> None: ...
    def demo_data(
        self, uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]
    ) -> None: ...
    def interactions_logged(
        self, uow: UnitOfWork, interactions: list[InteractionRecord]
    ) -> None: ...
    def personal_data(self, uow: UnitOfWork, customer_id: int) -> dict[str, Any]: ...
    def erase_personal_data(self, uow: UnitOfWork, customer_id: int) -> None: ...


def register_kind_table(
    register: Callable[..., None], kinds: dict[str, tuple[Any, str, str]]
) -> None:
    """Register an area's interaction kinds: ``{kind: (payload model, channel, text)}``."""
    for kind, (schema, channel, description) in kinds.items():
        register(kind, schema=schema, default_channel=channel, description=description)


def areas() -> list[Area]:
    """Every area package, imported, in migration order."""
    return [importlib.import_module(f"guanxi_marketing.{name}") for name in AREA_NAMES]
