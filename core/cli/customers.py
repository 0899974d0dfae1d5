"""``guanxi customer …`` and ``guanxi timeline``."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import (
    csv_option,
    emit,
    json_option,
    local,
    parse_assignments,
    print_json,
    to_jsonable,
)
from guanxi.records import CustomerRecord, InteractionRecord

customer_options = [
    click.option("--email", "emails", multiple=True, help="Email address (repeatable)."),
    click.option("--phone", "phones", multiple=True, help="Phone number (repeatable)."),
    click.option("--address", "addresses", multiple=True, help="Postal address (repeatable)."),
    click.option("--role", "roles", multiple=True, help="Role, e.g. customer, partner, dealer."),
    click.option("--tag", "tags", multiple=True, help="Tag (repeatable)."),
    click.option(
        "--identity",
        "identities",
        multiple=True,
        metavar="SOURCE:ID",
        help="The customer's id in another system (repeatable).",
    ),
    click.option(
        "--field", "fields", multiple=True, metavar="NAME=VALUE", help="Custom field (repeatable)."
    ),
    click.option("--stage", "lifecycle_stage", default=None, help="Lifecycle stage."),
    click.option("--owner", default=None, help="Owner: staff username."),
    click.option("--org", "organization_id", type=int, default=None, help="Organisation id."),
    click.option("--gender", default=None),
    click.option("--birth-date", "birth_date", default=None, help="YYYY-MM-DD."),
    click.option("--occupation", default=None),
    click.option("--preferred-channel", "preferred_channel", default=None),
    click.option("--care-notes", "care_notes", default=None, help="Care notes (关怀)."),
]


def with_customer_options(func: Any) -> Any:
    """Apply the shared customer field options to a command."""
    for option in reversed(customer_options):
        func = option(func)
    return func


def _identities(values: tuple[str, ...]) -> list[dict[str, str]]:
    result = []
    for value in values:
        source, sep, external_id = value.partition(":")
        if not sep or not source or not external_id:
            raise click.BadParameter(f"{value!r} is not SOURCE:ID", param_hint="--identity")
        result.append({"source": source, "external_id": external_id})
    return result


def _scalar_fields(options: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "lifecycle_stage",
        "owner",
        "organization_id",
        "gender",
        "birth_date",
        "occupation",
        "preferred_channel",
        "care_notes",
    )
    return {k: options[k] for k in keys if options.get(k) is not None}


def customer_columns(state: CliState) -> list[tuple[str, Any]]:
    """The columns of customer listings."""
    return [
        ("id", lambda c: c.id),
        ("name", lambda c: c.name),
        ("kind", lambda c: c.kind),
        ("stage", lambda c: c.lifecycle_stage),
        ("roles", lambda c: ",".join(c.roles)),
        ("email", lambda c: c.primary_email),
        ("phone", lambda c: c.primary_phone),
        ("tags", lambda c: ",".join(c.tags)),
    ]


def interaction_columns(state: CliState) -> list[tuple[str, Any]]:
    """The columns of interaction listings (times in the display time zone)."""
    tz = state.app.tz
    return [
        ("id", lambda i: i.id),
        ("when", lambda i: local(i.occurred_at, tz)),
        ("customer", lambda i: i.customer_id),
        ("kind", lambda i: i.kind),
        ("channel", lambda i: i.channel),
        ("direction", lambda i: i.direction),
        ("subject", lambda i: i.subject),
        ("revenue", lambda i: i.revenue),
    ]


@click.group()
def customer() -> None:
    """Customers in the broad sense: people and organisations (客户)."""


@customer.command("add")
@click.argument("name")
@click.option("--org-kind", "kind", flag_value="organization", help="An organisation.")
@click.option("--person", "kind", flag_value="person", default=True, help="A person (default).")
@with_customer_options
@click.option(
    "--no-check",
    "no_check",
    is_flag=True,
    help="Skip the duplicate check (an admin who knows the record is new).",
)
@json_option
@pass_state
def add(state: CliState, name: str, kind: str, as_json: bool, no_check: bool,
        **options: Any) -> None:
    """Add a customer named NAME (as written; Chinese names are not split).

    The new customer is checked against the stored ones first ([identity] on_match):
    a match is flagged for review, refused, or linked into the existing customer.
    """
    from guanxi.access.enforce import filter_visible
    from guanxi.services.customers import add_customer

    data: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "emails": list(options["emails"]),
        "phones": list(options["phones"]),
        "addresses": list(options["addresses"]),
        "tags": list(options["tags"]),
        "identities": _identities(options["identities"]),
        "custom": parse_assignments(options["fields"], "--field"),
        **_scalar_fields(options),
    }
    if options["roles"]:
        data["roles"] = list(options["roles"])
    with state.transaction() as uow:
        record = add_customer(uow, check=not no_check, **data)
        visible = filter_visible(uow, set(record.duplicate_of))
    if as_json:
        # A customer the user cannot see is not named, here either.
        seen = tuple(i for i in record.duplicate_of if i in visible)
        print_json(dataclasses.replace(record, duplicate_of=seen))
    else:
        click.echo(_added_line(record, visible))


def _added_line(record: CustomerRecord, visible: set[int]) -> str:
    """What ``customer add`` did, in one line: added, flagged or linked."""
    if record.link_to is not None:
        return f"linked to customer {record.id} ({record.name}): it matched; what was new was added"
    line = f"added customer {record.id}: {record.name}"
    if not record.duplicate_of:
        return line
    other = record.duplicate_of[0]
    whom = f"customer {other}" if other in visible else "an existing customer you cannot see"
    return f"{line} (possible duplicate of {whom}; queued for review)"


@customer.command("update")
@click.argument("reference")
@click.option("--name", default=None)
@click.option("--set-role", "set_roles", multiple=True, help="Replace the roles (repeatable).")
@click.option("--add-tag", "add_tags", multiple=True)
@click.option("--remove-tag", "remove_tags", multiple=True)
@click.option("--add-email", "add_emails", multiple=True)
@click.option("--add-phone", "add_phones", multiple=True)
@click.option("--add-identity", "add_identities", multiple=True, metavar="SOURCE:ID")
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a custom field; NAME= clears it.",
)
@click.option("--stage", "lifecycle_stage", default=None)
@click.option("--owner", default=None)
@click.option("--org", "organization_id", type=int, default=None)
@click.option("--gender", default=None)
@click.option("--birth-date", "birth_date", default=None)
@click.option("--occupation", default=None)
@click.option("--preferred-channel", "preferred_channel", default=None)
@click.option("--care-notes", "care_notes", default=None)
@json_option
@pass_state
def update(state: CliState, reference: str, as_json: bool, **options: Any) -> None:
    """Change the customer REFERENCE (id, email, phone or SOURCE:ID)."""
    from guanxi.services.lookup import resolve_customer
    from guanxi.services.updates import update_customer

    changes: dict[str, Any] = _scalar_fields(options)
    if options["name"]:
        changes["name"] = options["name"]
    if options["set_roles"]:
        changes["roles"] = list(options["set_roles"])
    for key in ("add_tags", "remove_tags", "add_emails", "add_phones"):
        if options[key]:
            changes[key] = list(options[key])
    if options["add_identities"]:
        changes["add_identities"] = _identities(options["add_identities"])
    if options["fields"]:
        custom = parse_assignments(options["fields"], "--field")
        changes["custom"] = {k: (None if v == "" else v) for k, v in custom.items()}
    with state.transaction() as uow:
        change = update_customer(uow, resolve_customer(uow, reference), changes)
    if as_json:
        print_json(change)
    elif not change.after:
        click.echo(f"customer {change.customer_id}: nothing changed")
    else:
        click.echo(f"updated customer {change.customer_id}: {', '.join(change.after)}")


@customer.command("show")
@click.argument("reference")
@click.option("--source", default=None, help="REFERENCE is an external id of this source.")
@click.option("--limit", default=10, show_default=True, help="Recent interactions to show.")
@json_option
@pass_state
def show(state: CliState, reference: str, source: str | None, limit: int, as_json: bool) -> None:
    """The customer 360 view: record, rollups, recent interactions, tasks, plugin sections."""
    from guanxi.cli.views import print_360
    from guanxi.services.customer360 import customer_360
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        view = customer_360(uow, resolve_customer(uow, reference, source=source), limit=limit)
    if as_json:
        print_json(view)
    else:
        print_360(state.app, view)


@customer.command("list")
@click.option("--role", default=None)
@click.option("--stage", default=None)
@click.option("--owner", default=None, help="Staff username.")
@click.option("--tag", default=None)
@click.option("--after", "after_id", type=int, default=None, help="Page after this id.")
@click.option("--limit", default=50, show_default=True)
@json_option
@csv_option
@pass_state
def list_(state: CliState, owner: str | None, as_json: bool, as_csv: bool, **filters: Any) -> None:
    """List customers in id order (page on with --after LAST_ID)."""
    from guanxi.services.lookup import list_customers
    from guanxi.services.staff import get_staff

    with state.transaction() as uow:
        owner_id = get_staff(uow, owner).id if owner else None
        rows = list_customers(uow, owner_id=owner_id, **filters)
    emit(rows, customer_columns(state), as_json=as_json, as_csv=as_csv)


@customer.command("find")
@click.argument("text")
@click.option("--limit", default=20, show_default=True)
@json_option
@csv_option
@pass_state
def find(state: CliState, text: str, limit: int, as_json: bool, as_csv: bool) -> None:
    """Find customers by id, email, phone, SOURCE:ID or part of the name."""
    from guanxi.services.lookup import find_customers

    with state.transaction() as uow:
        rows: list[CustomerRecord] = find_customers(uow, text, limit=limit)
    emit(rows, customer_columns(state), as_json=as_json, as_csv=as_csv)


@click.command("timeline")
@click.argument("reference")
@click.option("--source", default=None, help="REFERENCE is an external id of this source.")
@click.option("--limit", default=50, show_default=True)
@click.option("--before", "before_id", type=int, default=None, help="Page before this id.")
@click.option("--kind", "kind_prefix", default=None, help="Only kinds starting with this.")
@json_option
@pass_state
def timeline_command(
    state: CliState,
    reference: str,
    source: str | None,
    limit: int,
    before_id: int | None,
    kind_prefix: str | None,
    as_json: bool,
) -> None:
    """A customer's interactions, newest first."""
    from guanxi.services.interactions import timeline
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference, source=source)
        rows: list[InteractionRecord] = timeline(
            uow, customer_id, limit=limit, before_id=before_id, kind_prefix=kind_prefix
        )
    if as_json:
        print_json(to_jsonable(rows))
    else:
        emit(rows, interaction_columns(state), as_json=False, title=f"timeline of {customer_id}")


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    cli.add_command(customer)
    cli.add_command(timeline_command)
