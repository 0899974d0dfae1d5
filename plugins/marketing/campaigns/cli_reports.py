"""``guanxi marketing campaigns roi|attribution|study``: the campaigns' reports."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, print_json
from guanxi_marketing.campaigns.attribution import MODELS
from guanxi_marketing.campaigns.study import DIMENSIONS

period = [
    click.option("--start", default=None, help="First day of revenue counted (YYYY-MM-DD)."),
    click.option("--end", default=None, help="Last day of revenue counted (YYYY-MM-DD)."),
    click.option("--window", default=None, type=int,
                 help="Days a touch counts (default: the settings', 90)."),
]


def with_period(command: click.Command) -> click.Command:
    """Add the --start/--end/--window options to a command."""
    for option in reversed(period):
        command = option(command)
    return command


def _percent(rate: float | None) -> str | None:
    return None if rate is None else f"{rate * 100:.1f}%"


@click.command("roi")
@click.argument("campaign", required=False)
@click.option("--model", type=click.Choice(MODELS), default=None,
              help="Attribution model (default: the settings', linear).")
@with_period
@json_option
@pass_state
def roi(state: CliState, campaign: str | None, model: str | None, start: str | None,
        end: str | None, window: int | None, as_json: bool) -> None:
    """Response and conversion rates, cost per result and ROI of CAMPAIGN (default: all)."""
    from guanxi_marketing.campaigns.roi import campaign_roi

    with state.transaction() as uow:
        rows = campaign_roi(uow, campaign=campaign, model=model, start=start, end=end,
                            window=window)
    emit(rows, [
        ("id", lambda r: r.id), ("name", lambda r: r.name), ("type", lambda r: r.type),
        ("members", lambda r: r.members), ("reached", lambda r: r.reached),
        ("responded", lambda r: r.responded), ("converted", lambda r: r.converted),
        ("response_rate", lambda r: r.response_rate if as_json else _percent(r.response_rate)),
        ("conversion_rate",
         lambda r: r.conversion_rate if as_json else _percent(r.conversion_rate)),
        ("actual_cost", lambda r: r.actual_cost),
        ("cost_per_response", lambda r: r.cost_per_response),
        ("cost_per_conversion", lambda r: r.cost_per_conversion),
        ("revenue", lambda r: r.attributed_revenue), ("model", lambda r: r.model),
        ("roi", lambda r: r.roi if as_json else _percent(r.roi)),
    ], as_json=as_json, title="campaign ROI")


@click.command("attribution")
@with_period
@json_option
@pass_state
def attribution(state: CliState, start: str | None, end: str | None, window: int | None,
                as_json: bool) -> None:
    """Revenue attributed to each campaign: first-touch, last-touch and linear."""
    from guanxi_marketing.campaigns.roi import attribution as attribute

    with state.transaction() as uow:
        result = attribute(uow, start=start, end=end, window=window)
    if as_json:
        print_json(result)
        return
    emit(result.rows, [
        ("id", lambda r: r.id), ("name", lambda r: r.name),
        ("first_touch", lambda r: r.first_touch), ("last_touch", lambda r: r.last_touch),
        ("linear", lambda r: r.linear), ("events", lambda r: r.linear_events),
    ], as_json=False, title=f"revenue attribution ({result.window_days}-day window)")
    click.echo(f"revenue of touched customers: {result.touched_revenue}")


@click.command("study")
@click.option("--by", type=click.Choice(tuple(DIMENSIONS)), default="campaign",
              show_default=True)
@click.option("--campaign", default=None, help="Only this campaign's members.")
@json_option
@pass_state
def study(state: CliState, by: str, campaign: str | None, as_json: bool) -> None:
    """Success/failure study: members who converted versus not, by a dimension."""
    from guanxi_marketing.campaigns.study import campaign_study

    with state.transaction() as uow:
        rows = campaign_study(uow, by=by, campaign=campaign)
    emit(rows, [
        ("key", lambda r: r.key), (by, lambda r: r.label), ("members", lambda r: r.members),
        ("reached", lambda r: r.reached), ("responded", lambda r: r.responded),
        ("converted", lambda r: r.converted), ("not_converted", lambda r: r.not_converted),
        ("conversion_rate",
         lambda r: r.conversion_rate if as_json else _percent(r.conversion_rate)),
    ], as_json=as_json, title=f"campaign success/failure by {by}")


def register(group: click.Group) -> None:
    """Add the report commands to the ``campaigns`` group."""
    for command in (roi, attribution, study):
        group.add_command(command)
