"""``guanxi marketing loyalty coupons define|list|issue|issued|redeem``."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local
from guanxi.errors import ValidationError
from guanxi_marketing.loyalty.commands import customer_id


@click.group("coupons")
def coupons() -> None:
    """Coupons and e-coupons (赠券 / 电子赠券)."""


@coupons.command("define")
@click.argument("name")
@click.option("--from", "valid_from", required=True, help="First valid day (YYYY-MM-DD).")
@click.option("--to", "valid_to", required=True, help="Last valid day (YYYY-MM-DD).")
@click.option("--value", default=None, help="Amount off.")
@click.option("--percent", default=None, help="Percent off (1-100).")
@click.option("--min-spend", default="0", show_default=True, help="Smallest order it applies to.")
@click.option("--pattern", "code_pattern", default=None,
              help="Code pattern: # a digit, @ a letter (default NAME-######).")
@click.option("--per-customer", "per_customer_limit", type=int, default=1, show_default=True)
@click.option("--quantity", "total_quantity", type=int, default=None, help="At most this many.")
@click.option("--description", default=None)
@pass_state
def define_command(state: CliState, name: str, valid_from: str, valid_to: str,
                   value: str | None, percent: str | None, min_spend: str,
                   code_pattern: str | None, per_customer_limit: int,
                   total_quantity: int | None, description: str | None) -> None:
    """Define the coupon NAME (worth --value or --percent off)."""
    from guanxi_marketing.loyalty.coupons import define_coupon

    with state.transaction() as uow:
        found = define_coupon(uow, name=name, valid_from=valid_from, valid_to=valid_to,
                              value=value, percent=percent, min_spend=min_spend,
                              code_pattern=code_pattern, per_customer_limit=per_customer_limit,
                              total_quantity=total_quantity, description=description)
    click.echo(f"defined coupon {found.name} ({found.code_pattern}), "
               f"{found.valid_from} to {found.valid_to}")


@coupons.command("list")
@json_option
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """The coupon definitions, newest first."""
    from guanxi_marketing.loyalty.coupons import list_definitions

    with state.transaction() as uow:
        rows = list_definitions(uow)
    emit(rows, [("name", lambda d: d.name), ("value", lambda d: d.value),
                ("percent", lambda d: d.percent), ("min_spend", lambda d: d.min_spend),
                ("valid_from", lambda d: d.valid_from), ("valid_to", lambda d: d.valid_to),
                ("per_customer", lambda d: d.per_customer_limit),
                ("quantity", lambda d: d.total_quantity), ("issued", lambda d: d.issued_count),
                ("pattern", lambda d: d.code_pattern),
                ("description", lambda d: d.description)], as_json=as_json)


@coupons.command("issue")
@click.argument("name")
@click.option("--customer", "reference", default=None, help="One customer.")
@click.option("--segment", default=None, help="Every member of a segment (id or name).")
@json_option
@pass_state
def issue_command(state: CliState, name: str, reference: str | None, segment: str | None,
                  as_json: bool) -> None:
    """Issue coupons NAME to a customer or to a segment."""
    from guanxi_marketing.loyalty.coupons import issue_coupon, issue_to_segment

    if (reference is None) == (segment is None):
        raise ValidationError("customer", "give exactly one of --customer and --segment")
    with state.transaction() as uow:
        if reference is not None:
            issued = [issue_coupon(uow, name, customer_id(uow, reference))]
        else:
            issued = issue_to_segment(uow, name, segment)  # type: ignore[arg-type]
    emit(issued, [("code", lambda c: c.code), ("customer_id", lambda c: c.customer_id)],
         as_json=as_json, title=f"{len(issued)} coupons issued")


@coupons.command("issued")
@click.argument("name", required=False)
@click.option("--customer", "reference", default=None, help="Only this customer's.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def issued_command(state: CliState, name: str | None, reference: str | None, limit: int,
                   as_json: bool) -> None:
    """Issued coupons (of definition NAME), newest first."""
    from guanxi_marketing.loyalty.coupons import list_coupons

    tz = state.app.tz
    with state.transaction() as uow:
        rows = list_coupons(uow, name=name, limit=limit,
                            customer_id=customer_id(uow, reference) if reference else None)
    emit(rows, [("code", lambda c: c.code), ("coupon", lambda c: c.definition),
                ("customer_id", lambda c: c.customer_id), ("status", lambda c: c.status),
                ("issued", lambda c: local(c.issued_at, tz)),
                ("redeemed", lambda c: local(c.redeemed_at, tz)),
                ("discount", lambda c: c.discount)], as_json=as_json)


@coupons.command("redeem")
@click.argument("code")
@click.option("--customer", "reference", required=True, help="Who presents the coupon.")
@click.option("--amount", "order_amount", required=True, help="The order's amount.")
@pass_state
def redeem_command(state: CliState, code: str, reference: str, order_amount: str) -> None:
    """Redeem the coupon CODE on an order; prints the discount."""
    from guanxi_marketing.loyalty.coupons import redeem_coupon

    with state.transaction() as uow:
        coupon = redeem_coupon(uow, code, customer_id=customer_id(uow, reference),
                               order_amount=order_amount)
    click.echo(f"redeemed {coupon.code}: {coupon.discount} off {coupon.order_amount}")


def register(group: click.Group) -> None:
    """Add ``coupons`` to ``loyalty``."""
    group.add_command(coupons)
