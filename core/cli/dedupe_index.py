"""``guanxi dedupe index``: rebuild the stored match keys of every customer.

The keys are kept up to date on every create, update, merge and erasure; a rebuild is
needed only after the edition's match rules changed (``[identity] rules``), since the
keys are made by the rules' blocking passes.
"""

from __future__ import annotations

import time

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.dedupe import dedupe
from guanxi.cli.output import json_option, print_json


@dedupe.command("index")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), default=20_000,
              show_default=True, help="Customers read per batch.")
@json_option
@pass_state
def index(state: CliState, batch_size: int, as_json: bool) -> None:
    """Rebuild every customer's match keys (after the match rules changed)."""
    from guanxi.access.enforce import require
    from guanxi.identity.keys import rebuild_all

    started = time.perf_counter()
    with state.transaction() as uow:
        # Derived data only, but a rebuild rewrites the keys of every customer.
        require(uow, "customer", "update")
        keys = rebuild_all(uow, batch_size=batch_size)
    seconds = round(time.perf_counter() - started, 2)
    if as_json:
        print_json({"keys": keys, "seconds": seconds})
    else:
        click.echo(f"rebuilt the match keys: {keys:,} keys in {seconds:.1f} s")
