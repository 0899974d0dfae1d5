"""``guanxi analytics clv …``: fit the CLV models, show the fit, list customers, holdout."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, print_json
from guanxi_analytics.clv.service import ORDERS


def _date(ctx: click.Context, param: click.Parameter, value: dt.datetime | None
          ) -> dt.date | None:
    return value.date() if value is not None else None


@click.group()
def clv() -> None:
    """Customer lifetime value: BG/NBD + Gamma-Gamma fit, P(alive), CLV, holdout check."""


PARAMS = (("r", "BG/NBD r"), ("alpha", "BG/NBD α"), ("a", "BG/NBD a"), ("b", "BG/NBD b"),
          ("p", "Gamma-Gamma p"), ("q", "Gamma-Gamma q"), ("gamma", "Gamma-Gamma γ"))


def _echo_fit(fit: dict[str, Any]) -> None:
    params = fit["params"]
    click.echo(f"fit {fit['id']}: calibration {fit['calibration_start']} – "
               f"{fit['calibration_end']}, observed to {fit['observation_end']} "
               f"({params['time_unit']})")
    click.echo(f"{fit['customers']} customers, {fit['repeat_buyers']} repeat buyers "
               f"({params['gg_customers']} in the Gamma-Gamma fit)")
    emit(PARAMS, [("parameter", lambda p: p[1]), ("value", lambda p: round(params[p[0]], 4))],
         as_json=False, title="parameters")
    holdout = fit["holdout"]
    if holdout:
        error = "" if holdout["error"] is None else f" ({holdout['error']:+.1%})"
        click.echo(f"holdout {holdout['calibration_end']} – {holdout['observation_end']}: "
                   f"predicted {holdout['predicted']:.1f} purchases, actual "
                   f"{holdout['actual']:.0f}{error}")
    else:
        click.echo("no holdout period (calibration ends at the end of observation)")


@clv.command("fit")
@click.option("--calibration-end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              callback=_date, help="Last day the models are fitted on "
              "(default: holdout_months before --to).")
@click.option("--to", "observation_end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              callback=_date, help="Last day of data read (default: today).")
@json_option
@pass_state
def fit_command(state: CliState, calibration_end: dt.date | None,
                observation_end: dt.date | None, as_json: bool) -> None:
    """Fit BG/NBD and Gamma-Gamma, check the holdout, rescore every customer."""
    from guanxi_analytics.clv.service import fit_dict, fit_models

    with state.transaction() as uow:
        fit = fit_dict(fit_models(uow, calibration_end=calibration_end,
                                  observation_end=observation_end))
    if as_json:
        print_json(fit)
    else:
        _echo_fit(fit)


@clv.command("show")
@json_option
@pass_state
def show(state: CliState, as_json: bool) -> None:
    """The latest fit: its parameters and the holdout check in short."""
    from guanxi_analytics.clv.service import fit_dict, require_fit

    with state.transaction() as uow:
        fit = fit_dict(require_fit(uow))
    if as_json:
        print_json(fit)
    else:
        _echo_fit(fit)


COLUMNS = ("customer_id", "customer", "frequency", "recency", "age", "monetary",
           "expected_purchases", "p_alive", "clv")


@clv.command("customers")
@click.option("--order", type=click.Choice(list(ORDERS)), default="clv", show_default=True)
@click.option("--ascending", is_flag=True, help="Lowest first (the least valuable, or the "
              "most at risk with --order p_alive).")
@click.option("--alive-below", type=float, default=None,
              help="Only customers whose P(alive) is below this (0–1).")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@csv_option
@pass_state
def customers(state: CliState, order: str, ascending: bool, alive_below: float | None,
              limit: int, as_json: bool, as_csv: bool) -> None:
    """Customers you may see with expected purchases, P(alive) and CLV."""
    from guanxi_analytics.clv.service import customer_rows, require_fit

    with state.transaction() as uow:
        fit = require_fit(uow)
        rows = customer_rows(uow, order=order, ascending=ascending, alive_below=alive_below,
                             limit=limit)
    horizon = fit.params.get("horizon_months")
    emit(rows, [(name, lambda r, n=name: r[n]) for name in COLUMNS], as_json=as_json,
         as_csv=as_csv, title=f"customer lifetime value (next {horizon} months, fit {fit.id})")


@clv.command("holdout")
@click.option("--by", type=click.Choice(["frequency", "week"]), default="frequency",
              show_default=True, help="Per calibration frequency, or the cumulative "
              "repeat purchases week by week.")
@json_option
@csv_option
@pass_state
def holdout(state: CliState, by: str, as_json: bool, as_csv: bool) -> None:
    """Predicted against actual purchases in the latest fit's holdout period."""
    from guanxi.errors import ValidationError
    from guanxi_analytics.clv.service import require_fit

    with state.transaction() as uow:
        fit = require_fit(uow)
    check = fit.holdout or {}
    if not check:
        raise ValidationError("holdout", f"fit {fit.id} has no holdout period (calibration "
                                         "ends at the end of observation)")
    if by == "frequency":
        emit(check["by_frequency"],
             [(name, lambda r, n=name: r[n])
              for name in ("frequency", "customers", "actual_mean", "predicted_mean")],
             as_json=as_json, as_csv=as_csv,
             title=f"holdout {check['calibration_end']} – {check['observation_end']}: "
                   f"mean purchases per customer by calibration frequency")
        return
    track = check["tracking"]
    rows = [{"week_ending": label, "actual": actual, "predicted": predicted,
             "period": "calibration" if label <= track["calibration_end"] else "holdout"}
            for label, actual, predicted in zip(track["labels"], track["actual"],
                                                track["predicted"], strict=True)]
    emit(rows, [(name, lambda r, n=name: r[n])
                for name in ("week_ending", "period", "actual", "predicted")],
         as_json=as_json, as_csv=as_csv, title="cumulative repeat purchases")
