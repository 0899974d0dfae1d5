"""``guanxi analytics churn …``: cohorts, retention, thresholds, alerts and the risk list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_analytics.churn.buckets import GRAINS, parse_month
from guanxi_analytics.churn.models import ALERT_KINDS, ALERT_STATUSES, CAUSES, OUTCOMES
from guanxi_analytics.common import period_options, resolve_period


@click.group()
def churn() -> None:
    """Churn and retention (客户流失与保持): cohorts, retention, alerts, risk."""


def _customer_id(uow: Any, reference: str | None) -> int | None:
    from guanxi.services.lookup import resolve_customer

    if reference is None:
        return None
    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.1f}%"


@churn.command("cohorts")
@period_options
@click.option("--counts", is_flag=True, help="Show customer counts instead of percentages.")
@json_option
@csv_option
@pass_state
def cohorts(state: CliState, start: dt.date | None, last: dt.date | None, counts: bool,
            as_json: bool, as_csv: bool) -> None:
    """Monthly acquisition cohorts and the retention matrix (month +0, +1, …)."""
    from guanxi_analytics.churn.cohorts import cohort_matrix

    with state.transaction() as uow:
        matrix = cohort_matrix(uow, resolve_period(uow, start, last))
    if as_json:
        print_json(matrix)
        return
    offsets = range(matrix.months)

    def cell(row: Any, k: int) -> Any:
        if as_csv:
            return row.active[k] if counts else row.retention[k]
        return row.active[k] if counts else _pct(row.retention[k])

    columns = [("cohort", lambda r: r.cohort), ("customers", lambda r: r.customers)]
    columns += [(f"+{k}", lambda r, k=k: cell(r, k)) for k in offsets]
    emit(matrix.cohorts, columns, as_json=False, as_csv=as_csv,
         title=f"retention by acquisition cohort, {matrix.period}")


@churn.command("retention")
@period_options
@click.option("--by", type=click.Choice(GRAINS), default="month", show_default=True)
@json_option
@csv_option
@pass_state
def retention(state: CliState, start: dt.date | None, last: dt.date | None, by: str,
              as_json: bool, as_csv: bool) -> None:
    """Customer retention and churn per month, quarter or year."""
    from guanxi_analytics.churn.cohorts import retention_rates

    with state.transaction() as uow:
        rows = retention_rates(uow, resolve_period(uow, start, last), by)
    rate = (lambda v: v) if as_json or as_csv else _pct
    emit(rows, [
        (by, lambda r: r.period), ("at_risk", lambda r: r.at_risk),
        ("active", lambda r: r.active), ("new", lambda r: r.new),
        ("retained", lambda r: r.retained), ("reactivated", lambda r: r.reactivated),
        ("lost", lambda r: r.lost), ("retention_rate", lambda r: rate(r.retention_rate)),
        ("churn_rate", lambda r: rate(r.churn_rate)), ("crr", lambda r: rate(r.crr)),
        ("complete", lambda r: r.complete),
    ], as_json=as_json, as_csv=as_csv, title=f"customer retention by {by}")


@churn.group("threshold")
def threshold() -> None:
    """A customer's own monthly spend / purchase-count threshold (§7.3.1)."""


@threshold.command("set")
@click.argument("customer")
@click.option("--amount", "min_amount", default=None, help="Minimum monthly spend.")
@click.option("--count", "min_count", default=None, help="Minimum monthly purchases.")
@json_option
@pass_state
def threshold_set(state: CliState, customer: str, min_amount: str | None,
                  min_count: str | None, as_json: bool) -> None:
    """Set CUSTOMER's threshold (id, email, phone or name)."""
    from guanxi_analytics.churn.alerts import set_threshold

    with state.transaction() as uow:
        row = set_threshold(uow, _customer_id(uow, customer) or 0, min_amount=min_amount,
                            min_count=min_count)
        shown = {"customer_id": row.customer_id, "min_amount": row.min_amount,
                 "min_count": row.min_count}
    if as_json:
        print_json(shown)
    else:
        click.echo(f"threshold of customer {shown['customer_id']}: amount "
                   f"{shown['min_amount'] or '-'}, count {shown['min_count'] or '-'}")


@threshold.command("clear")
@click.argument("customer")
@pass_state
def threshold_clear(state: CliState, customer: str) -> None:
    """Remove CUSTOMER's own threshold (the default applies again)."""
    from guanxi_analytics.churn.alerts import clear_threshold

    with state.transaction() as uow:
        removed = clear_threshold(uow, _customer_id(uow, customer) or 0)
    click.echo("threshold removed" if removed else "no threshold was set")


@threshold.command("list")
@json_option
@csv_option
@pass_state
def threshold_list(state: CliState, as_json: bool, as_csv: bool) -> None:
    """The thresholds set on customers you may see."""
    from guanxi.services.lookup import customer_names
    from guanxi_analytics.churn.alerts import list_thresholds

    with state.transaction() as uow:
        rows = list_thresholds(uow)
        names = customer_names(uow, [r.customer_id for r in rows])
    emit(rows, [
        ("customer_id", lambda r: r.customer_id), ("customer", lambda r: names.get(r.customer_id)),
        ("min_amount", lambda r: r.min_amount), ("min_count", lambda r: r.min_count),
        ("set_at", lambda r: r.set_at),
    ], as_json=as_json, as_csv=as_csv, title="churn thresholds")


def _alert_columns(names: dict[int, str]) -> list[tuple[str, Any]]:
    return [
        ("id", lambda a: a.id), ("customer_id", lambda a: a.customer_id),
        ("customer", lambda a: names.get(a.customer_id)), ("kind", lambda a: a.kind),
        ("month", lambda a: f"{a.month:%Y-%m}"), ("amount", lambda a: a.amount),
        ("count", lambda a: a.count), ("threshold_amount", lambda a: a.threshold_amount),
        ("threshold_count", lambda a: a.threshold_count), ("baseline", lambda a: a.baseline),
        ("score", lambda a: a.score), ("basis", lambda a: a.basis),
        ("status", lambda a: a.status), ("outcome", lambda a: a.outcome),
        ("cause", lambda a: a.cause), ("task_id", lambda a: a.task_id),
    ]


@churn.command("scan")
@click.option("--month", default=None, help="Month to check, YYYY-MM (default: last month).")
@json_option
@csv_option
@pass_state
def scan(state: CliState, month: str | None, as_json: bool, as_csv: bool) -> None:
    """Check a month for threshold and sudden-drop alerts and store the new ones."""
    from guanxi.services.lookup import customer_names
    from guanxi_analytics.churn.alerts import last_complete_month, raise_alerts

    with state.transaction() as uow:
        watched = parse_month(month) or last_complete_month(uow, uow.now)
        made = raise_alerts(uow, watched)
        names = customer_names(uow, [a.customer_id for a in made])
    emit(made, _alert_columns(names), as_json=as_json, as_csv=as_csv,
         title=f"new churn alerts for {watched:%Y-%m}")


@churn.command("alerts")
@click.option("--status", type=click.Choice(ALERT_STATUSES), default=None)
@click.option("--kind", type=click.Choice(ALERT_KINDS), default=None)
@click.option("--customer", default=None, help="Customer id, email, phone or name.")
@period_options
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@csv_option
@pass_state
def alerts(state: CliState, status: str | None, kind: str | None, customer: str | None,
           start: dt.date | None, last: dt.date | None, limit: int, as_json: bool,
           as_csv: bool) -> None:
    """Churn alerts you may see, newest month first."""
    from guanxi.services.lookup import customer_names
    from guanxi_analytics.churn.alerts import list_alerts

    with state.transaction() as uow:
        rows = list_alerts(uow, status=status, kind=kind, start=start, end=last,
                           customer_id=_customer_id(uow, customer), limit=limit)
        names = customer_names(uow, [a.customer_id for a in rows])
    emit(rows, _alert_columns(names), as_json=as_json, as_csv=as_csv, title="churn alerts")


@churn.command("ack-alert")
@click.argument("alert_id", type=int)
@json_option
@pass_state
def ack_alert(state: CliState, alert_id: int, as_json: bool) -> None:
    """Mark ALERT_ID as being looked into."""
    from guanxi_analytics.churn.alerts import acknowledge_alert

    with state.transaction() as uow:
        alert = acknowledge_alert(uow, alert_id)
        shown = {"id": alert.id, "status": alert.status}
    print_json(shown) if as_json else click.echo(f"alert {alert_id} acknowledged")


@churn.command("close-alert")
@click.argument("alert_id", type=int)
@click.option("--outcome", type=click.Choice(OUTCOMES), required=True)
@click.option("--cause", type=click.Choice(CAUSES), default=None,
              help="Why a churned customer left (competition, customer, firm, unknown).")
@click.option("--note", default=None, help="What was found.")
@json_option
@pass_state
def close_alert_(state: CliState, alert_id: int, outcome: str, cause: str | None,
                 note: str | None, as_json: bool) -> None:
    """Close ALERT_ID with its outcome (and the churn cause when the customer left)."""
    from guanxi_analytics.churn.alerts import close_alert

    with state.transaction() as uow:
        alert = close_alert(uow, alert_id, outcome=outcome, cause=cause, note=note)
        shown = {"id": alert.id, "status": alert.status, "outcome": alert.outcome,
                 "cause": alert.cause}
    if as_json:
        print_json(shown)
    else:
        click.echo(f"alert {alert_id} closed: {outcome}"
                   + (f" ({cause})" if cause else ""))


@churn.command("causes")
@period_options
@json_option
@csv_option
@pass_state
def causes(state: CliState, start: dt.date | None, last: dt.date | None, as_json: bool,
           as_csv: bool) -> None:
    """Alerts closed in the period by churn cause (competition, customer, firm)."""
    from guanxi_analytics.churn.reports import cause_breakdown

    with state.transaction() as uow:
        result = cause_breakdown(uow, resolve_period(uow, start, last))
    if as_json:
        print_json(result)
        return
    share = (lambda v: v) if as_csv else _pct
    emit(result["causes"], [("cause", lambda r: r["cause"]), ("alerts", lambda r: r["alerts"]),
                            ("share", lambda r: share(r["share"]))],
         as_json=False, as_csv=as_csv,
         title=f"churn causes, {result['period']} ({result['closed']} closed: "
               f"{result['outcomes']})")


@churn.command("risk")
@click.option("--limit", type=int, default=None, help="Rows (default: the settings').")
@json_option
@csv_option
@pass_state
def risk(state: CliState, limit: int | None, as_json: bool, as_csv: bool) -> None:
    """Customers most likely to have gone: lowest probability alive first (or, without a
    CLV fit, most overdue against their usual gap between purchases)."""
    from guanxi_analytics.churn.alerts import churn_settings
    from guanxi_analytics.churn.risk import churn_risk

    with state.transaction() as uow:
        rows = churn_risk(uow, limit=limit or churn_settings(uow).risk_limit)
    basis = rows[0].basis if rows else "none"
    if rows and rows[0].basis == "p_alive":
        columns: list[tuple[str, Any]] = [
            ("customer_id", lambda r: r.customer_id), ("customer", lambda r: r.customer),
            ("p_alive", lambda r: r.p_alive), ("churn_risk", lambda r: r.churn_risk),
            ("expected_purchases", lambda r: r.expected_purchases), ("clv", lambda r: r.clv),
            ("basis", lambda r: r.basis)]
    else:
        columns = [
            ("customer_id", lambda r: r.customer_id), ("customer", lambda r: r.customer),
            ("purchases", lambda r: r.purchases), ("last_purchase", lambda r: r.last_purchase),
            ("days_since_last", lambda r: r.days_since_last),
            ("usual_gap_days", lambda r: r.usual_gap_days), ("overdue", lambda r: r.overdue),
            ("basis", lambda r: r.basis)]
    emit(rows, columns, as_json=as_json, as_csv=as_csv,
         title=f"churn risk (basis: {basis})")
