"""``guanxi analytics value …``: tiers, ABC, concentration, quadrants, member model, RFM,
customer listings, and the stored classification (refresh, stored)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, local, print_json
from guanxi.errors import ValidationError
from guanxi_analytics.common import Period, period_options, resolve_period
from guanxi_analytics.value import classify
from guanxi_analytics.value.service import GROUPINGS, SORTS

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork
    from guanxi_analytics.value.service import ValueAnalysis

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def value() -> None:
    """Customer value: tiers, ABC, concentration, quadrants, member model, RFM."""


def lifetime_option(func: F) -> F:
    """``--lifetime``: each customer's whole history, from the core's rollups."""
    return click.option(
        "--lifetime", is_flag=True, default=False,
        help="Whole history from the customer rollups (no --from/--to).")(func)


def _check_lifetime(start: dt.date | None, last: dt.date | None, lifetime: bool) -> None:
    if lifetime and (start is not None or last is not None):
        raise ValidationError("--lifetime", "covers the whole history: drop --from/--to")


def _analyse(uow: UnitOfWork, start: dt.date | None, last: dt.date | None,
             lifetime: bool) -> tuple[ValueAnalysis, str]:
    """The analysis of the period options or of the lifetime, and its heading label."""
    from guanxi_analytics.value.service import analyse, analyse_lifetime

    if lifetime:
        analysis = analyse_lifetime(uow)
        setting = analysis.extra.get("fallback", "").split(":")[0]
        source = ("rollups" if analysis.extra["source"] == "rollups"
                  else f"interaction log: {setting} needs it")
        return analysis, f"lifetime to {analysis.period.last.isoformat()} ({source})"
    period = resolve_period(uow, start, last)
    return analyse(uow, period), period.label()


def _period_json(analysis: ValueAnalysis) -> dict[str, Any]:
    period: Period = analysis.period
    out: dict[str, Any] = {"from": period.start, "to": period.last}
    if analysis.extra.get("lifetime"):
        out |= {"lifetime": True, "source": analysis.extra["source"]}
    return out


def _pct(share: float | None) -> str | None:
    return None if share is None else f"{share:.1%}"


def _distribution_command(by: str, name: str, title: str,
                          label: Callable[[str], str] = str) -> click.Command:
    @value.command(name)
    @period_options
    @lifetime_option
    @json_option
    @csv_option
    @pass_state
    def command(state: CliState, start: dt.date | None, last: dt.date | None,
                lifetime: bool, as_json: bool, as_csv: bool) -> None:
        from guanxi_analytics.value.service import distribution

        _check_lifetime(start, last, lifetime)
        with state.transaction() as uow:
            analysis, heading = _analyse(uow, start, last, lifetime)
            rows = distribution(analysis, by)
        plain = as_json or as_csv
        emit(rows, [
            (by, lambda r: r.group if plain else label(r.group)),
            ("customers", lambda r: r.customers),
            ("customer_share", lambda r: r.customer_share if plain else _pct(r.customer_share)),
            ("revenue", lambda r: r.revenue),
            ("revenue_share", lambda r: r.revenue_share if plain else _pct(r.revenue_share)),
            ("cost", lambda r: r.cost), ("margin", lambda r: r.margin),
            ("margin_share", lambda r: r.margin_share if plain else _pct(r.margin_share)),
            ("avg_margin", lambda r: r.avg_margin),
        ], as_json=as_json, as_csv=as_csv, title=f"{title}, {heading}")
        if not plain:
            cuts = {k: v for k, v in analysis.cuts.public().items() if v is not None}
            click.echo("cut-offs: " + ", ".join(f"{k} {v}" for k, v in cuts.items()))

    command.__doc__ = f"{title} over the period: customers, revenue, cost, margin, shares."
    return command


_distribution_command("tier", "tiers", "Value tiers")
_distribution_command("abc", "abc", "ABC classes")
_distribution_command("quadrant", "quadrants", "Revenue × cost-to-serve quadrants",
                      lambda g: classify.QUADRANT_LABELS[g])
_distribution_command("member", "members", "Four-quadrant member model",
                      lambda g: classify.MEMBER_LABELS[g])
_distribution_command("segment", "rfm", "RFM segments")


@value.command("concentration")
@period_options
@lifetime_option
@json_option
@csv_option
@pass_state
def concentration_command(state: CliState, start: dt.date | None, last: dt.date | None,
                          lifetime: bool, as_json: bool, as_csv: bool) -> None:
    """Share of revenue and margin from the top 20% of customers, Gini, Lorenz curve."""
    from guanxi_analytics.value.service import concentration

    _check_lifetime(start, last, lifetime)
    with state.transaction() as uow:
        analysis, label = _analyse(uow, start, last, lifetime)
        result = concentration(analysis)
    if as_json:
        print_json({"period": _period_json(analysis), **result})
        return
    if as_csv:  # the Lorenz curve, the part worth a spreadsheet
        emit(result["lorenz"], [("customer_share", lambda p: p["customer_share"]),
                                ("revenue_share", lambda p: p["revenue_share"])],
             as_json=False, as_csv=True)
        return
    rows = [("customers with revenue", result["customers"]),
            ("top customers", result["top_customers"]),
            ("revenue", result["revenue"]),
            ("top revenue share", _pct(result["top_revenue_share"])),
            ("top margin share", _pct(result["top_margin_share"])),
            ("Gini coefficient", None if result["gini"] is None else f"{result['gini']:.3f}")]
    emit(rows, [("measure", lambda r: r[0]), ("value", lambda r: r[1])], as_json=False,
         title=f"Revenue concentration (top {result['top_share']:.0%}), {label}")


@value.command("customers")
@period_options
@lifetime_option
@click.option("--by", type=click.Choice(GROUPINGS), default=None,
              help="Filter on this classification (with --group).")
@click.option("--group", default=None, help="The class to list, e.g. high, A, champions.")
@click.option("--sort", type=click.Choice(SORTS), default="margin", show_default=True)
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@csv_option
@pass_state
def customers_command(state: CliState, start: dt.date | None, last: dt.date | None,
                      lifetime: bool, by: str | None, group: str | None, sort: str,
                      limit: int, as_json: bool, as_csv: bool) -> None:
    """Customers with their revenue, cost, margin, tier, classes and RFM scores."""
    from guanxi_analytics.value.service import customer_rows

    if (by is None) != (group is None):
        raise click.UsageError("--by and --group go together")
    _check_lifetime(start, last, lifetime)
    with state.transaction() as uow:
        analysis, label = _analyse(uow, start, last, lifetime)
        rows = customer_rows(analysis, uow, by=by, group=group, sort=sort,
                             limit=limit)
        tz = uow.app.tz
    plain = as_json or as_csv
    emit(rows, [
        ("id", lambda r: r.customer_id), ("name", lambda r: r.name),
        ("revenue", lambda r: r.revenue), ("cost", lambda r: r.cost),
        ("margin", lambda r: r.margin), ("purchases", lambda r: r.purchases),
        ("spend", lambda r: r.spend),
        ("last_purchase_at", lambda r: r.last_purchase_at if plain
         else local(r.last_purchase_at, tz)),
        ("recency_days", lambda r: r.recency_days), ("tier", lambda r: r.tier),
        ("abc", lambda r: r.abc), ("quadrant", lambda r: r.quadrant),
        ("member", lambda r: r.member_class if plain or r.member_class is None
         else classify.MEMBER_LABELS[r.member_class]),
        ("r", lambda r: r.r), ("f", lambda r: r.f), ("m", lambda r: r.m),
        ("segment", lambda r: r.rfm_segment),
    ], as_json=as_json, as_csv=as_csv, title=f"Customer value, {label}")


@value.command("refresh")
@period_options
@lifetime_option
@json_option
@pass_state
def refresh_command(state: CliState, start: dt.date | None, last: dt.date | None,
                    lifetime: bool, as_json: bool) -> None:
    """Recompute and store every customer's classification (what the nightly job does)."""
    from guanxi_analytics.value.store import refresh_values

    _check_lifetime(start, last, lifetime)
    with state.transaction() as uow:
        if lifetime:
            stored, period = refresh_values(uow, lifetime=True), None
        else:
            period = resolve_period(uow, start, last)
            stored = refresh_values(uow, period)
        if period is None:
            from guanxi_analytics.value.lifetime import history_period

            period = history_period(uow)
    result: dict[str, Any] = {"stored": stored, "from": period.start, "to": period.last}
    if lifetime:
        result["lifetime"] = True
    if as_json:
        print_json(result)
    else:
        click.echo(f"{stored} customer values stored for "
                   f"{'lifetime ' if lifetime else ''}{period.label()}")


@value.command("stored")
@click.option("--tier", type=click.Choice(classify.TIERS), default=None)
@click.option("--customer", "customer_id", type=int, default=None)
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@csv_option
@pass_state
def stored_command(state: CliState, tier: str | None, customer_id: int | None, limit: int,
                   as_json: bool, as_csv: bool) -> None:
    """The classification stored by the last refresh, highest margin first."""
    from guanxi_analytics.value.store import stored_values

    with state.transaction() as uow:
        rows = stored_values(uow, tier=tier, customer_id=customer_id, limit=limit)
        tz = uow.app.tz
    plain = as_json or as_csv
    emit(rows, [
        ("id", lambda r: r.customer_id), ("name", lambda r: r.name),
        ("tier", lambda r: r.tier), ("abc", lambda r: r.abc),
        ("quadrant", lambda r: r.quadrant), ("member", lambda r: r.member_class),
        ("rfm", lambda r: r.rfm), ("segment", lambda r: r.rfm_segment),
        ("revenue", lambda r: r.revenue), ("cost", lambda r: r.cost),
        ("margin", lambda r: r.margin), ("period", lambda r: r.period),
        ("computed_at", lambda r: r.computed_at if plain else local(r.computed_at, tz)),
    ], as_json=as_json, as_csv=as_csv, title="Stored customer values")
