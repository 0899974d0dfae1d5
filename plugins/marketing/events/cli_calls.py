"""``guanxi marketing calls …``: telemarketing call lists (电话营销)."""

from __future__ import annotations

from pathlib import Path

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi_marketing.events.cli_events import customer_ref, print_ready
from guanxi_marketing.events.models import CALL_OUTCOMES


@click.group()
def calls() -> None:
    """Telemarketing call lists (电话营销): build, share out, call, report."""


def _list_columns() -> list:
    return [
        ("id", lambda c: c.id),
        ("name", lambda c: c.name),
        ("campaign", lambda c: c.campaign_id),
        ("agents", lambda c: ", ".join(c.agents)),
        ("entries", lambda c: c.entries),
        ("open", lambda c: c.open),
        ("max_attempts", lambda c: c.max_attempts),
    ]


def _entry_columns(state: CliState) -> list:
    tz = state.app.tz
    return [
        ("id", lambda e: e.id),
        ("customer_id", lambda e: e.customer_id),
        ("customer", lambda e: e.customer),
        ("agent", lambda e: e.agent),
        ("status", lambda e: e.status),
        ("attempts", lambda e: e.attempts),
        ("last_outcome", lambda e: e.last_outcome),
        ("next_call", lambda e: local(e.next_call_at, tz)),
    ]


@calls.command("create")
@click.argument("name")
@click.option("--agent", "agents", multiple=True, required=True, help="An agent (repeatable).")
@click.option("--segment", default=None, help="Call the members of this segment (id or name).")
@click.option("--customer", "customers", multiple=True, metavar="REF",
              help="Call this customer (repeatable).")
@click.option("--campaign", default=None, help="Telemarketing or event campaign (id or name).")
@click.option("--script", default=None, help="What the agents say.")
@click.option("--script-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--max-attempts", type=int, default=None, help="Calls per entry (default: setting).")
@json_option
@pass_state
def calls_create(state: CliState, name: str, agents: tuple[str, ...], segment: str | None,
                 customers: tuple[str, ...], campaign: str | None, script: str | None,
                 script_file: Path | None, max_attempts: int | None, as_json: bool) -> None:
    """Build the call list NAME and share its customers out among the agents."""
    from guanxi_marketing.events.calls import create_call_list

    if script_file is not None:
        script = script_file.read_text(encoding="utf-8")
    with state.transaction() as uow:
        built = create_call_list(
            uow, name=name, agents=agents, segment=segment,
            customer_ids=[customer_ref(uow, ref, "customers") for ref in customers],
            campaign=campaign, script=script, max_attempts=max_attempts)
    summary = {"id": built.call_list.id, "entries": built.entries, "skipped": built.skipped}
    if as_json:
        print_json(summary)
        return
    skipped = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in built.skipped.items())
    click.echo(f"created call list {built.call_list.id} with {built.entries} entries"
               + (f" (left out: {skipped})" if skipped else ""))


@calls.command("list")
@click.option("--limit", default=100, show_default=True)
@json_option
@pass_state
def calls_list(state: CliState, limit: int, as_json: bool) -> None:
    """List the call lists you manage or work on."""
    from guanxi_marketing.events.calls import list_call_lists

    with state.transaction() as uow:
        rows = list_call_lists(uow, limit=limit)
    emit(rows, _list_columns(), as_json=as_json)


@calls.command("show")
@click.argument("call_list_id", type=int)
@json_option
@pass_state
def calls_show(state: CliState, call_list_id: int, as_json: bool) -> None:
    """Show a call list, its script and its entries (an agent: his own)."""
    from guanxi_marketing.events.calls import call_list_detail

    with state.transaction() as uow:
        detail = call_list_detail(uow, call_list_id)
    if as_json:
        print_json(detail)
        return
    emit([detail.call_list], _list_columns(), as_json=False)
    if detail.script:
        click.echo(f"script: {detail.script}")
    emit(detail.entries, _entry_columns(state), as_json=False, title="entries")


@calls.command("next")
@click.argument("call_list_id", type=int, required=False)
@click.option("--agent", default=None, help="Whose next call (managers; default: yours).")
@json_option
@pass_state
def calls_next(state: CliState, call_list_id: int | None, agent: str | None,
               as_json: bool) -> None:
    """The next customer to call (of one list, or of all your lists)."""
    from guanxi_marketing.events.call_outcomes import next_call

    with state.transaction() as uow:
        found = next_call(uow, call_list_id=call_list_id, agent=agent)
    if as_json:
        print_json(found)
    elif found is None:
        click.echo("nothing to call now")
    else:
        click.echo(f"entry {found.entry_id}: {found.customer or found.customer_id} "
                   f"{found.phone or '(no phone)'} — attempt {found.attempts + 1} of "
                   f"{found.max_attempts} ({found.call_list})")
        if found.script:
            click.echo(f"script: {found.script}")


@calls.command("log")
@click.argument("entry_id", type=int)
@click.argument("outcome", type=click.Choice(CALL_OUTCOMES))
@click.option("--notes", default=None)
@click.option("--callback-at", default=None, help="For a callback: when (ISO, local time).")
@pass_state
def calls_log(state: CliState, entry_id: int, outcome: str, notes: str | None,
              callback_at: str | None) -> None:
    """Record the OUTCOME of a call on an entry."""
    from guanxi_marketing.events.call_outcomes import log_call

    with state.transaction() as uow:
        entry = log_call(uow, entry_id, outcome, notes=notes, callback_at=callback_at)
    click.echo(f"entry {entry.id}: {outcome} (attempt {entry.attempts}, now {entry.status})")


@calls.command("report")
@click.argument("call_list_id", type=int)
@json_option
@pass_state
def calls_report(state: CliState, call_list_id: int, as_json: bool) -> None:
    """Progress of a call list by status, outcome and agent."""
    from guanxi_marketing.events.call_report import call_list_report

    with state.transaction() as uow:
        report = call_list_report(uow, call_list_id)
    if as_json:
        print_json(report)
        return
    for key, value in print_ready(report).items():
        if key != "by_agent":
            click.echo(f"{key}: {value}")
    for agent in report.by_agent:
        click.echo(f"agent {agent.agent}: {agent.entries} entries, {agent.open} open, "
                   f"{agent.calls} calls {agent.calls_by_outcome}")
