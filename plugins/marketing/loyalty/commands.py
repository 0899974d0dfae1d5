"""``guanxi marketing loyalty …``: the loyalty programme's commands.

Members in this module; points and stored value in :mod:`.ledger_commands`; coupons in
:mod:`.coupon_commands`; the review, expiry and report in :mod:`.programme_commands`.
"""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json, print_table
from guanxi.errors import NotFoundError, ValidationError

STATUSES = ["active", "lapsed", "cancelled", "all"]


def customer_id(uow: Any, reference: str, field: str = "customer") -> int:
    """The customer a reference (id, email, phone, identity) names, as a field error."""
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError(field, str(exc)) from None


@click.group()
def loyalty() -> None:
    """Membership programme (会员制): tiers, points, stored value, coupons."""


def member_columns(state: CliState) -> list:
    """The columns of a member listing."""
    tz = state.app.tz
    return [("customer_id", lambda m: m.customer_id), ("customer", lambda m: m.customer),
            ("member_number", lambda m: m.member_number), ("tier", lambda m: m.tier),
            ("status", lambda m: m.status), ("points", lambda m: m.points),
            ("stored_value", lambda m: m.stored_value), ("card_label", lambda m: m.card_label),
            ("enrolled", lambda m: local(m.enrolled_at, tz)),
            ("tier_since", lambda m: local(m.tier_since, tz))]


@loyalty.command("enrol")
@click.argument("reference")
@click.option("--tier", default=None, help="Starting tier (default: the entry tier).")
@click.option("--number", "member_number", default=None, help="Member number (default: made).")
@click.option("--card", "card_number", default=None, help="Card number printed on the card.")
@click.option("--label", "card_label", default=None, help="Co-branded card label (联名卡).")
@pass_state
def enrol_command(state: CliState, reference: str, tier: str | None, member_number: str | None,
                  card_number: str | None, card_label: str | None) -> None:
    """Make the customer REFERENCE a member (or reactivate his membership)."""
    from guanxi_marketing.loyalty.members import enrol

    with state.transaction() as uow:
        membership = enrol(uow, customer_id(uow, reference), tier=tier,
                           member_number=member_number, card_number=card_number,
                           card_label=card_label)
    click.echo(f"enrolled {membership.member_number}: customer {membership.customer_id}, "
               f"tier {membership.tier}")


@loyalty.command("cancel")
@click.argument("reference")
@pass_state
def cancel_command(state: CliState, reference: str) -> None:
    """Cancel the membership of REFERENCE (its balances stay on the ledgers)."""
    from guanxi_marketing.loyalty.members import cancel_membership

    with state.transaction() as uow:
        membership = cancel_membership(uow, customer_id(uow, reference))
    click.echo(f"cancelled {membership.member_number}")


@loyalty.command("list")
@click.option("--tier", default=None)
@click.option("--status", type=click.Choice(STATUSES), default="active", show_default=True)
@click.option("--after", "after_id", type=int, default=None, help="Page on after this customer id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_command(state: CliState, tier: str | None, status: str, after_id: int | None,
                 limit: int, as_json: bool) -> None:
    """List the members you may see, by customer id."""
    from guanxi_marketing.loyalty.members import list_members

    with state.transaction() as uow:
        rows = list_members(uow, tier=tier, status=None if status == "all" else status,
                            after_customer_id=after_id, limit=limit)
    emit(rows, member_columns(state), as_json=as_json)


@loyalty.command("show")
@click.argument("reference")
@json_option
@pass_state
def show_command(state: CliState, reference: str, as_json: bool) -> None:
    """A member's tier, benefits, balances, latest ledger entries and coupons."""
    from guanxi_marketing.loyalty.detail import member_detail

    with state.transaction() as uow:
        detail = member_detail(uow, customer_id(uow, reference))
    if as_json:
        print_json(detail)
        return
    row, benefits, tz = detail.member, detail.benefits, state.app.tz
    for label, value in [
        ("member", f"{row.member_number} ({row.status}) — {row.customer} ({row.customer_id})"),
        ("card", " ".join(filter(None, [detail.card_number, row.card_label])) or None),
        ("tier", f"{row.tier} {benefits.label} since {local(row.tier_since, tz)}"),
        ("discount", f"{benefits.discount_percent}%"),
        ("points multiplier", benefits.points_multiplier),
        ("services", ", ".join(benefits.services) or None),
        ("points", row.points), ("stored value", row.stored_value),
    ]:
        if value is not None:
            click.echo(f"{label}: {value}")
    print_table(detail.points, [
        ("id", lambda e: e.id), ("at", lambda e: local(e.occurred_at, tz)),
        ("kind", lambda e: e.kind), ("points", lambda e: e.points),
        ("remaining", lambda e: e.remaining), ("expires", lambda e: local(e.expires_at, tz)),
        ("interaction", lambda e: e.interaction_id), ("reason", lambda e: e.reason)],
        title="points")
    print_table(detail.stored_value, [
        ("id", lambda e: e.id), ("at", lambda e: local(e.occurred_at, tz)),
        ("kind", lambda e: e.kind), ("amount", lambda e: e.amount),
        ("balance", lambda e: e.balance_after), ("reference", lambda e: e.reference)],
        title="stored value")


@loyalty.command("benefits")
@click.argument("reference")
@json_option
@pass_state
def benefits_command(state: CliState, reference: str, as_json: bool) -> None:
    """What the member REFERENCE gets now: discount, points multiplier, extra services."""
    from guanxi_marketing.loyalty.members import benefits_of

    with state.transaction() as uow:
        benefits = benefits_of(uow, customer_id(uow, reference))
    if as_json:
        print_json(benefits)
        return
    click.echo(f"{benefits.member_number} ({benefits.status}), tier {benefits.tier}: "
               f"{benefits.discount_percent}% off, points ×{benefits.points_multiplier}")
    for service in benefits.services:
        click.echo(f"- {service}")


def _register_more() -> None:
    from guanxi_marketing.loyalty import coupon_commands, ledger_commands, programme_commands

    for module in (ledger_commands, coupon_commands, programme_commands):
        module.register(loyalty)


_register_more()
