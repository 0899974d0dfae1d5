"""``guanxi interaction log|list|kinds``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.customers import interaction_columns
from guanxi.cli.output import csv_option, emit, json_option, parse_assignments, print_json


@click.group()
def interaction() -> None:
    """The append-only interaction log (接触记录)."""


@interaction.command("log")
@click.argument("reference")
@click.option("--kind", required=True, help="Namespaced kind, e.g. core.contact.")
@click.option(
    "--source", "ref_source", default=None, help="REFERENCE is an external id of this source."
)
@click.option("--channel", default=None)
@click.option(
    "--direction", type=click.Choice(["inbound", "outbound", "internal"]), default="inbound"
)
@click.option("--at", "occurred_at", default=None, help="When (ISO; local time if no zone).")
@click.option("--subject", default=None)
@click.option("--revenue", default=None)
@click.option("--cost", default=None)
@click.option("--currency", default=None)
@click.option("--actor", default=None, help="Staff username (default: --as).")
@click.option("--payload", default=None, help="Payload as a JSON object.")
@click.option("--set", "payload_fields", multiple=True, metavar="NAME=VALUE", help="Payload field.")
@click.option(
    "--corrects", "corrects_id", type=int, default=None, help="Id of the entry this corrects."
)
@json_option
@pass_state
def log(
    state: CliState,
    reference: str,
    ref_source: str | None,
    payload: str | None,
    payload_fields: tuple[str, ...],
    occurred_at: str | None,
    actor: str | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Log an interaction with the customer REFERENCE."""
    from guanxi.services.interactions import log_interaction
    from guanxi.services.lookup import resolve_customer

    data: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    if payload:
        try:
            data["payload"] = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(str(exc), param_hint="--payload") from None
    if payload_fields:
        data["payload"] = {**data.get("payload", {}), **parse_assignments(payload_fields, "--set")}
    if occurred_at:
        try:
            data["occurred_at"] = dt.datetime.fromisoformat(occurred_at)
        except ValueError:
            raise click.BadParameter(
                f"{occurred_at!r} is not an ISO date-time", param_hint="--at"
            ) from None
    with state.transaction() as uow:
        data["customer_id"] = resolve_customer(uow, reference, source=ref_source)
        data["actor"] = actor if actor is not None else uow.actor_id
        record = log_interaction(uow, **data)
    if as_json:
        print_json(record)
    else:
        click.echo(
            f"logged interaction {record.id} ({record.kind}) for customer {record.customer_id}"
        )


@interaction.command("list")
@click.option("--customer", "reference", default=None, help="Only this customer.")
@click.option("--kind", "kind_prefix", default=None, help="Only kinds starting with this.")
@click.option("--limit", default=50, show_default=True)
@json_option
@csv_option
@pass_state
def list_(
    state: CliState,
    reference: str | None,
    kind_prefix: str | None,
    limit: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """The newest interactions, optionally of one customer or kind."""
    from guanxi.services.interactions import recent_interactions
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference) if reference else None
        rows = recent_interactions(
            uow, customer_id=customer_id, kind_prefix=kind_prefix, limit=limit
        )
    emit(rows, interaction_columns(state), as_json=as_json, as_csv=as_csv)


@interaction.command("kinds")
@json_option
@csv_option
@pass_state
def kinds(state: CliState, as_json: bool, as_csv: bool) -> None:
    """The registered interaction kinds and the plugins that registered them."""
    rows = list(state.app.registry.interaction_kinds.values())
    emit(
        rows,
        [
            ("kind", lambda k: k.name),
            ("plugin", lambda k: k.plugin),
            ("channel", lambda k: k.default_channel),
            ("description", lambda k: k.description),
            ("payload fields", lambda k: ", ".join(k.schema.model_fields) if k.schema else ""),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    cli.add_command(interaction)
