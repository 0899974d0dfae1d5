"""``guanxi report list|run``: the reports plugins registered."""

from __future__ import annotations

import inspect

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, parse_assignments, print_json
from guanxi.errors import ConfigError


@click.group()
def report() -> None:
    """Reports registered by plugins (register_reports)."""


@report.command("list")
@json_option
@csv_option
@pass_state
def report_list(state: CliState, as_json: bool, as_csv: bool) -> None:
    """The registered reports and the plugins that provide them."""
    rows = list(state.app.registry.reports.values())
    emit(
        rows,
        [
            ("report", lambda r: r.name),
            ("plugin", lambda r: r.plugin),
            ("description", lambda r: r.description),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@report.command("run")
@click.argument("name")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="NAME=VALUE",
    help="An option passed to the report (repeatable).",
)
@json_option
@pass_state
def report_run(state: CliState, name: str, options: tuple[str, ...], as_json: bool) -> None:
    """Run the report NAME and print its result."""
    found = state.app.registry.reports.get(name)
    if found is None:
        known = ", ".join(sorted(state.app.registry.reports)) or "none"
        raise ConfigError(f"no report {name!r} (known: {known})")
    given = parse_assignments(options, "--option")
    try:
        inspect.signature(found.func).bind(None, **given)
    except TypeError as exc:
        raise click.BadParameter(f"report {name}: {exc}", param_hint="--option") from None
    with state.transaction() as uow:
        result = found.func(uow, **given)
    if as_json or not isinstance(result, dict):
        print_json(result)
        return
    for key, value in result.items():
        click.echo(f"{key}: {value}")


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    cli.add_command(report)
