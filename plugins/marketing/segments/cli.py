"""``guanxi marketing segments …``: create, list, show, preview, add, remove, delete, snapshot."""

from __future__ import annotations

import click


@click.group()
def segments() -> None:
    """Customer segments (客户细分): dynamic expressions and static lists."""
