"""The service plugin object: its metadata and the hooks that ask every area in turn.

The ``guanxi.plugins`` entry point names :data:`hooks`, a :class:`ServicePlugin` over the
areas of :data:`guanxi_service.areas.AREA_NAMES`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from guanxi import Plugin, hookimpl
from guanxi.app import App, UnitOfWork
from guanxi.areas import AreaPlugin
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_service import __version__
from guanxi_service.areas import AREA_NAMES
from guanxi_service.settings import ServiceSettings

plugin = Plugin(
    name="service",
    version=__version__,
    description="customer service: tickets, SLA, assets, repairs, parts, visits, surveys, KB",
)


@click.group()
def service() -> None:
    """Customer service: tickets, SLA, assets, repairs, parts, return visits, surveys, KB."""


class ServicePlugin(AreaPlugin):
    """The area hooks, the service section of the customer 360 view, and the start-up
    check of the care plans."""

    @hookimpl
    def customer_360_sections(self, uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
        """Open tickets with their SLA clocks, assets under warranty, the next visit."""
        from guanxi_service.section import customer_section

        return customer_section(uow, customer)

    @hookimpl
    def app_ready(self, app: App) -> None:
        """Stop at start-up when a care plan names a kind, payload field or channel that
        does not exist (all plugins' kinds are registered by now)."""
        from guanxi_service.visits.plans import check_plans

        check_plans(app)

    @hookimpl
    def register_routes(self, register: Callable[..., None]) -> None:
        """The tickets API under /api/service and the console's ticket queue and page."""
        from guanxi_service.web import register as register_web  # late: the CLI skips FastAPI

        register_web(register)


hooks = ServicePlugin(
    plugin,
    package="guanxi_service",
    area_names=AREA_NAMES,
    settings=ServiceSettings,
    group=service,
    root=Path(__file__).parent,
)
