"""``guanxi export customers|interactions``: whole listings as CSV, JSON or vCard."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import _csv_cell, to_jsonable


@click.group("export")
def export_group() -> None:
    """Write whole listings to a file (or stdout), streamed page by page.

    Record access applies (you export what you may see) and sensitive fields are
    masked as in 'customer show'. Needs the export permission (customer:export,
    interaction:export). A customer CSV has the import's columns: it imports back.
    """


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    # A BOM, so that Excel opens the Chinese in a CSV file as UTF-8 (the import reads it).
    encoding = "utf-8-sig" if path.suffix.lower() == ".csv" else "utf-8"
    with open(path, "w", encoding=encoding, newline="") as handle:
        yield handle


class _JsonArray:
    """A JSON array written one element at a time (never the whole list in memory)."""

    def __init__(self, out: IO[str]):
        self.out, self.first = out, True
        out.write("[")

    def add(self, value: Any) -> None:
        self.out.write(
            ("\n  " if self.first else ",\n  ") + json.dumps(to_jsonable(value), ensure_ascii=False)
        )
        self.first = False

    def close(self) -> None:
        self.out.write("\n]\n" if not self.first else "]\n")


output_option = click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE [default: stdout].",
)


@export_group.command("customers")
@click.option(
    "--format",
    "format",
    type=click.Choice(["csv", "json", "vcard"]),
    default="csv",
    show_default=True,
)
@click.option(
    "--vcard-version", type=click.Choice(["3.0", "4.0"]), default="4.0", show_default=True
)
@click.option("--role", default=None)
@click.option("--stage", default=None)
@click.option("--owner", default=None, help="Staff username.")
@click.option("--tag", default=None)
@output_option
@pass_state
def export_customers(
    state: CliState,
    format: str,
    vcard_version: str,
    owner: str | None,
    output: Path | None,
    **filters: Any,
) -> None:
    """Export customers (the filters of 'customer list'), in id order."""
    from guanxi.exchange.listing import customer_columns, customer_pages, customer_row
    from guanxi.exchange.vcard import customer_card

    app, as_user = state.app, state.as_user()
    if owner:
        from guanxi.services.staff import get_staff

        with state.transaction() as uow:
            filters["owner_id"] = get_staff(uow, owner).id
    pages = customer_pages(app, as_user=as_user, filters=filters)
    with _output(output) as out:
        if format == "vcard":
            for page, extras in pages:
                for record in page:
                    updated, _, org = extras[record.id or 0]
                    out.write(
                        customer_card(
                            record, version=vcard_version, organisation=org, updated=updated
                        )
                    )
        elif format == "json":
            _write_json(out, pages)
        else:
            columns = customer_columns(app, as_user=as_user)
            writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            for page, extras in pages:
                writer.writerows(_csv_row(customer_row(r, extras[r.id or 0])) for r in page)


@export_group.command("interactions")
@click.option(
    "--format", "format", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--customer", "customer", default=None, help="Only this customer (id, email, phone, SOURCE:ID)."
)
@click.option("--kind", "kind_prefix", default=None, help="Only kinds starting with this.")
@output_option
@pass_state
def export_interactions(
    state: CliState,
    format: str,
    customer: str | None,
    kind_prefix: str | None,
    output: Path | None,
) -> None:
    """Export interactions (the filters of 'interaction list'), newest first."""
    from guanxi.exchange.listing import INTERACTION_COLUMNS, interaction_pages, interaction_row

    pages = interaction_pages(
        state.app, as_user=state.as_user(), customer=customer, kind_prefix=kind_prefix
    )
    with _output(output) as out:
        if format == "json":
            _write_json(out, pages)
        else:
            writer = csv.DictWriter(out, INTERACTION_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for page, actors in pages:
                writer.writerows(_csv_row(interaction_row(r, actors)) for r in page)


def _write_json(out: IO[str], pages: Iterator[tuple[list[Any], Any]]) -> None:
    array = _JsonArray(out)
    for page, _ in pages:
        for record in page:
            array.add(record)
    array.close()


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _csv_cell(to_jsonable(value)) for key, value in row.items()}


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    cli.add_command(export_group)
