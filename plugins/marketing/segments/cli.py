"""``guanxi marketing segments …``: create, list, show, preview, add, remove, delete, snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import ValidationError

REF_HELP = "A segment id or name."
FILE_HELP = "A file of customer ids, one per line (or separated by commas/spaces)."


def _ids(given: tuple[str, ...], file: Path | None) -> list[Any]:
    """Customer ids from arguments (``1 2``, ``1,2``) and from a file."""
    text = " ".join(given)
    if file is not None:
        try:
            text += " " + file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError("file", f"cannot read {file}: {exc}") from None
    return text.replace(",", " ").split()


def _echo_segment(state: CliState, ref: int | str, verb: str | None, as_json: bool) -> None:
    from guanxi_marketing.segments.views import describe_segment

    with state.transaction() as uow:
        view = describe_segment(uow, ref)
    if as_json:
        print_json(view)
        return
    prefix = f"{verb} " if verb else ""
    click.echo(f"{prefix}{view.kind} segment {view.id}: {view.name} — {view.members} member(s)")
    if view.expression:
        click.echo(f"  expression: {view.expression}")
    if view.description:
        click.echo(f"  description: {view.description}")
    if not verb:
        tz = state.app.tz
        click.echo(f"  owner: {view.owner or '-'}; updated {local(view.updated_at, tz)}")


ids_argument = click.argument("customer_ids", nargs=-1)
file_option = click.option(
    "--file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=FILE_HELP
)


@click.group()
def segments() -> None:
    """Customer segments (客户细分): dynamic expressions and static lists."""


@segments.command("create")
@click.argument("name")
@click.option("--expression", "-e", default=None, help="The filter expression (dynamic).")
@click.option("--description", default=None)
@ids_argument
@file_option
@json_option
@pass_state
def create_command(
    state: CliState,
    name: str,
    expression: str | None,
    description: str | None,
    customer_ids: tuple[str, ...],
    file: Path | None,
    as_json: bool,
) -> None:
    """Create segment NAME: dynamic with --expression, else static with CUSTOMER_IDS."""
    from guanxi_marketing.segments.service import create_segment

    with state.transaction() as uow:
        segment = create_segment(
            uow,
            name=name,
            expression=expression,
            customer_ids=_ids(customer_ids, file),
            description=description,
        )
    _echo_segment(state, segment.id or 0, "created", as_json)


@segments.command("list")
@click.option("--kind", type=click.Choice(["dynamic", "static"]), default=None)
@json_option
@pass_state
def list_command(state: CliState, kind: str | None, as_json: bool) -> None:
    """List the segments, by name."""
    from guanxi_marketing.segments.service import list_segments

    with state.transaction() as uow:
        rows = list_segments(uow, kind=kind)
    columns: list[tuple[str, Any]] = [
        ("id", lambda s: s.id),
        ("name", lambda s: s.name),
        ("kind", lambda s: s.kind),
        ("expression", lambda s: s.expression),
        ("description", lambda s: s.description),
    ]
    emit(rows, columns, as_json=as_json)


@segments.command("show")
@click.argument("ref")
@json_option
@pass_state
def show_command(state: CliState, ref: str, as_json: bool) -> None:
    """Show segment REF (id or name) with its current member count."""
    _echo_segment(state, ref, None, as_json)


@segments.command("preview")
@click.argument("ref", required=False)
@click.option("--expression", "-e", default=None, help="Preview an expression instead.")
@click.option("--limit", type=int, default=None, help="Customers to list (default: settings).")
@json_option
@pass_state
def preview_command(
    state: CliState, ref: str | None, expression: str | None, limit: int | None, as_json: bool
) -> None:
    """Count the members of segment REF (or of --expression) and list the first ones."""
    from guanxi_marketing.segments.views import preview

    with state.transaction() as uow:
        result = preview(uow, segment=ref, expression=expression, limit=limit)
    if as_json:
        print_json(result)
        return
    columns: list[tuple[str, Any]] = [
        ("id", lambda c: c["id"]),
        ("name", lambda c: c["name"]),
        ("stage", lambda c: c["lifecycle_stage"]),
    ]
    emit(result.customers, columns, as_json=False, title=f"{result.count} customer(s)")


@segments.command("add")
@click.argument("ref")
@ids_argument
@file_option
@pass_state
def add_command(
    state: CliState, ref: str, customer_ids: tuple[str, ...], file: Path | None
) -> None:
    """Add CUSTOMER_IDS (and the ids in --file) to the static segment REF."""
    from guanxi_marketing.segments.service import add_members

    with state.transaction() as uow:
        added = add_members(uow, ref, _ids(customer_ids, file))
    click.echo(f"added {added} customer(s) to {ref}")


@segments.command("remove")
@click.argument("ref")
@ids_argument
@file_option
@pass_state
def remove_command(
    state: CliState, ref: str, customer_ids: tuple[str, ...], file: Path | None
) -> None:
    """Remove CUSTOMER_IDS (and the ids in --file) from the static segment REF."""
    from guanxi_marketing.segments.service import remove_members

    with state.transaction() as uow:
        removed = remove_members(uow, ref, _ids(customer_ids, file))
    click.echo(f"removed {removed} customer(s) from {ref}")


@segments.command("edit")
@click.argument("ref")
@click.option("--name", default=None, help="A new name.")
@click.option("--expression", "-e", default=None, help="A new expression (dynamic only).")
@click.option("--description", default=None, help="A new description ('' clears it).")
@json_option
@pass_state
def edit_command(
    state: CliState,
    ref: str,
    name: str | None,
    expression: str | None,
    description: str | None,
    as_json: bool,
) -> None:
    """Rename segment REF, or change its description or expression."""
    from guanxi_marketing.segments.service import update_segment

    with state.transaction() as uow:
        segment = update_segment(
            uow, ref, name=name, expression=expression, description=description
        )
    _echo_segment(state, segment.id or 0, "updated", as_json)


@segments.command("delete")
@click.argument("ref")
@pass_state
def delete_command(state: CliState, ref: str) -> None:
    """Delete segment REF (refused while a campaign uses it)."""
    from guanxi_marketing.segments.service import delete_segment

    with state.transaction() as uow:
        delete_segment(uow, ref)
    click.echo(f"deleted segment {ref}")


@segments.command("snapshot")
@click.argument("ref")
@click.argument("name")
@click.option("--description", default=None)
@json_option
@pass_state
def snapshot_command(
    state: CliState, ref: str, name: str, description: str | None, as_json: bool
) -> None:
    """Freeze the current members of segment REF into a new static segment NAME."""
    from guanxi_marketing.segments.service import snapshot_segment

    with state.transaction() as uow:
        segment = snapshot_segment(uow, ref, name=name, description=description)
    _echo_segment(state, segment.id or 0, "created", as_json)
