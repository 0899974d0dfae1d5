"""``guanxi dedupe scan|review|pairs|dismiss``: find duplicates and work the review queue.

``merge`` and ``undo`` live in :mod:`guanxi.cli.dedupe_merge`; ``review`` prints the
``guanxi dedupe merge`` command for each cluster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.dedupe import dedupe
from guanxi.cli.output import console, csv_option, emit, json_option, local, print_json
from guanxi.errors import ValidationError
from guanxi.identity.review import ORIGINS, STATES, STATUSES, PairView
from guanxi.identity.scan import Cluster, dismiss, list_pairs, open_clusters, scan_duplicates


def parse_since(value: str | None, tz: dt.tzinfo) -> dt.datetime | None:
    """``--since``: a date (midnight in the display time zone) or an ISO date and time."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError("since", f"not a date or date and time (YYYY-MM-DD[THH:MM]): "
                              f"{value!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(dt.UTC)


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr for the scan's stages; off with --quiet or no terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    err = Console(stderr=True)
    labels = {"read": "reading customers", "match": "matching (persons, organisations)"}
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=quiet or not err.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@dedupe.command("scan")
@click.option("--since", help="Only pairs with a customer created or updated since this "
              "date (YYYY-MM-DD) or time; default: every customer against every other.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@json_option
@pass_state
def scan(state: CliState, since: str | None, quiet: bool, as_json: bool) -> None:
    """Scan the stored customers for duplicates and update the review queue."""
    moment = parse_since(since, state.app.tz)
    with _progress(quiet or as_json) as progress, state.transaction() as uow:
        result = scan_duplicates(uow, since=moment, progress=progress)
    if as_json:
        print_json(result)
        return
    scope = f" changed since {since} ({result.changed} customers)" if since else ""
    click.echo(f"scanned {result.customers:,} customers{scope} in {result.seconds:.1f} s: "
               f"{result.candidates:,} candidate pairs, {result.at_match:,} matches, "
               f"{result.at_review:,} to review, {result.clusters:,} clusters")
    click.echo(f"queue: {result.new:,} new, {result.updated:,} updated, "
               f"{result.closed:,} closed, {result.reopened:,} reopened")
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.new or result.reopened:
        click.echo("next: guanxi dedupe review")


def _limit(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise ValidationError("limit", f"must be at least 1, not {value}")
    return value


@dedupe.command("review")
@click.option("--status", type=click.Choice(STATUSES), help="Only match or only review pairs.")
@click.option("--origin", type=click.Choice(ORIGINS), help="Only pairs found by this.")
@click.option("--limit", type=int, default=20, show_default=True, help="Clusters to show.")
@json_option
@csv_option
@pass_state
def review(state: CliState, status: str | None, origin: str | None, limit: int,
           as_json: bool, as_csv: bool) -> None:
    """Open duplicate clusters, best first: the customers side by side, why they match,
    and the merge command."""
    with state.transaction() as uow:
        found = open_clusters(uow, status=status, origin=origin, limit=_limit(limit))
    tz = state.app.tz
    if as_json:
        print_json([_cluster_json(c) for c in found])
        return
    if as_csv:
        rows = [(n, c, m) for n, c in enumerate(found, start=1) for m in c.customers]
        emit(rows, _member_columns(tz, table=False), as_json=False, as_csv=True)
        return
    if not found:
        click.echo("no open duplicate pairs (run: guanxi dedupe scan)")
        return
    for number, cluster in enumerate(found, start=1):
        title = (f"cluster {number}: {cluster.status}, best score {cluster.best_score:.1f}, "
                 f"suggested survivor {cluster.survivor_id}")
        emit([(number, cluster, m) for m in cluster.customers], _member_columns(tz)[1:],
             as_json=False, title=title)
        emit(cluster.pairs, _pair_columns(tz)[:7], as_json=False)
        console().print(f"  merge:   {cluster.merge_command}", markup=False, highlight=False)
        console().print(f"  dismiss: guanxi dedupe dismiss "
                        f"{' '.join(str(p.id) for p in cluster.pairs)}", markup=False,
                        highlight=False)


def _member_columns(tz: dt.tzinfo, *,
                    table: bool = True) -> list[tuple[str, Callable[[Any], Any]]]:
    def survivor(r: Any) -> Any:
        chosen = r[2].id == r[1].survivor_id
        return ("*" if chosen else "") if table else chosen

    return [
        ("cluster", lambda r: r[0]),
        ("id", lambda r: r[2].id),
        ("survivor", survivor),
        ("kind", lambda r: r[2].kind),
        ("name", lambda r: r[2].name),
        ("birth date", lambda r: r[2].birth_date),
        ("phone", lambda r: r[2].phone),
        ("email", lambda r: r[2].email),
        ("created", lambda r: local(r[2].created_at, tz)),
        ("interactions", lambda r: r[2].interactions),
    ]


def _pair_columns(tz: dt.tzinfo) -> list[tuple[str, Callable[[PairView], Any]]]:
    return [
        ("pair", lambda p: p.id),
        ("left", lambda p: p.left_id),
        ("right", lambda p: p.right_id),
        ("score", lambda p: round(p.score, 1)),
        ("status", lambda p: p.status),
        ("passes", lambda p: ", ".join(p.passes)),
        ("fields", lambda p: ", ".join(f"{k} {v}" for k, v in p.fields.items())),
        ("origin", lambda p: p.origin),
        ("state", lambda p: p.state),
        ("found", lambda p: local(p.found_at, tz)),
        ("decided", lambda p: local(p.decided_at, tz)),
    ]


def _cluster_json(cluster: Cluster) -> dict[str, Any]:
    return {"status": cluster.status, "best_score": round(cluster.best_score, 3),
            "survivor_id": cluster.survivor_id, "merge_command": cluster.merge_command,
            "customers": cluster.customers, "pairs": cluster.pairs}


@dedupe.command("pairs")
@click.option("--state", "pair_state", type=click.Choice(STATES), default="open",
              show_default=True, help="Open, dismissed or merged pairs.")
@click.option("--status", type=click.Choice(STATUSES), help="Only match or only review pairs.")
@click.option("--origin", type=click.Choice(ORIGINS), help="Only pairs found by this.")
@click.option("--limit", type=int, help="At most this many pairs.")
@json_option
@csv_option
@pass_state
def pairs(state: CliState, pair_state: str, status: str | None, origin: str | None,
          limit: int | None, as_json: bool, as_csv: bool) -> None:
    """The stored duplicate pairs, best score first (raw, one row each)."""
    with state.transaction() as uow:
        found = list_pairs(uow, state=pair_state, status=status, origin=origin,
                           limit=_limit(limit))
    columns = _pair_columns(state.app.tz)
    if as_json or as_csv:
        columns = [*columns, ("decided_by_id", lambda p: p.decided_by_id)]
    emit(found, columns, as_json=as_json, as_csv=as_csv, title="duplicate pairs")


@dedupe.command("dismiss")
@click.argument("pair_ids", nargs=-1, type=int, required=True)
@click.option("--reason", help="Why they are not duplicates (kept in the audit log).")
@json_option
@pass_state
def dismiss_command(state: CliState, pair_ids: tuple[int, ...], reason: str | None,
                    as_json: bool) -> None:
    """Mark pairs as "not a duplicate"; a rescan leaves them dismissed."""
    with state.transaction() as uow:
        done = dismiss(uow, pair_ids, reason=reason)
    if as_json:
        print_json(done)
    else:
        click.echo(f"dismissed {len(done)} pair(s): {', '.join(str(p.id) for p in done)}")
