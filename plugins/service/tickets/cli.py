"""``guanxi service tickets …``: open, show, list, queue, reply, note, assign, status,
resolve, close, reopen; the volume and backlog reports."""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.tickets.models import CHANNELS, PRIORITIES, STATUSES, TICKET_TYPES


@click.group()
def tickets() -> None:
    """Service requests (服务请求): replies, notes, assignment, statuses, queues, reports."""


def _customer_id(uow: Any, reference: str) -> int:
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


def _columns(tz: Any) -> list:
    return [("id", lambda t: t.id), ("number", lambda t: t.number),
            ("customer_id", lambda t: t.customer_id), ("customer", lambda t: t.customer),
            ("type", lambda t: t.type), ("channel", lambda t: t.channel),
            ("priority", lambda t: t.priority), ("status", lambda t: t.status),
            ("subject", lambda t: t.subject), ("assignee", lambda t: t.assignee),
            ("team", lambda t: t.team), ("opened", lambda t: local(t.opened_at, tz)),
            ("sla_due", lambda t: local(t.sla_due_at, tz)), ("overdue", lambda t: t.overdue)]


def _done(state: CliState, ticket_id: int, verb: str, as_json: bool) -> None:
    """Print the ticket after a change: its detail as JSON, or one line."""
    from guanxi_service.tickets.service import ticket_detail

    with state.transaction() as uow:
        detail = ticket_detail(uow, ticket_id)
    if as_json:
        print_json(detail)
        return
    row = detail.ticket
    who = f", {row.assignee}" if row.assignee else ""
    team = f" ({row.team})" if row.team else ""
    click.echo(f"{verb} {row.number}: {row.subject} [{row.type}, {row.priority}, "
               f"{row.status}{who}{team}]")


@tickets.command("open")
@click.argument("customer")
@click.argument("subject")
@click.option("--type", "kind", required=True, type=click.Choice(TICKET_TYPES))
@click.option("--channel", required=True, type=click.Choice(CHANNELS), help="How it came in.")
@click.option("--description", default=None, help="What the customer reported.")
@click.option("--priority", type=click.Choice(PRIORITIES), default="normal", show_default=True)
@click.option("--asset", "asset_id", type=int, default=None, help="The asset (id) it is about.")
@click.option("--assignee", default=None, help="Staff username to work it.")
@click.option("--team", default=None, help="Team (name or id) whose queue it joins.")
@click.option("--parent", default=None, help="The ticket this one follows up (number or id).")
@click.option("--opened-at", "opened_at", default=None,
              help="When it came in (YYYY-MM-DD HH:MM, local time; default now).")
@json_option
@pass_state
def open_(state: CliState, customer: str, subject: str, kind: str, channel: str,
          description: str | None, priority: str, asset_id: int | None, assignee: str | None,
          team: str | None, parent: str | None, opened_at: str | None, as_json: bool) -> None:
    """Open a ticket for CUSTOMER (id, email, phone …) about SUBJECT."""
    from guanxi_service.tickets.service import open_ticket

    with state.transaction() as uow:
        ticket = open_ticket(
            uow, customer_id=_customer_id(uow, customer), type=kind, channel=channel,
            subject=subject, description=description, priority=priority, asset_id=asset_id,
            assignee_id=assignee, team_id=team, parent_id=parent, opened_at=opened_at)
    _done(state, ticket.id, "opened", as_json)


@tickets.command("show")
@click.argument("ticket")
@json_option
@pass_state
def show(state: CliState, ticket: str, as_json: bool) -> None:
    """TICKET (number or id) with its texts, SLA clock and whole history."""
    from guanxi_service.tickets.service import ticket_detail

    with state.transaction() as uow:
        detail = ticket_detail(uow, ticket)
    if as_json:
        print_json(detail)
        return
    tz = state.app.tz
    for header, get in _columns(tz):
        value = get(detail.ticket)
        click.echo(f"{header}: {'' if value is None else value}")
    for label, value in (
        ("description", detail.description), ("resolution", detail.resolution),
        ("parent_id", detail.parent_id), ("follow_ups", ", ".join(detail.follow_ups)),
        ("sla_policy", detail.sla_policy),
        ("first_response_due", local(detail.first_response_due_at, tz)),
        ("first_responded", local(detail.first_responded_at, tz)),
        ("resolution_due", local(detail.resolution_due_at, tz)),
        ("resolved", local(detail.resolved_at, tz)), ("closed", local(detail.closed_at, tz)),
    ):
        if value:
            click.echo(f"{label}: {value}")
    click.echo("history:")
    for entry in detail.history:
        if entry.from_value is not None:
            change = f" {entry.from_value} → {entry.to_value or '-'}"
        else:
            change = "" if entry.to_value is None else f" → {entry.to_value}"
        body = f": {entry.body}" if entry.body else ""
        private = "" if entry.public or entry.kind != "note" else " (internal)"
        click.echo(f"  {local(entry.at, tz)} {entry.actor or 'system'} "
                   f"{entry.kind}{private}{change}{body}")


@tickets.command("list")
@click.option("--status", multiple=True, type=click.Choice(STATUSES), help="Repeatable.")
@click.option("--open", "open_only", is_flag=True, help="Only new, open, pending, on_hold.")
@click.option("--type", "kind", multiple=True, type=click.Choice(TICKET_TYPES))
@click.option("--channel", multiple=True, type=click.Choice(CHANNELS))
@click.option("--priority", multiple=True, type=click.Choice(PRIORITIES))
@click.option("--team", default=None, help="Team name or id.")
@click.option("--assignee", default=None, help="Staff username.")
@click.option("--unassigned", is_flag=True, help="Only tickets nobody is assigned to.")
@click.option("--customer", default=None, help="Customer reference (id, email, phone …).")
@click.option("--overdue", is_flag=True, help="Only open tickets past their SLA deadline.")
@click.option("--before", "before_id", type=int, default=None,
              help="Page on: tickets older than this id (the last one listed).")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_(state: CliState, status: tuple[str, ...], open_only: bool, kind: tuple[str, ...],
          channel: tuple[str, ...], priority: tuple[str, ...], team: str | None,
          assignee: str | None, unassigned: bool, customer: str | None, overdue: bool,
          before_id: int | None, limit: int, as_json: bool) -> None:
    """Tickets you may see, newest first."""
    from guanxi_service.tickets.service import list_tickets

    with state.transaction() as uow:
        rows = list_tickets(
            uow, status=status, open_only=open_only, type=kind, channel=channel,
            priority=priority, team=team, assignee=assignee, unassigned=unassigned,
            customer_id=_customer_id(uow, customer) if customer else None, overdue=overdue,
            before_id=before_id, limit=limit)
    emit(rows, _columns(state.app.tz), as_json=as_json, title="tickets")


@tickets.command("queue")
@click.argument("team")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@pass_state
def queue(state: CliState, team: str, limit: int, as_json: bool) -> None:
    """TEAM's open tickets, the nearest SLA deadline first."""
    from guanxi_service.tickets.common import team_field
    from guanxi_service.tickets.listing import ticket_rows
    from guanxi_service.tickets.service import team_queue

    with state.transaction() as uow:
        found = team_field(uow, team, "team")
        rows = ticket_rows(uow, team_queue(uow, found.id, limit=limit))
    emit(rows, _columns(state.app.tz), as_json=as_json, title=f"queue of {found.name}")


@tickets.command("reply")
@click.argument("ticket")
@click.argument("body")
@click.option("--status", type=click.Choice(("open", "pending", "on_hold")), default=None,
              help="Move the ticket on with the reply (pending: waiting for the customer).")
@json_option
@pass_state
def reply_(state: CliState, ticket: str, body: str, status: str | None, as_json: bool) -> None:
    """Reply to the customer on TICKET (public; the first reply is the first response)."""
    from guanxi_service.tickets.service import reply

    with state.transaction() as uow:
        found = reply(uow, ticket, body, status=status)
    _done(state, found.id, "replied on", as_json)


@tickets.command("customer-reply")
@click.argument("ticket")
@click.argument("body")
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="How the customer wrote (default: the ticket's channel).")
@json_option
@pass_state
def customer_reply_(state: CliState, ticket: str, body: str, channel: str | None,
                    as_json: bool) -> None:
    """Record what the customer wrote back on TICKET (a pending ticket opens again)."""
    from guanxi_service.tickets.service import customer_reply

    with state.transaction() as uow:
        found = customer_reply(uow, ticket, body, channel=channel)
    _done(state, found.id, "customer replied on", as_json)


@tickets.command("note")
@click.argument("ticket")
@click.argument("body")
@json_option
@pass_state
def note(state: CliState, ticket: str, body: str, as_json: bool) -> None:
    """Add an internal note to TICKET (never shown to the customer)."""
    from guanxi_service.tickets.service import add_note

    with state.transaction() as uow:
        found = add_note(uow, ticket, body)
    _done(state, found.id, "noted", as_json)


@tickets.command("assign")
@click.argument("ticket")
@click.option("--to", "assignee", default=None, help="Staff username.")
@click.option("--team", default=None, help="Team name or id.")
@click.option("--unassign", is_flag=True, help="Take the ticket from its assignee.")
@click.option("--no-team", "no_team", is_flag=True, help="Take the ticket out of its team.")
@json_option
@pass_state
def assign_(state: CliState, ticket: str, assignee: str | None, team: str | None,
            unassign: bool, no_team: bool, as_json: bool) -> None:
    """Assign TICKET to a person and/or a team."""
    from guanxi_service.tickets.service import KEEP, assign

    if assignee and unassign:
        raise ValidationError("assignee", "give --to or --unassign, not both")
    if team and no_team:
        raise ValidationError("team", "give --team or --no-team, not both")
    person = None if unassign else assignee if assignee else KEEP
    group = None if no_team else team if team else KEEP
    with state.transaction() as uow:
        found = assign(uow, ticket, assignee=person, team=group)
    _done(state, found.id, "assigned", as_json)


@tickets.command("status")
@click.argument("ticket")
@click.argument("status", type=click.Choice(STATUSES))
@click.option("--resolution", default=None, help="Required for resolved and closed.")
@click.option("--note", default=None, help="An internal note with the change.")
@json_option
@pass_state
def status_(state: CliState, ticket: str, status: str, resolution: str | None,
            note: str | None, as_json: bool) -> None:
    """Move TICKET to STATUS (new → open ⇄ pending / on_hold → resolved → closed)."""
    from guanxi_service.tickets.service import change_status

    with state.transaction() as uow:
        found = change_status(uow, ticket, status, resolution=resolution, note=note)
    _done(state, found.id, "moved", as_json)


@tickets.command("resolve")
@click.argument("ticket")
@click.argument("resolution")
@json_option
@pass_state
def resolve(state: CliState, ticket: str, resolution: str, as_json: bool) -> None:
    """Resolve TICKET with RESOLUTION (what was done; the customer is told)."""
    from guanxi_service.tickets.service import change_status

    with state.transaction() as uow:
        found = change_status(uow, ticket, "resolved", resolution=resolution)
    _done(state, found.id, "resolved", as_json)


@tickets.command("close")
@click.argument("ticket")
@click.argument("resolution", required=False)
@json_option
@pass_state
def close(state: CliState, ticket: str, resolution: str | None, as_json: bool) -> None:
    """Close TICKET (a resolved ticket keeps its resolution; others need RESOLUTION)."""
    from guanxi_service.tickets.service import change_status

    with state.transaction() as uow:
        found = change_status(uow, ticket, "closed", resolution=resolution)
    _done(state, found.id, "closed", as_json)


@tickets.command("reopen")
@click.argument("ticket")
@click.argument("reason")
@json_option
@pass_state
def reopen(state: CliState, ticket: str, reason: str, as_json: bool) -> None:
    """Reopen a resolved or closed TICKET, saying why."""
    from guanxi_service.tickets.service import reopen_ticket

    with state.transaction() as uow:
        found = reopen_ticket(uow, ticket, reason=reason)
    _done(state, found.id, "reopened", as_json)


@tickets.command("priority")
@click.argument("ticket")
@click.argument("priority", type=click.Choice(PRIORITIES))
@json_option
@pass_state
def priority_(state: CliState, ticket: str, priority: str, as_json: bool) -> None:
    """Change TICKET's priority."""
    from guanxi_service.tickets.service import change_priority

    with state.transaction() as uow:
        found = change_priority(uow, ticket, priority)
    _done(state, found.id, "changed", as_json)


@tickets.command("type")
@click.argument("ticket")
@click.argument("kind", metavar="TYPE", type=click.Choice(TICKET_TYPES))
@json_option
@pass_state
def type_(state: CliState, ticket: str, kind: str, as_json: bool) -> None:
    """Change TICKET's type (a warranty claim needs an asset in warranty)."""
    from guanxi_service.tickets.service import change_type

    with state.transaction() as uow:
        found = change_type(uow, ticket, kind)
    _done(state, found.id, "changed", as_json)


@tickets.command("volume")
@click.option("--start", default=None, help="First day (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last day (YYYY-MM-DD, default today).")
@click.option("--period", type=click.Choice(("day", "week", "month")), default="month",
              show_default=True)
@click.option("--by", type=click.Choice(("type", "channel", "status", "priority", "team")),
              default="type", show_default=True)
@json_option
@pass_state
def volume(state: CliState, start: str | None, end: str | None, period: str, by: str,
           as_json: bool) -> None:
    """Tickets opened per period and type (channel, status, priority, team)."""
    from guanxi_service.tickets.reports import ticket_volume

    with state.transaction() as uow:
        result = ticket_volume(uow, start=start, end=end, period=period, by=by)
    if as_json:
        print_json(result)
        return
    emit(result["rows"], [("period", lambda r: r["period"]), (by, lambda r: r[by]),
                          ("tickets", lambda r: r["tickets"])], as_json=False,
         title=f"tickets opened {result['start']} – {result['end']} by {by}")
    click.echo(f"total: {result['total']}")


@tickets.command("backlog")
@click.option("--team", default=None, help="Only this team (name or id).")
@json_option
@pass_state
def backlog(state: CliState, team: str | None, as_json: bool) -> None:
    """Open tickets by team and age, with the overdue ones."""
    from guanxi_service.tickets.reports import AGE_BUCKETS, ticket_backlog

    with state.transaction() as uow:
        result = ticket_backlog(uow, team=team)
    if as_json:
        print_json(result)
        return
    columns = [("team", lambda r: r["team"])]
    columns += [(label, lambda r, label=label: r[label]) for label, _ in AGE_BUCKETS]
    columns += [("total", lambda r: r["total"]), ("overdue", lambda r: r["overdue"]),
                ("oldest_days", lambda r: r["oldest_days"])]
    emit(result["rows"], columns, as_json=False, title="open tickets by age")
