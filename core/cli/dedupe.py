"""``guanxi dedupe …``: find duplicate customers, review them, merge and undo merges.

The group lives here; its commands live beside it, by what they do:
:mod:`guanxi.cli.dedupe_scan` (``scan``, ``review``, ``pairs``, ``dismiss``),
:mod:`guanxi.cli.dedupe_merge` (``merge``, ``undo``, ``merges``) and
:mod:`guanxi.cli.dedupe_index` (``index``).
"""

from __future__ import annotations

import click


@click.group()
def dedupe() -> None:
    """Duplicate customers: scan for them, review the pairs, merge, undo a merge."""


def register(cli: click.Group) -> None:
    """Add the ``dedupe`` group with all its commands."""
    from guanxi.cli import (  # noqa: F401 (they add the commands)
        dedupe_index,
        dedupe_merge,
        dedupe_scan,
    )

    cli.add_command(dedupe)
