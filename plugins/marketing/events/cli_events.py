"""``guanxi marketing events …``: plan events, register and check in customers, capture
the contacts met there as leads, report on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_marketing.events.models import EVENT_KINDS


@click.group()
def events() -> None:
    """Events: trade shows, seminars, free clinics (贸易展, 研讨会, 义诊)."""


def customer_ref(uow: Any, reference: str, field: str = "customer") -> int:
    """A customer id from an id, phone, email or name (an error names ``field``)."""
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError(field, str(exc)) from None


def _event_columns(state: CliState) -> list:
    tz = state.app.tz
    return [
        ("id", lambda e: e.id),
        ("name", lambda e: e.name),
        ("kind", lambda e: e.kind),
        ("starts", lambda e: local(e.starts_at, tz)),
        ("ends", lambda e: local(e.ends_at, tz)),
        ("venue", lambda e: e.venue),
        ("capacity", lambda e: e.capacity),
        ("taken", lambda e: e.places_taken),
        ("waitlisted", lambda e: e.waitlisted),
        ("attended", lambda e: e.attended),
        ("status", lambda e: e.status),
        ("owner", lambda e: e.owner),
        ("campaign", lambda e: e.campaign_id),
    ]


def _registration_columns(state: CliState) -> list:
    tz = state.app.tz
    return [
        ("id", lambda r: r.id),
        ("customer_id", lambda r: r.customer_id),
        ("customer", lambda r: r.customer),
        ("status", lambda r: r.status),
        ("walk_in", lambda r: r.walk_in),
        ("registered", lambda r: local(r.registered_at, tz)),
        ("checked_in", lambda r: local(r.checked_in_at, tz)),
        ("notes", lambda r: r.notes),
    ]


@events.command("create")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(EVENT_KINDS), help="What it is.")
@click.option("--starts", "starts_at", required=True, help="Start (ISO; local if no zone).")
@click.option("--ends", "ends_at", required=True, help="End (ISO).")
@click.option("--venue", default=None)
@click.option("--capacity", type=int, default=None, help="Places (default: no limit).")
@click.option("--deadline", "registration_deadline", default=None, help="Registration closes.")
@click.option("--budget", default="0", show_default=True)
@click.option("--owner", default=None, help="Staff username (default: the acting user).")
@click.option("--description", default=None)
@click.option("--campaign", default=None, help="An existing event campaign (id or name).")
@json_option
@pass_state
def events_create(state: CliState, name: str, as_json: bool, **options: Any) -> None:
    """Create the event NAME (a campaign of type event)."""
    from guanxi_marketing.events.events import create_event, event_row

    with state.transaction() as uow:
        event = create_event(uow, name=name, **options)
        row = event_row(uow, event.id)  # type: ignore[arg-type]
    if as_json:
        print_json(row)
    else:
        click.echo(f"created event {row.id} (campaign {row.campaign_id})")


@events.command("list")
@click.option("--kind", type=click.Choice(EVENT_KINDS), default=None)
@click.option("--upcoming", is_flag=True, help="Only events that have not ended.")
@click.option("--limit", default=100, show_default=True)
@json_option
@pass_state
def events_list(state: CliState, kind: str | None, upcoming: bool, limit: int,
                as_json: bool) -> None:
    """List events by start time."""
    from guanxi_marketing.events.events import list_events

    with state.transaction() as uow:
        rows = list_events(uow, kind=kind, upcoming=upcoming, limit=limit)
    emit(rows, _event_columns(state), as_json=as_json)


@events.command("show")
@click.argument("event_id", type=int)
@click.option("--status", default=None, help="Only registrations in this status.")
@json_option
@pass_state
def events_show(state: CliState, event_id: int, status: str | None, as_json: bool) -> None:
    """Show an event and its registrations."""
    from guanxi_marketing.events.events import event_row
    from guanxi_marketing.events.registrations import list_registrations

    with state.transaction() as uow:
        row = event_row(uow, event_id)
        registrations = list_registrations(uow, event_id, status=status)
    if as_json:
        print_json({"event": row, "registrations": registrations})
        return
    emit([row], _event_columns(state), as_json=False)
    emit(registrations, _registration_columns(state), as_json=False, title="registrations")


def _registration_step(name: str, help_text: str, step: str, done: str) -> click.Command:
    """A command ``events NAME EVENT_ID CUSTOMER`` calling ``registrations.<step>``."""

    @click.argument("event_id", type=int)
    @click.argument("customer")
    @pass_state
    def command(state: CliState, event_id: int, customer: str, **extra: Any) -> None:
        from guanxi_marketing.events import registrations

        with state.transaction() as uow:
            registration = getattr(registrations, step)(
                uow, event_id, customer_ref(uow, customer), **extra)
        click.echo(f"customer {registration.customer_id} {done} "
                   f"(event {event_id}: {registration.status})")

    command.__doc__ = help_text
    return click.command(name)(command)


register_command = _registration_step(
    "register", "Register CUSTOMER for the event (waitlisted when full).", "register", "registered")
register_command = click.option("--notes", default=None)(register_command)
confirm_command = _registration_step(
    "confirm", "CUSTOMER confirmed he will come.", "confirm", "confirmed")
checkin_command = _registration_step(
    "checkin", "Check CUSTOMER in (a walk-in if not registered).", "check_in", "checked in")
checkin_command = click.option("--notes", default=None)(checkin_command)
cancel_command = _registration_step(
    "cancel", "Cancel CUSTOMER's registration (the waitlist moves up).", "cancel", "cancelled")
for _command in (register_command, confirm_command, checkin_command, cancel_command):
    events.add_command(_command)


@events.command("close")
@click.argument("event_id", type=int)
@pass_state
def events_close(state: CliState, event_id: int) -> None:
    """After the event: mark who held a place and did not come as no-shows."""
    from guanxi_marketing.events.registrations import close_event

    with state.transaction() as uow:
        marked = close_event(uow, event_id)
    click.echo(f"event {event_id} closed: {marked} no-shows")


@events.command("capture")
@click.argument("event_id", type=int)
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--encoding", default=None, help="The file's encoding (default UTF-8).")
@json_option
@pass_state
def events_capture(state: CliState, event_id: int, csv_file: Path, encoding: str | None,
                   as_json: bool) -> None:
    """Capture the contacts met at the event (CSV: name, company, email, phone, interest,
    notes) as leads; one bad row stores nothing."""
    from guanxi_marketing.events.capture import capture_contacts, read_contacts_csv

    contacts = read_contacts_csv(csv_file, encoding=encoding)
    with state.transaction() as uow:
        lead_ids = capture_contacts(uow, event_id, contacts, first_row=2)
    if as_json:
        print_json({"event_id": event_id, "lead_ids": lead_ids})
    else:
        click.echo(f"captured {len(lead_ids)} leads from {csv_file.name}")


@events.command("report")
@click.argument("event_id", type=int)
@json_option
@pass_state
def events_report(state: CliState, event_id: int, as_json: bool) -> None:
    """Registrations, attendance rate, no-shows, leads and cost per attendee / lead."""
    from guanxi_marketing.events.event_report import event_report

    with state.transaction() as uow:
        report = event_report(uow, event_id)
    if as_json:
        print_json(report)
        return
    for key, value in print_ready(report).items():
        click.echo(f"{key}: {value}")


def print_ready(report: Any) -> dict[str, Any]:
    """A report dataclass as ``name: value`` lines (None shown as ``-``)."""
    from guanxi.cli.output import to_jsonable

    return {key: "-" if value is None else value for key, value in to_jsonable(report).items()}
