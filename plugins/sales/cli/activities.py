"""``guanxi sales activity …``, ``guanxi sales calendar`` and ``guanxi sales expense …``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError

TYPES = "call, meeting, visit or task"


@click.group()
def activity() -> None:
    """Calls, meetings, visits and tasks (活动)."""


def _activity_columns(state: CliState) -> list:
    tz = state.app.tz
    return [
        ("id", lambda a: a.id),
        ("start", lambda a: local(a.starts_at, tz)),
        ("end", lambda a: local(a.ends_at, tz)),
        ("type", lambda a: a.type),
        ("subject", lambda a: a.subject),
        ("customer", lambda a: a.customer_id),
        ("organiser", lambda a: a.organiser_id),
        ("priority", lambda a: a.priority),
        ("scope", lambda a: a.scope),
        ("status", lambda a: a.status),
        ("location", lambda a: a.location),
    ]


def _customer(uow: Any, reference: str, field: str) -> int:
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError(field, str(exc)) from None


@activity.command("add")
@click.argument("reference")
@click.argument("subject")
@click.option("--type", "kind", required=True, help=f"The activity's type: {TYPES}.")
@click.option("--at", "starts_at", required=True, help="Start (ISO; local time if no zone).")
@click.option("--until", "ends_at", default=None, help="End (ISO); default by type.")
@click.option("--organiser", default=None, help="Staff username (default: the acting user).")
@click.option(
    "--with",
    "participants",
    multiple=True,
    metavar="USER",
    help="A staff participant (repeatable).",
)
@click.option(
    "--contact",
    "contacts",
    multiple=True,
    metavar="REF",
    help="A person of the account taking part (repeatable).",
)
@click.option("--priority", default="normal", show_default=True, help="low, normal, high, urgent.")
@click.option("--scope", default="team", show_default=True, help="private, team or public.")
@click.option("--location", default=None)
@click.option("--notes", default=None)
@click.option("--opportunity", "opportunity_id", type=int, default=None)
@json_option
@pass_state
def activity_add(
    state: CliState,
    reference: str,
    subject: str,
    kind: str,
    starts_at: str,
    ends_at: str | None,
    organiser: str | None,
    participants: tuple[str, ...],
    contacts: tuple[str, ...],
    priority: str,
    scope: str,
    location: str | None,
    notes: str | None,
    opportunity_id: int | None,
    as_json: bool,
) -> None:
    """Plan an activity with the customer REFERENCE."""
    from guanxi_sales.activities import schedule_activity

    with state.transaction() as uow:
        created = schedule_activity(
            uow,
            customer_id=_customer(uow, reference, "customer_id"),
            type=kind,
            subject=subject,
            starts_at=starts_at,
            ends_at=ends_at,
            organiser=organiser,
            participants=participants,
            contacts=[_customer(uow, ref, "contacts") for ref in contacts],
            priority=priority,
            scope=scope,
            location=location,
            notes=notes,
            opportunity_id=opportunity_id,
        )
    if as_json:
        print_json(created)
    else:
        click.echo(f"planned activity {created.id}")


@activity.command("list")
@click.option("--customer", "reference", default=None)
@click.option("--organiser", default=None)
@click.option("--participant", default=None, help="Organised by or with this staff user.")
@click.option("--status", default=None, help="planned, done or cancelled.")
@click.option("--type", "kind", default=None, help=TYPES)
@click.option("--from", "start", default=None, help="Overlapping this time or later (ISO).")
@click.option("--to", "end", default=None, help="… and before this time (ISO).")
@click.option("--limit", default=100, show_default=True)
@json_option
@pass_state
def activity_list(
    state: CliState,
    reference: str | None,
    organiser: str | None,
    participant: str | None,
    status: str | None,
    kind: str | None,
    start: str | None,
    end: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List activities by start time."""
    from guanxi_sales.activities import list_activities

    with state.transaction() as uow:
        customer_id = _customer(uow, reference, "customer") if reference else None
        rows = list_activities(
            uow,
            customer_id=customer_id,
            organiser=organiser,
            participant=participant,
            status=status,
            type=kind,
            start=start,
            end=end,
            limit=limit,
        )
    emit(rows, _activity_columns(state), as_json=as_json)


@activity.command("done")
@click.argument("activity_id", type=int)
@click.option("--outcome", default=None)
@pass_state
def activity_done(state: CliState, activity_id: int, outcome: str | None) -> None:
    """Complete an activity (logged on the customer's timeline)."""
    from guanxi_sales.activities import complete_activity

    with state.transaction() as uow:
        complete_activity(uow, activity_id, outcome=outcome)
    click.echo(f"activity {activity_id} done")


@activity.command("cancel")
@click.argument("activity_id", type=int)
@click.option("--reason", default=None)
@pass_state
def activity_cancel(state: CliState, activity_id: int, reason: str | None) -> None:
    """Cancel a planned activity."""
    from guanxi_sales.activities import cancel_activity

    with state.transaction() as uow:
        cancel_activity(uow, activity_id, reason=reason)
    click.echo(f"activity {activity_id} cancelled")


@activity.command("reschedule")
@click.argument("activity_id", type=int)
@click.option("--at", "starts_at", required=True, help="New start (ISO).")
@click.option("--until", "ends_at", default=None, help="New end (default: same length).")
@click.option("--location", default=None)
@pass_state
def activity_reschedule(
    state: CliState, activity_id: int, starts_at: str, ends_at: str | None, location: str | None
) -> None:
    """Move a planned activity."""
    from guanxi_sales.activities import reschedule_activity

    with state.transaction() as uow:
        moved = reschedule_activity(
            uow, activity_id, starts_at=starts_at, ends_at=ends_at, location=location
        )
        when = local(moved.starts_at, state.app.tz)
    click.echo(f"activity {activity_id} moved to {when}")


def _names(people: Any) -> str:
    return ", ".join(p.username or p.name for p in people)


@click.command("calendar")
@click.argument("user", required=False)
@click.option("--team", default=None, help="A team's calendar instead of a person's.")
@click.option("--from", "start", required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", required=True, help="Last day, included.")
@click.option("--tz", default=None, help="Time zone (default: the edition's).")
@click.option("--cancelled", is_flag=True, help="Show cancelled activities too.")
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write an iCalendar file (RFC 5545) instead of listing.",
)
@json_option
@pass_state
def calendar_command(
    state: CliState,
    user: str | None,
    team: str | None,
    start: str,
    end: str,
    tz: str | None,
    cancelled: bool,
    ics_file: Path | None,
    as_json: bool,
) -> None:
    """The calendar of USER (default: the acting user) or of a --team (日历)."""
    from guanxi_sales.calendars import calendar, calendar_ics

    if user is None and team is None:
        user = state.as_user()
    options: dict[str, Any] = {
        "user": user,
        "team": team,
        "start": start,
        "end": end,
        "tz": tz,
        "include_cancelled": cancelled,
    }
    if ics_file is not None:
        with state.transaction() as uow:
            data = calendar_ics(uow, **options)
        ics_file.write_bytes(data)
        click.echo(f"wrote {data.count(b'BEGIN:VEVENT')} activities to {ics_file}")
        return
    with state.transaction() as uow:
        entries = calendar(uow, **options)
    if as_json:
        print_json(entries)
        return
    emit(
        entries,
        [
            ("id", lambda e: e.activity_id),
            ("start", lambda e: e.starts.strftime("%Y-%m-%d %H:%M")),
            ("end", lambda e: e.ends.strftime("%Y-%m-%d %H:%M")),
            ("type", lambda e: e.type),
            ("subject", lambda e: e.subject),
            ("customer", lambda e: e.customer_name),
            ("organiser", lambda e: e.organiser.username),
            ("with", lambda e: _names(e.participants)),
            ("location", lambda e: e.location),
            ("status", lambda e: e.status),
        ],
        as_json=False,
    )


@click.group()
def expense() -> None:
    """Expense claims (开支报销)."""


def _expense_columns() -> list:
    return [
        ("id", lambda e: e.id),
        ("day", lambda e: e.spent_on),
        ("staff", lambda e: e.staff_id),
        ("category", lambda e: e.category),
        ("amount", lambda e: e.amount),
        ("customer", lambda e: e.customer_id),
        ("description", lambda e: e.description),
        ("status", lambda e: e.status),
    ]


@expense.command("add")
@click.argument("description")
@click.option("--amount", required=True, help="Amount (two decimals at most).")
@click.option("--category", required=True, help="One of the sales.expense_categories.")
@click.option("--on", "spent_on", default=None, help="Day spent (default: today).")
@click.option("--staff", default=None, help="Claimant (default: the acting user).")
@click.option("--customer", "reference", default=None, help="The customer it was spent on.")
@click.option("--opportunity", "opportunity_id", type=int, default=None)
@json_option
@pass_state
def expense_add(
    state: CliState,
    description: str,
    amount: str,
    category: str,
    spent_on: str | None,
    staff: str | None,
    reference: str | None,
    opportunity_id: int | None,
    as_json: bool,
) -> None:
    """Claim an expense."""
    from guanxi_sales.expenses import submit_expense

    with state.transaction() as uow:
        day = spent_on or uow.now.astimezone(state.app.tz).date()
        created = submit_expense(
            uow,
            spent_on=day,
            category=category,
            amount=amount,
            description=description,
            staff=staff,
            opportunity_id=opportunity_id,
            customer_id=_customer(uow, reference, "customer_id") if reference else None,
        )
    if as_json:
        print_json(created)
    else:
        click.echo(f"submitted expense {created.id}")


@expense.command("list")
@click.option("--staff", default=None)
@click.option("--status", default=None, help="submitted, approved or rejected.")
@click.option("--category", default=None)
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Last day, included.")
@click.option("--limit", default=200, show_default=True)
@json_option
@pass_state
def expense_list(
    state: CliState,
    staff: str | None,
    status: str | None,
    category: str | None,
    start: str | None,
    end: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List expense claims by day."""
    from guanxi_sales.expenses import list_expenses

    with state.transaction() as uow:
        rows = list_expenses(
            uow, staff=staff, status=status, category=category, start=start, end=end, limit=limit
        )
    emit(rows, _expense_columns(), as_json=as_json)


@expense.command("approve")
@click.argument("expense_id", type=int)
@click.option("--note", default=None)
@pass_state
def expense_approve(state: CliState, expense_id: int, note: str | None) -> None:
    """Approve a submitted claim (a lead of the claimant's team, or an admin)."""
    from guanxi_sales.expenses import approve_expense

    with state.transaction() as uow:
        approve_expense(uow, expense_id, note=note)
    click.echo(f"expense {expense_id} approved")


@expense.command("reject")
@click.argument("expense_id", type=int)
@click.option("--reason", required=True)
@pass_state
def expense_reject(state: CliState, expense_id: int, reason: str) -> None:
    """Reject a submitted claim."""
    from guanxi_sales.expenses import reject_expense

    with state.transaction() as uow:
        reject_expense(uow, expense_id, reason=reason)
    click.echo(f"expense {expense_id} rejected")


@expense.command("report")
@click.option("--period", default="month", show_default=True, help="month or quarter.")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Last day, included.")
@click.option("--staff", default=None)
@click.option("--by-category", is_flag=True, help="One line per category too.")
@json_option
@pass_state
def expense_report_command(
    state: CliState,
    period: str,
    start: str | None,
    end: str | None,
    staff: str | None,
    by_category: bool,
    as_json: bool,
) -> None:
    """Totals per salesperson and month or quarter."""
    from guanxi_sales.expenses import expense_report, totals

    with state.transaction() as uow:
        lines = expense_report(
            uow, period=period, start=start, end=end, staff=staff, by_category=by_category
        )
    if as_json:
        print_json({"lines": lines, "totals": totals(lines)})
        return
    columns = [("staff", lambda t: t.staff), ("period", lambda t: t.period)]
    if by_category:
        columns.append(("category", lambda t: t.category))
    columns += [
        ("count", lambda t: t.count),
        ("submitted", lambda t: t.submitted),
        ("approved", lambda t: t.approved),
        ("rejected", lambda t: t.rejected),
        ("claimed", lambda t: t.claimed),
    ]
    emit(lines, columns, as_json=False, title="开支报销 expenses")
    grand = totals(lines)
    click.echo(
        f"total: {grand['count']} claims, claimed {grand['claimed']} "
        f"(approved {grand['approved']}, rejected {grand['rejected']})"
    )


def register(group: click.Group) -> None:
    """Add ``activity``, ``calendar`` and ``expense`` to the ``sales`` group."""
    for command in (activity, calendar_command, expense):
        group.add_command(command)
