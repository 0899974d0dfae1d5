"""``guanxi analytics loyalty …``: NPS, CSAT, repeat purchase, referrals, membership."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option
from guanxi.errors import ValidationError
from guanxi_analytics.common import Period, period_options, resolve_period
from guanxi_analytics.loyalty.surveys import GROUPINGS

BY = click.option("--by", type=click.Choice(GROUPINGS), default="month", show_default=True,
                  help="Group the answers by month, channel, team (the payload's), the "
                  "customer's value tier or RFM segment, or not.")


@click.group()
def loyalty() -> None:
    """Satisfaction and loyalty: NPS, CSAT, repeat purchase, referrals, membership."""


def _nothing(what: str, period: Period) -> ValidationError:
    return ValidationError("from", f"no {what} in {period.label()}")


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.1f}%"


@loyalty.command("nps")
@period_options
@BY
@json_option
@csv_option
@pass_state
def nps_(state: CliState, start: dt.date | None, last: dt.date | None, by: str,
         as_json: bool, as_csv: bool) -> None:
    """Net promoter score: % promoters (9–10) − % detractors (0–6)."""
    from guanxi_analytics.loyalty.surveys import nps

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = [r.as_dict() for r in nps(uow, period, by=by)]
    if not rows:
        raise _nothing("survey answers with a 0–10 score", period)
    emit(rows, [(by, lambda r: r["group"]), ("answers", lambda r: r["answers"]),
                ("promoters", lambda r: r["promoters"]), ("passives", lambda r: r["passives"]),
                ("detractors", lambda r: r["detractors"]),
                ("promoter_pct", lambda r: r["promoter_pct"]),
                ("detractor_pct", lambda r: r["detractor_pct"]), ("nps", lambda r: r["nps"])],
         as_json=as_json, as_csv=as_csv, title=f"NPS, {period.label()}")


@loyalty.command("csat")
@period_options
@BY
@json_option
@csv_option
@pass_state
def csat_(state: CliState, start: dt.date | None, last: dt.date | None, by: str,
          as_json: bool, as_csv: bool) -> None:
    """Customer satisfaction: share of satisfied answers (4–5 of 1–5) and the mean."""
    from guanxi_analytics.loyalty.surveys import csat

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = [r.as_dict() for r in csat(uow, period, by=by)]
    if not rows:
        raise _nothing("survey answers with a CSAT score", period)
    plain = as_json or as_csv
    emit(rows, [(by, lambda r: r["group"]), ("answers", lambda r: r["answers"]),
                ("satisfied", lambda r: r["satisfied"]),
                ("satisfied_share", lambda r: r["satisfied_share"] if plain
                 else _pct(r["satisfied_share"])),
                ("mean", lambda r: r["mean"])],
         as_json=as_json, as_csv=as_csv, title=f"CSAT, {period.label()}")


def _one(rows: list[dict[str, Any]], as_json: bool, as_csv: bool, title: str) -> None:
    emit(rows, [(k, (lambda r, k=k: r[k])) for k in rows[0]], as_json=as_json, as_csv=as_csv,
         title=title)


@loyalty.command("repeat")
@period_options
@json_option
@csv_option
@pass_state
def repeat_(state: CliState, start: dt.date | None, last: dt.date | None, as_json: bool,
            as_csv: bool) -> None:
    """Repeat rate (customers with ≥ 2 purchases / with ≥ 1) and the purchase interval."""
    from guanxi_analytics.loyalty.behaviour import repeat

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        result = repeat(uow, period)
    if not result.customers:
        raise _nothing("purchases", period)
    _one([result.as_dict()], as_json, as_csv, f"repeat purchase, {period.label()}")


@loyalty.command("referrals")
@period_options
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many of the top referrers to list.")
@json_option
@csv_option
@pass_state
def referrals_(state: CliState, start: dt.date | None, last: dt.date | None, top: int,
               as_json: bool, as_csv: bool) -> None:
    """Referrals by source and the customers who referred most (table: by source;
    --json also lists the top referrers)."""
    from guanxi.cli.output import print_json
    from guanxi_analytics.loyalty.behaviour import referrals

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        result = referrals(uow, period, top=top)
    if as_json:
        print_json({"period": period.label(), **result.as_dict()})
        return
    rows = [{"source": k, "referrals": n} for k, n in result.by_source.items()]
    rows.append({"source": "total", "referrals": result.total})
    _one(rows, False, as_csv, f"referrals, {period.label()}")
    if result.top_referrers and not as_csv:
        emit(result.top_referrers, [("customer_id", lambda r: r["customer_id"]),
                                    ("customer", lambda r: r["customer"]),
                                    ("referrals", lambda r: r["referrals"])],
             as_json=False, title="top referrers")


@loyalty.command("membership")
@period_options
@json_option
@csv_option
@pass_state
def membership_(state: CliState, start: dt.date | None, last: dt.date | None, as_json: bool,
                as_csv: bool) -> None:
    """Loyalty-programme enrolments, members and the members' share of the purchasers."""
    from guanxi_analytics.loyalty.behaviour import membership

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        result = membership(uow, period)
    _one([result.as_dict()], as_json, as_csv, f"loyalty programme, {period.label()}")
