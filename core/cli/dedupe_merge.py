"""``guanxi dedupe merge``, ``undo`` and ``merges``: merge duplicates, take a merge back."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.table import Table

from guanxi.cli import CliState, pass_state
from guanxi.cli.dedupe import dedupe
from guanxi.cli.output import console, csv_option, emit, json_option, local, print_json
from guanxi.errors import ValidationError


def _take(pairs: tuple[str, ...]) -> dict[str, int]:
    take: dict[str, int] = {}
    for pair in pairs:
        name, sep, record = pair.partition("=")
        if not sep or not name.strip() or not record.strip().isdigit():
            raise ValidationError("--take", f"{pair!r} is not FIELD=CUSTOMER_ID")
        take[name.strip()] = int(record)
    return take


def _shown(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def print_preview(preview: Any) -> None:
    """The preview as tables: fields (the kept value marked), rows that move, warnings."""
    ids = [preview.survivor_id, *preview.merged_ids]
    table = Table(title=f"merge {', '.join(map(str, preview.merged_ids))} "
                        f"into {preview.survivor_id}")
    table.add_column("field")
    for cid in ids:
        table.add_column(f"{cid}" + (" (survivor)" if cid == preview.survivor_id else ""))
    table.add_column("kept")
    table.add_column("rule")
    for choice in preview.fields:
        if all(choice.values.get(cid) in (None, "", []) for cid in ids):
            continue
        cells = [("✔ " if choice.source_id == cid else "") + _shown(choice.values.get(cid))
                 for cid in ids]
        table.add_row(choice.field, *cells, _shown(choice.value), choice.rule)
    out = console()
    out.print(table)
    points = ", ".join(p["value"] for p in preview.contact_points) or "–"
    out.print(f"contact points: {points}")
    for label, values in (("identities", preview.identities), ("tags", preview.tags),
                          ("roles", preview.roles)):
        out.print(f"{label}: {', '.join(values) or '–'}")
    moved = ", ".join(f"{name} {c['moved']}" + (f" (+{c['dropped']} duplicate)"
                                                 if c["dropped"] else "")
                      for name, c in preview.rows.items())
    out.print(f"rows moving: {moved or 'none'}")
    for warning in preview.warnings:
        out.print(f"[yellow]warning:[/yellow] {warning}")


@dedupe.command("merge")
@click.argument("survivor", type=int)
@click.argument("others", nargs=-1, type=int)
@click.option("--pair", "pair_id", type=int, default=None,
              help="Merge the two customers of this duplicate pair (survivor: the older).")
@click.option("--prefer", default=None,
              help="Rule for every field this time: complete, newest, survivor, source:NAME.")
@click.option("--take", "take", multiple=True, metavar="FIELD=ID",
              help="Keep this customer's value of FIELD (repeatable).")
@click.option("--reason", default=None, help="Why (kept with the merge and in the audit log).")
@click.option("--yes", is_flag=True, help="Merge without asking (else: preview and confirm).")
@json_option
@pass_state
def merge_command(state: CliState, survivor: int, others: tuple[int, ...], pair_id: int | None,
                  prefer: str | None, take: tuple[str, ...], reason: str | None, yes: bool,
                  as_json: bool) -> None:
    """Merge the customers OTHERS into SURVIVOR (with --pair, SURVIVOR is one of the pair).

    Without --yes it shows what would be kept and moved, and asks first.
    """
    from guanxi.identity.merge import merge_customers, preview_merge
    from guanxi.models import DuplicatePair

    chosen = _take(take)
    with state.transaction() as uow:
        merged = list(others)
        if pair_id is not None:
            pair = uow.session.get(DuplicatePair, pair_id)
            if pair is None or survivor not in (pair.left_id, pair.right_id):
                raise ValidationError("--pair", f"customer {survivor} is not in pair {pair_id}")
            merged.append(pair.right_id if survivor == pair.left_id else pair.left_id)
        if not yes:
            preview = preview_merge(uow, survivor, merged, take=chosen, prefer=prefer)
    if not yes:
        if as_json:
            print_json(preview)
            return
        print_preview(preview)
        if not sys.stdin.isatty():
            click.echo("preview only: add --yes to merge", err=True)
            return
        if not click.confirm("merge?", default=False):
            click.echo("not merged", err=True)
            return
    with state.transaction() as uow:
        merge = merge_customers(uow, survivor, merged, take=chosen, prefer=prefer, reason=reason)
    if as_json:
        print_json(_summary(merge))
    else:
        click.echo(f"merge {merge.id}: {', '.join(map(str, merge.merged_ids))} merged into "
                   f"{merge.survivor_id} (undo: guanxi dedupe undo {merge.id})")


def _summary(merge: Any) -> dict[str, Any]:
    undo = merge.journal.get("undo", {})
    return {"id": merge.id, "survivor_id": merge.survivor_id, "merged_ids": merge.merged_ids,
            "at": merge.at, "actor": merge.actor, "reason": merge.reason,
            "undone_at": merge.undone_at, "kept_fields": undo.get("kept_fields", []),
            "undoable": merge.undone_at is None and not merge.journal.get("scrubbed_at")}


@dedupe.command("undo")
@click.argument("merge_id", type=int)
@json_option
@pass_state
def undo_command(state: CliState, merge_id: int, as_json: bool) -> None:
    """Undo the merge MERGE_ID: both customers back as they were."""
    from guanxi.identity.merge import undo_merge

    with state.transaction() as uow:
        merge = undo_merge(uow, merge_id)
    if as_json:
        print_json(_summary(merge))
        return
    restored = ", ".join(map(str, merge.merged_ids))
    click.echo(f"merge {merge.id} undone: {restored} restored beside {merge.survivor_id}")
    kept = merge.journal["undo"]["kept_fields"]
    if kept:
        click.echo(f"kept (edited since the merge): {', '.join(kept)}")


@dedupe.command("merges")
@click.option("--customer", "customer_id", type=int, default=None,
              help="Only merges this customer took part in.")
@click.option("--limit", default=100, show_default=True)
@json_option
@csv_option
@pass_state
def merges_command(state: CliState, customer_id: int | None, limit: int, as_json: bool,
                   as_csv: bool) -> None:
    """The history of merges, newest first."""
    from guanxi.identity.merge import list_merges

    with state.transaction() as uow:
        rows = [_summary(m) for m in list_merges(uow, customer_id=customer_id, limit=limit)]
    tz = state.app.tz
    emit(rows, [
        ("id", lambda r: r["id"]),
        ("survivor", lambda r: r["survivor_id"]),
        ("merged", lambda r: r["merged_ids"] if as_json else _shown(r["merged_ids"])),
        ("at", lambda r: r["at"] if as_json else local(r["at"], tz)),
        ("by", lambda r: r["actor"]),
        ("reason", lambda r: r["reason"]),
        ("undone", lambda r: r["undone_at"] if as_json else local(r["undone_at"], tz)),
        ("undoable", lambda r: r["undoable"]),
    ], as_json=as_json, as_csv=as_csv, title="merges")
