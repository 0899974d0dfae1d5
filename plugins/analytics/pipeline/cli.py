"""``guanxi analytics pipeline funnel|stages|win-rate|reasons|cycle``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option
from guanxi_analytics.common import Period, period_options, resolve_period
from guanxi_analytics.pipeline.service import CYCLE_BY, WIN_RATE_BY
from guanxi_analytics.settings import analytics_settings


def pct(value: float | None) -> str | None:
    """A fraction as a percentage for the table (JSON and CSV keep the fraction)."""
    return None if value is None else f"{value * 100:.1f}%"


NO_OPPORTUNITIES = ("no data: no opportunity entries ({kinds}) in {period} — is the sales "
                    "plugin enabled, or do [analytics.pipeline] kinds name yours?")


def show(rows: Sequence[Any], columns: Sequence[tuple[str, Callable[[Any], Any]]], *,
         as_json: bool, as_csv: bool, title: str, empty: str) -> None:
    """:func:`emit`, except that an empty table says what is missing instead."""
    if not rows and not (as_json or as_csv):
        click.echo(empty)
        return
    emit(rows, columns, as_json=as_json, as_csv=as_csv, title=title)


def _missing(uow: UnitOfWork, period: Period) -> str:
    s = analytics_settings(uow).pipeline
    kinds = ", ".join([s.created_kind, s.stage_changed_kind, s.won_kind, s.lost_kind])
    return NO_OPPORTUNITIES.format(kinds=kinds, period=period.label())


@click.group()
def pipeline() -> None:
    """Sales-cycle analytics: funnel, time in stage, win rate, loss reasons, cycle length."""


@pipeline.command("funnel")
@period_options
@click.option("--pipeline", "name", default=None, help="Only this pipeline.")
@json_option
@csv_option
@pass_state
def funnel_command(state: CliState, start: dt.date | None, last: dt.date | None,
                   name: str | None, as_json: bool, as_csv: bool) -> None:
    """Conversion per stage of the opportunities created in the period."""
    from guanxi_analytics.pipeline.service import funnel

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = funnel(uow, period, name)
        empty = _missing(uow, period) if name is None else (
            f"no data: no opportunity of pipeline {name!r} was created in {period.label()}")
    plain = as_json or as_csv
    show(rows, [
        ("pipeline", lambda r: r.pipeline), ("step", lambda r: r.position),
        ("stage", lambda r: r.stage), ("entered", lambda r: r.entered),
        ("reached", lambda r: r.reached),
        ("step_conversion", lambda r: r.step_conversion if plain else pct(r.step_conversion)),
        ("cumulative_conversion",
         lambda r: r.cumulative_conversion if plain else pct(r.cumulative_conversion)),
    ], as_json=as_json, as_csv=as_csv, title="pipeline funnel", empty=empty)


@pipeline.command("stages")
@period_options
@json_option
@csv_option
@pass_state
def stages_command(state: CliState, start: dt.date | None, last: dt.date | None,
                   as_json: bool, as_csv: bool) -> None:
    """Days spent in each stage (stays that ended in the period; open ones apart)."""
    from guanxi_analytics.pipeline.service import time_in_stage

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = time_in_stage(uow, period)
        empty = _missing(uow, period)
    show(rows, [
        ("pipeline", lambda r: r.pipeline), ("stage", lambda r: r.stage),
        ("stays", lambda r: r.stays), ("mean_days", lambda r: r.mean_days),
        ("median_days", lambda r: r.median_days), ("max_days", lambda r: r.max_days),
        ("open_now", lambda r: r.open_now), ("open_mean_age_days", lambda r: r.open_mean_age_days),
    ], as_json=as_json, as_csv=as_csv, title="time in stage (days)", empty=empty)


@pipeline.command("win-rate")
@period_options
@click.option("--by", type=click.Choice(WIN_RATE_BY), default="all", show_default=True)
@json_option
@csv_option
@pass_state
def win_rate_command(state: CliState, start: dt.date | None, last: dt.date | None, by: str,
                     as_json: bool, as_csv: bool) -> None:
    """Won / (won + lost) of the opportunities closed in the period."""
    from guanxi_analytics.pipeline.service import win_rate

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = win_rate(uow, period, by)
        empty = _missing(uow, period)
    plain = as_json or as_csv
    show(rows, [
        (by if by != "all" else "group", lambda r: r.group), ("won", lambda r: r.won),
        ("lost", lambda r: r.lost),
        ("win_rate", lambda r: r.win_rate if plain else pct(r.win_rate)),
        ("won_amount", lambda r: r.won_amount),
    ], as_json=as_json, as_csv=as_csv, title="win rate", empty=empty)


@pipeline.command("reasons")
@period_options
@json_option
@csv_option
@pass_state
def reasons_command(state: CliState, start: dt.date | None, last: dt.date | None,
                    as_json: bool, as_csv: bool) -> None:
    """Why the opportunities lost in the period were lost."""
    from guanxi_analytics.pipeline.service import loss_reasons

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = loss_reasons(uow, period)
        empty = _missing(uow, period)
    plain = as_json or as_csv
    show(rows, [
        ("reason", lambda r: r.reason), ("lost", lambda r: r.lost),
        ("share", lambda r: r.share if plain else pct(r.share)),
    ], as_json=as_json, as_csv=as_csv, title="loss reasons", empty=empty)


@pipeline.command("cycle")
@period_options
@click.option("--by", type=click.Choice(CYCLE_BY), default="all", show_default=True)
@json_option
@csv_option
@pass_state
def cycle_command(state: CliState, start: dt.date | None, last: dt.date | None, by: str,
                  as_json: bool, as_csv: bool) -> None:
    """Days from creation to win of the opportunities won in the period."""
    from guanxi_analytics.pipeline.service import sales_cycle

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = sales_cycle(uow, period, by)
        empty = _missing(uow, period)
    show(rows, [
        (by if by != "all" else "group", lambda r: r.group), ("won", lambda r: r.won),
        ("mean_days", lambda r: r.mean_days),
        ("median_days", lambda r: r.median_days), ("min_days", lambda r: r.min_days),
        ("max_days", lambda r: r.max_days),
    ], as_json=as_json, as_csv=as_csv, title="sales cycle (days)", empty=empty)
