"""``guanxi staff …``, ``guanxi team …`` and ``guanxi task …``."""

from __future__ import annotations

import datetime as dt

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, local, print_json
from guanxi.models.work import TASK_PRIORITIES


@click.group()
def staff() -> None:
    """Staff users who own customers and do the work."""


@staff.command("add")
@click.argument("username")
@click.argument("display_name")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--team", default=None, help="Put the user in this team.")
@click.option("--lead", is_flag=True, help="As the team's lead.")
@pass_state
def staff_add(
    state: CliState,
    username: str,
    display_name: str,
    email: str | None,
    phone: str | None,
    team: str | None,
    lead: bool,
) -> None:
    """Add a staff user."""
    from guanxi.services.staff import add_member, add_staff

    with state.transaction() as uow:
        user = add_staff(
            uow, username=username, display_name=display_name, email=email, phone=phone
        )
        if team:
            add_member(uow, team=team, staff=username, lead=lead)
    click.echo(f"added staff user {user.username} ({user.id})")


@staff.command("list")
@json_option
@csv_option
@pass_state
def staff_list(state: CliState, as_json: bool, as_csv: bool) -> None:
    """List staff users."""
    from guanxi.services.staff import list_staff

    with state.transaction() as uow:
        rows = list_staff(uow)
    emit(
        rows,
        [
            ("id", lambda s: s.id),
            ("username", lambda s: s.username),
            ("name", lambda s: s.display_name),
            ("email", lambda s: s.email),
            ("active", lambda s: s.is_active),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@click.group()
def team() -> None:
    """Teams and departments."""


@team.command("add")
@click.argument("name")
@click.option("--parent", default=None, help="Parent team (department hierarchy).")
@click.option("--description", default="")
@pass_state
def team_add(state: CliState, name: str, parent: str | None, description: str) -> None:
    """Add a team."""
    from guanxi.services.staff import add_team

    with state.transaction() as uow:
        created = add_team(uow, name=name, parent=parent, description=description)
    click.echo(f"added team {created.name} ({created.id})")


@team.command("members")
@click.argument("name")
@json_option
@pass_state
def team_members_command(state: CliState, name: str, as_json: bool) -> None:
    """List a team's members."""
    from guanxi.services.staff import team_members

    with state.transaction() as uow:
        rows = team_members(uow, name)
    emit(
        rows,
        [
            ("username", lambda r: r[0].username),
            ("name", lambda r: r[0].display_name),
            ("lead", lambda r: r[1]),
        ],
        as_json=as_json,
    )


@click.group()
def task() -> None:
    """Follow-up tasks on customers."""


def _task_columns(state: CliState) -> list:
    tz = state.app.tz
    return [
        ("id", lambda t: t.id),
        ("due", lambda t: local(t.due_at, tz)),
        ("customer", lambda t: t.customer_id),
        ("title", lambda t: t.title),
        ("priority", lambda t: t.priority),
        ("status", lambda t: t.status),
        ("assignee", lambda t: t.assignee_id),
        ("source", lambda t: t.source),
    ]


@task.command("add")
@click.argument("reference")
@click.argument("title")
@click.option("--due", required=True, help="Due date-time (ISO; local time if no zone).")
@click.option("--assignee", default=None, help="Staff username.")
@click.option("--priority", type=click.Choice(TASK_PRIORITIES), default="normal")
@click.option("--notes", default=None)
@json_option
@pass_state
def task_add(
    state: CliState,
    reference: str,
    title: str,
    due: str,
    assignee: str | None,
    priority: str,
    notes: str | None,
    as_json: bool,
) -> None:
    """Add a follow-up task on the customer REFERENCE."""
    from guanxi.services.lookup import resolve_customer
    from guanxi.services.tasks import create_task

    try:
        due_at = dt.datetime.fromisoformat(due)
    except ValueError:
        raise click.BadParameter(f"{due!r} is not an ISO date-time", param_hint="--due") from None
    with state.transaction() as uow:
        created = create_task(
            uow,
            customer_id=resolve_customer(uow, reference),
            title=title,
            due_at=due_at,
            assignee=assignee,
            priority=priority,
            notes=notes,
        )
    if as_json:
        print_json(created)
    else:
        click.echo(f"added task {created.id}")


@task.command("list")
@click.option("--customer", "reference", default=None)
@click.option("--assignee", default=None)
@click.option("--status", type=click.Choice(["open", "done", "cancelled"]), default="open")
@click.option("--overdue", is_flag=True, help="Only tasks past their due time.")
@click.option("--limit", default=100, show_default=True)
@json_option
@pass_state
def task_list(
    state: CliState,
    reference: str | None,
    assignee: str | None,
    status: str,
    overdue: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List tasks by due date."""
    from guanxi.services.lookup import resolve_customer
    from guanxi.services.tasks import list_tasks

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference) if reference else None
        rows = list_tasks(
            uow,
            customer_id=customer_id,
            assignee=assignee,
            status=status,
            due_before=uow.now if overdue else None,
            limit=limit,
        )
    emit(rows, _task_columns(state), as_json=as_json)


@task.command("done")
@click.argument("task_id", type=int)
@click.option("--outcome", default=None)
@pass_state
def task_done(state: CliState, task_id: int, outcome: str | None) -> None:
    """Complete a task (logged on the customer's timeline)."""
    from guanxi.services.tasks import complete_task

    with state.transaction() as uow:
        complete_task(uow, task_id, outcome=outcome)
    click.echo(f"task {task_id} done")


@task.command("cancel")
@click.argument("task_id", type=int)
@pass_state
def task_cancel(state: CliState, task_id: int) -> None:
    """Cancel a task."""
    from guanxi.services.tasks import cancel_task

    with state.transaction() as uow:
        cancel_task(uow, task_id)
    click.echo(f"task {task_id} cancelled")


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    for group in (staff, team, task):
        cli.add_command(group)
