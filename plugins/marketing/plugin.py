"""The marketing plugin object: its metadata and the hooks that ask every area in turn.

The ``guanxi.plugins`` entry point names :data:`hooks`, a :class:`MarketingPlugin`
over the areas of :data:`guanxi_marketing.areas.AREA_NAMES`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from guanxi import Plugin, hookimpl
from guanxi.areas import AreaPlugin
from guanxi_marketing import __version__, hookspecs
from guanxi_marketing.areas import AREA_NAMES
from guanxi_marketing.settings import MarketingSettings

plugin = Plugin(
    name="marketing",
    version=__version__,
    description="marketing automation: leads, segments, campaigns, messages, loyalty",
    hookspecs=hookspecs,
)


@click.group()
def marketing() -> None:
    """Marketing automation: leads, segments, campaigns, messages, events, loyalty."""


class MarketingPlugin(AreaPlugin):
    """The area hooks, and the plugin's HTTP API and console pages."""

    @hookimpl
    def register_routes(self, register: Callable[..., None]) -> None:
        """``/api/marketing/…`` (campaigns, leads, segment counts) and the console's
        campaign and lead pages."""
        from guanxi_marketing import web  # late: only the web application loads it

        web.register(register)


hooks = MarketingPlugin(
    plugin,
    package="guanxi_marketing",
    area_names=AREA_NAMES,
    settings=MarketingSettings,
    group=marketing,
    root=Path(__file__).parent,
)
