"""``guanxi analytics scorecard show|snapshot|history`` and ``guanxi analytics 7p``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import console, csv_option, emit, json_option, print_json
from guanxi_analytics.common import add_months, period_options, resolve_period
from guanxi_analytics.scorecard.card import Line, format_value

STYLES = {"green": "green", "amber": "yellow", "red": "red", "no data": "dim", "none": ""}


def _line_columns(with_perspective: bool) -> list[tuple[str, Any]]:
    columns: list[tuple[str, Any]] = []
    if with_perspective:
        columns.append(("perspective", lambda r: r.perspective))
    return [
        *columns,
        ("kpi", lambda r: r.kpi), ("label", lambda r: r.label),
        ("process", lambda r: r.process), ("value", lambda r: r.value),
        ("previous", lambda r: r.previous), ("change", lambda r: r.change),
        ("trend", lambda r: r.trend), ("target", lambda r: r.target),
        ("warn", lambda r: r.warn), ("status", lambda r: r.status),
        ("attainment", lambda r: r.attainment), ("unit", lambda r: r.unit),
    ]


def _print_lines(title: str, lines: list[Line], caption: str = "") -> None:
    """A coloured table: status in its colour, values formatted for their unit."""
    table = Table(title=title, caption=caption or None)
    for header in ("KPI", "value", "previous", "trend", "target", "status"):
        table.add_column(header)
    for line in lines:
        trend = Text(line.trend)
        if line.improved is not None:
            trend.stylize("green" if line.improved else "red")
        name = line.label + (f" [{line.process}]" if line.process else "")
        table.add_row(
            Text(name), Text(format_value(line.value, line.unit)),
            Text(format_value(line.previous, line.unit)), trend,
            Text("" if line.target is None else format_value(line.target, line.unit)),
            Text(line.status, style=STYLES.get(line.status, "")),
        )
    console().print(table)


@click.group("scorecard", invoke_without_command=True)
@click.pass_context
def scorecard(ctx: click.Context) -> None:
    """The balanced scorecard (平衡计分卡): four perspectives, targets, trends, history."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(show_command)


@scorecard.command("show")
@period_options
@json_option
@csv_option
@pass_state
def show_command(state: CliState, start: dt.date | None = None, last: dt.date | None = None,
                 as_json: bool = False, as_csv: bool = False) -> None:
    """The scorecard of a period against the previous period of the same length."""
    from guanxi_analytics.scorecard.card import build_scorecard, scorecard_json

    with state.transaction() as uow:
        card = build_scorecard(uow, resolve_period(uow, start, last))
    if as_json:
        print_json(scorecard_json(card))
        return
    if as_csv:
        emit(card.lines(), _line_columns(True), as_json=False, as_csv=True)
        return
    click.echo(f"{card.period.label()} against {card.previous.label()}; value discipline "
               f"{card.discipline_label}: key processes "
               f"{', '.join(str(p['label']) for p in card.processes)}")
    for perspective in card.perspectives:
        score = ("" if perspective.attainment is None
                 else f" — {perspective.attainment * 100:.0f}% of target")
        link = f"  → drives {perspective.leads_to}: {perspective.link}" if perspective.link else ""
        _print_lines(f"{perspective.label}{score}", perspective.lines, link)
    if card.missing:
        click.echo(f"not provided by any area (left out): {', '.join(card.missing)}")


@scorecard.command("snapshot")
@period_options
@click.option("--replace", is_flag=True, help="Recompute a period already stored.")
@json_option
@pass_state
def snapshot_command(state: CliState, start: dt.date | None, last: dt.date | None,
                     replace: bool, as_json: bool) -> None:
    """Store the scorecard of a period (default: last calendar month)."""
    from guanxi_analytics.scorecard.snapshots import last_month, take_snapshot

    with state.transaction() as uow:
        period = (last_month(uow.today()) if start is None and last is None
                  else resolve_period(uow, start, last))
        result = take_snapshot(uow, period, replace=replace)
    if as_json:
        print_json(result)
        return
    verb = "stored" if result.stored else "already stored (use --replace to recompute)"
    click.echo(f"{result.period_from} – {result.period_to}: {result.lines} lines {verb}")


@scorecard.command("history")
@period_options
@click.option("--kpi", default=None, help="Only this KPI (key).")
@json_option
@csv_option
@pass_state
def history_command(state: CliState, start: dt.date | None, last: dt.date | None,
                    kpi: str | None, as_json: bool, as_csv: bool) -> None:
    """The stored snapshots: every line of every period, oldest first (default: the
    last ``history_months`` months)."""
    from guanxi_analytics.scorecard.snapshots import history
    from guanxi_analytics.settings import analytics_settings

    with state.transaction() as uow:
        if start is None:  # the setting's number of months up to --to
            months = analytics_settings(uow).scorecard.history_months
            end = last or uow.today()
            start = add_months(end.replace(day=1), -(months - 1))
        rows = history(uow, resolve_period(uow, start, last), kpi=kpi)
    def _shown(value: float | None) -> float | None:  # exact in JSON and CSV
        return value if as_json or as_csv or value is None else round(value, 4)

    emit(rows, [
        ("from", lambda r: r.period_from), ("to", lambda r: r.period_to),
        ("perspective", lambda r: r.perspective), ("kpi", lambda r: r.kpi),
        ("value", lambda r: _shown(r.value)), ("target", lambda r: r.target),
        ("status", lambda r: r.status), ("attainment", lambda r: _shown(r.attainment)),
    ], as_json=as_json, as_csv=as_csv, title="scorecard history")


@click.command("7p")
@period_options
@click.option("--view", "only", type=click.Choice(
    ["profiling", "persistency", "profitability", "performance", "prospecting", "product",
     "promotion"]), default=None, help="Only this P.")
@json_option
@csv_option
@pass_state
def seven_p_command(state: CliState, start: dt.date | None, last: dt.date | None,
                    only: str | None, as_json: bool, as_csv: bool) -> None:
    """The 7P views (from a vendor advert, REQUIREMENTS §5.7): KPIs per P, the customer
    profile and revenue by product."""
    from guanxi_analytics.scorecard.sevenp import seven_p

    with state.transaction() as uow:
        views = [v for v in seven_p(uow, resolve_period(uow, start, last))
                 if only is None or v.name == only]
    if as_json:
        print_json([{"name": v.name, "label": v.label, "lines": v.lines,
                     "profile": v.profile, "products": v.products} for v in views])
        return
    if as_csv:  # one flat listing: KPI lines of every P (profile and products: --view)
        if only == "profiling":
            emit(views[0].profile, _profile_columns(), as_json=False, as_csv=True)
        elif only == "product":
            emit(views[0].products, _product_columns(), as_json=False, as_csv=True)
        else:
            lines = [line for v in views for line in v.lines]
            emit(lines, _line_columns(True), as_json=False, as_csv=True)
        return
    for view in views:
        _print_lines(view.label, view.lines)
        if view.profile:
            emit(view.profile, _profile_columns(), as_json=False, title="customer profile")
        if view.products:
            emit(view.products, _product_columns(), as_json=False, title="revenue by product")


def _profile_columns() -> list[tuple[str, Any]]:
    return [("dimension", lambda r: r.dimension), ("value", lambda r: r.value),
            ("customers", lambda r: r.customers), ("new in period", lambda r: r.new_in_period),
            ("share", lambda r: round(r.share, 4))]


def _product_columns() -> list[tuple[str, Any]]:
    return [("product", lambda r: r.product), ("name", lambda r: r.name),
            ("quantity", lambda r: r.quantity), ("revenue", lambda r: r.revenue),
            ("purchases", lambda r: r.purchases), ("customers", lambda r: r.customers),
            ("share", lambda r: None if r.share is None else round(r.share, 4))]
