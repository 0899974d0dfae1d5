"""``guanxi service assets …``: the asset archive and warranties on the command line."""

from __future__ import annotations

import click


@click.group()
def assets() -> None:
    """Assets and warranties (整车档案, 保修)."""
