"""``guanxi marketing loyalty review|expire|report``."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import json_option, print_json, print_table


@click.command("review")
@pass_state
def review_command(state: CliState) -> None:
    """Review every active member's tier now (the nightly job does this too)."""
    from guanxi_marketing.loyalty.review import review_tiers

    with state.transaction() as uow:
        outcome = review_tiers(uow)
    click.echo(str(outcome))
    for change in outcome.changes:
        click.echo(f"- customer {change.customer_id}: {change.change} {change.from_tier} → "
                   f"{change.to_tier} (spend {change.spend}, {change.count} purchases)")


@click.command("expire")
@pass_state
def expire_command(state: CliState) -> None:
    """Expire the points past their date now (the nightly job does this too)."""
    from guanxi_marketing.loyalty.points import expire_points

    with state.transaction() as uow:
        click.echo(expire_points(uow))


@click.command("report")
@click.option("--start", default=None, help="Period start (YYYY-MM-DD; default a year ago).")
@click.option("--end", default=None, help="Period end (YYYY-MM-DD, exclusive; default now).")
@json_option
@pass_state
def report_command(state: CliState, start: str | None, end: str | None, as_json: bool) -> None:
    """Member analysis: tiers, spend per tier, points and stored-value liabilities."""
    from guanxi_marketing.loyalty.report import loyalty_report

    with state.transaction() as uow:
        report = loyalty_report(uow, start=start, end=end)
    if as_json:
        print_json(report)
        return
    click.echo(f"{report.programme}: {report.members} members, "
               f"{report.period_start:%Y-%m-%d} to {report.period_end:%Y-%m-%d}")
    print_table(report.tiers, [
        ("tier", lambda t: t.tier), ("label", lambda t: t.label), ("active", lambda t: t.active),
        ("lapsed", lambda t: t.lapsed), ("cancelled", lambda t: t.cancelled),
        ("spend", lambda t: t.spend), ("per member", lambda t: t.spend_per_member),
        ("points", lambda t: t.points)])
    rate = "n/a" if report.redemption_rate is None else f"{report.redemption_rate:.1%}"
    for label, value in [
        ("points outstanding", report.points_outstanding),
        ("points liability", report.points_liability),
        ("stored-value liability", report.stored_value_liability),
        ("points earned / redeemed / expired",
         f"{report.points_earned} / {report.points_redeemed} / {report.points_expired}"),
        ("redemption rate", rate),
    ]:
        click.echo(f"{label}: {value}")


def register(group: click.Group) -> None:
    """Add the programme commands to ``loyalty``."""
    for command in (review_command, expire_command, report_command):
        group.add_command(command)
