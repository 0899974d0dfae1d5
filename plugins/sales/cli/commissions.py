"""``guanxi sales target|commission|demand …``: targets, commissions, product demand."""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, print_json, print_table


@click.group()
def target() -> None:
    """Salespeople's targets per month or quarter (for commission attainment)."""


@target.command("set")
@click.argument("user")
@click.argument("period")
@click.argument("amount")
@pass_state
def target_set(state: CliState, user: str, period: str, amount: str) -> None:
    """Set USER's target for PERIOD (2026-05 or 2026-Q2) to AMOUNT."""
    from guanxi_sales.commissions import set_target

    with state.transaction() as uow:
        saved = set_target(uow, user, period, amount)
    click.echo(f"target of {user} for {saved.period}: {saved.amount}")


@target.command("list")
@click.option("--period", default=None)
@json_option
@pass_state
def target_list(state: CliState, period: str | None, as_json: bool) -> None:
    """List targets by period and salesperson."""
    from guanxi_sales.commissions import list_targets

    with state.transaction() as uow:
        rows = list_targets(uow, period=period)
    emit(
        rows,
        [
            ("period", lambda r: r[0].period),
            ("user", lambda r: r[1]),
            ("amount", lambda r: r[0].amount),
        ],
        as_json=as_json,
    )


@click.group()
def commission() -> None:
    """Commissions (佣金) from won opportunities, by the rules in sales.commission_rules."""


@commission.command("report")
@click.option("--period", required=True, help="A month (2026-05) or quarter (2026-Q2).")
@json_option
@pass_state
def commission_report_command(state: CliState, period: str, as_json: bool) -> None:
    """Commission per salesperson for PERIOD, with the rule behind each amount."""
    from guanxi_sales.commissions import commission_report

    with state.transaction() as uow:
        report = commission_report(uow, period)
    if as_json:
        print_json(report)
        return
    click.echo(
        f"commissions {report.period} ({report.start} – {report.end}): total "
        f"{report.total}" + (f"; {report.unowned} won without owner" if report.unowned else "")
    )
    print_table(
        report.people,
        [
            ("user", lambda p: p.username),
            ("name", lambda p: p.name),
            ("target", lambda p: p.target),
            ("won", lambda p: p.won),
            ("attainment", lambda p: p.attainment),
            ("commission", lambda p: p.commission),
        ],
    )
    rows = [(p.username, line) for p in report.people for line in p.lines]
    print_table(
        rows,
        [
            ("user", lambda r: r[0]),
            ("opportunity", lambda r: f"{r[1].opportunity_id} {r[1].opportunity}"),
            ("quote", lambda r: r[1].quote),
            ("product", lambda r: r[1].product),
            ("base", lambda r: r[1].base),
            ("rule", lambda r: r[1].rule_description),
            ("rate", lambda r: r[1].rate),
            ("commission", lambda r: r[1].commission),
        ],
    )


@click.command("demand")
@click.option(
    "--period", type=click.Choice(["month", "quarter"]), default="month", show_default=True
)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None)
@json_option
@pass_state
def demand(state: CliState, period: str, start: Any, end: Any, as_json: bool) -> None:
    """Product demand by month or quarter from open quotes (current versions, draft or sent)."""
    from guanxi_sales.demand import product_demand

    with state.transaction() as uow:
        rows = product_demand(
            uow,
            period=period,
            start=start.date() if start else None,
            end=end.date() if end else None,
        )
    emit(
        rows,
        [
            ("period", lambda r: r.period),
            ("product", lambda r: r.product),
            ("name", lambda r: r.name),
            ("quantity", lambda r: r.quantity),
            ("unit", lambda r: r.unit),
            ("amount", lambda r: r.amount),
            ("weighted_quantity", lambda r: r.weighted_quantity),
            ("weighted_amount", lambda r: r.weighted_amount),
            ("quotes", lambda r: r.quotes),
        ],
        as_json=as_json,
    )


def register(group: click.Group) -> None:
    """Add the target, commission and demand commands to ``sales``."""
    for command in (target, commission, demand,):
        group.add_command(command)
