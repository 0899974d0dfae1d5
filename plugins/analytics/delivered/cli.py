"""``guanxi analytics delivered …``: customer delivered value per customer and segment,
manual assessments and the guard rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_analytics.common import period_options, resolve_period

GROUP_HELP = "Segment by tier, rfm_segment, abc, member_class, tag or field:<custom field>."


@click.group()
def delivered() -> None:
    """Customer delivered value (顾客让渡价值) = total customer value − total customer cost."""


def _customer_id(uow: Any, reference: str) -> int:
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


def _nothing(period: Any) -> ValidationError:
    return ValidationError("from", f"no customer has a delivered-value figure (a purchase or "
                           f"another logged component) in {period.label()}")


def _component_columns(settings: Any) -> list[tuple[str, Any]]:
    return ([(f"value.{k}", (lambda r, k=k: r[f"value.{k}"])) for k in settings.value]
            + [(f"cost.{k}", (lambda r, k=k: r[f"cost.{k}"])) for k in settings.cost])


@delivered.command("customers")
@period_options
@click.option("--group-by", default=None, help=GROUP_HELP)
@click.option("--segment", default=None, help="Only the customers of this segment.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Show this many customers (highest CDV first; all with --json/--csv).")
@json_option
@csv_option
@pass_state
def customers(state: CliState, start: dt.date | None, last: dt.date | None,
              group_by: str | None, segment: str | None, limit: int, as_json: bool,
              as_csv: bool) -> None:
    """Each customer's value and cost components and CDV over the period."""
    from guanxi_analytics.delivered.service import customer_cdv
    from guanxi_analytics.settings import analytics_settings

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = [r.as_dict() for r in customer_cdv(uow, period, group_by=group_by,
                                                  segment=segment)]
        settings = analytics_settings(uow).delivered
    if not rows:
        raise _nothing(period)
    if not (as_json or as_csv):
        rows = rows[:limit]
    columns = [("customer_id", lambda r: r["customer_id"]), ("customer", lambda r: r["customer"]),
               ("segment", lambda r: r["segment"]), *_component_columns(settings),
               ("total_value", lambda r: r["total_value"]),
               ("total_cost", lambda r: r["total_cost"]), ("cdv", lambda r: r["cdv"])]
    if settings.expected is not None:
        columns += [("expected", lambda r: r["expected"]),
                    ("satisfied", lambda r: r["satisfied"])]
    emit(rows, columns, as_json=as_json, as_csv=as_csv,
         title=f"customer delivered value, {period.label()}")


@delivered.command("segments")
@period_options
@click.option("--group-by", default=None, help=GROUP_HELP)
@json_option
@csv_option
@pass_state
def segments(state: CliState, start: dt.date | None, last: dt.date | None,
             group_by: str | None, as_json: bool, as_csv: bool) -> None:
    """Mean components and CDV per segment over the period."""
    from guanxi_analytics.delivered.service import segment_cdv
    from guanxi_analytics.settings import analytics_settings

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = [s.as_dict() for s in segment_cdv(uow, period, group_by=group_by)]
        settings = analytics_settings(uow).delivered
    if not rows:
        raise _nothing(period)
    columns = [("segment", lambda r: r["segment"]), ("customers", lambda r: r["customers"]),
               *_component_columns(settings),
               ("mean_value", lambda r: r["mean_value"]), ("mean_cost", lambda r: r["mean_cost"]),
               ("mean_cdv", lambda r: r["mean_cdv"]), ("total_cdv", lambda r: r["total_cdv"])]
    if settings.expected is not None:
        columns.append(("satisfied_share", lambda r: r["satisfied_share"]))
    emit(rows, columns, as_json=as_json, as_csv=as_csv,
         title=f"delivered value by segment, {period.label()}")


@delivered.command("assess")
@click.argument("customer")
@click.argument("component")
@click.argument("value")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]), default=None,
              help="When it was assessed (local time; default: now).")
@click.option("--note", default=None, help="Why (free text; personal data).")
@json_option
@pass_state
def assess_(state: CliState, customer: str, component: str, value: str,
            at: dt.datetime | None, note: str | None, as_json: bool) -> None:
    """Record CUSTOMER's assessed COMPONENT (a component with source = assessment) as
    VALUE in money."""
    from guanxi_analytics.delivered.service import assess

    with state.transaction() as uow:
        when = at.replace(tzinfo=uow.app.tz).astimezone(dt.UTC) if at else None
        row = assess(uow, _customer_id(uow, customer), component, value, at=when, note=note)
        result = {"id": row.id, "customer_id": row.customer_id, "component": row.component,
                  "value": row.value, "assessed_at": row.assessed_at, "note": row.note}
        tz = uow.app.tz
    if as_json:
        print_json(result)
    else:
        click.echo(f"assessment {result['id']}: customer {result['customer_id']} "
                   f"{result['component']} = {result['value']} "
                   f"({local(result['assessed_at'], tz)})")


@delivered.command("assessments")
@click.option("--customer", default=None, help="Only this customer (id, email, phone, name).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
@csv_option
@pass_state
def assessments(state: CliState, customer: str | None, limit: int, as_json: bool,
                as_csv: bool) -> None:
    """The assessments you may see, newest first."""
    from guanxi_analytics.delivered.service import list_assessments

    with state.transaction() as uow:
        cid = _customer_id(uow, customer) if customer else None
        rows = list_assessments(uow, cid, limit)
        tz = uow.app.tz
    emit(rows, [("id", lambda a: a.id), ("customer_id", lambda a: a.customer_id),
                ("component", lambda a: a.component), ("value", lambda a: a.value),
                ("assessed_at", lambda a: a.assessed_at if as_json else local(a.assessed_at, tz)),
                ("by", lambda a: a.assessed_by), ("note", lambda a: a.note)],
         as_json=as_json, as_csv=as_csv, title="CDV assessments")


@delivered.command("guard")
@click.option("--benefit", default=None, help="Expected benefit to the firm (money).")
@click.option("--cost", default=None, help="Added cost of the programme (money).")
@click.option("--uplift", type=float, default=None,
              help="Per segment: expected revenue uplift as a fraction (0.05 = 5 %).")
@click.option("--cost-per-customer", default=None, help="Per segment: cost per customer.")
@click.option("--group-by", default=None, help=GROUP_HELP)
@period_options
@json_option
@csv_option
@pass_state
def guard_(state: CliState, benefit: str | None, cost: str | None, uplift: float | None,
           cost_per_customer: str | None, group_by: str | None, start: dt.date | None,
           last: dt.date | None, as_json: bool, as_csv: bool) -> None:
    """The guard rule: a CDV-raising programme is acceptable only if its benefit to the
    firm exceeds the added cost. Give --benefit and --cost, or --uplift and
    --cost-per-customer to judge it per segment over the period's revenue."""
    from guanxi_analytics.delivered.service import guard, guard_segments

    if benefit is not None or cost is not None:
        if benefit is None or cost is None:
            raise ValidationError("benefit" if benefit is None else "cost",
                                  "give both --benefit and --cost")
        verdicts = [guard(benefit, cost)]
    elif uplift is not None or cost_per_customer is not None:
        if uplift is None or cost_per_customer is None:
            raise ValidationError("uplift" if uplift is None else "cost_per_customer",
                                  "give both --uplift and --cost-per-customer")
        with state.transaction() as uow:
            period = resolve_period(uow, start, last)
            verdicts = guard_segments(uow, period, uplift=uplift,
                                      cost_per_customer=cost_per_customer, group_by=group_by)
    else:
        raise ValidationError("benefit", "give --benefit and --cost, or --uplift and "
                              "--cost-per-customer")
    rows = [v.as_dict() for v in verdicts]
    emit(rows, [("segment", lambda r: r["segment"]), ("customers", lambda r: r["customers"]),
                ("benefit", lambda r: r["benefit"]), ("cost", lambda r: r["cost"]),
                ("net", lambda r: r["net"]), ("ratio", lambda r: r["ratio"]),
                ("acceptable", lambda r: "yes" if r["acceptable"] else "no")
                if not (as_json or as_csv) else ("acceptable", lambda r: r["acceptable"])],
         as_json=as_json, as_csv=as_csv, title="guard: benefit to the firm > added cost")
