"""``guanxi marketing loyalty earn|redeem|adjust|topup|spend|refund``."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi_marketing.loyalty.commands import customer_id


@click.command("earn")
@click.argument("reference")
@click.argument("amount")
@click.option("--kind", default="core.purchase", show_default=True,
              help="The kind of purchase (its earn rate applies).")
@click.option("--reason", default=None, help="Why (a receipt number, …).")
@pass_state
def earn_command(state: CliState, reference: str, amount: str, kind: str,
                 reason: str | None) -> None:
    """Credit the points a purchase of AMOUNT earns (for a purchase not in the log)."""
    from guanxi_marketing.loyalty.points import earn_points

    with state.transaction() as uow:
        entry = earn_points(uow, customer_id(uow, reference), amount, kind=kind, reason=reason)
    click.echo(f"earned {entry.points} points (entry {entry.id})")


@click.command("redeem")
@click.argument("reference")
@click.argument("points")
@click.option("--reason", default=None, help="What they were redeemed for.")
@pass_state
def redeem_command(state: CliState, reference: str, points: str, reason: str | None) -> None:
    """Redeem POINTS of the member REFERENCE (not more than the balance)."""
    from guanxi_marketing.loyalty.points import redeem_points

    with state.transaction() as uow:
        entry = redeem_points(uow, customer_id(uow, reference), points, reason=reason)
    click.echo(f"redeemed {-entry.points} points (entry {entry.id})")


@click.command("adjust")
@click.argument("reference")
@click.option("--points", required=True, help="Points to add (or, negative, to take).")
@click.option("--reason", required=True, help="Why: the adjustment is audited.")
@pass_state
def adjust_command(state: CliState, reference: str, points: str, reason: str) -> None:
    """Adjust the points of REFERENCE by hand."""
    from guanxi_marketing.loyalty.points import adjust_points

    with state.transaction() as uow:
        entry = adjust_points(uow, customer_id(uow, reference), points, reason=reason)
    click.echo(f"adjusted by {entry.points:+d} points (entry {entry.id})")


def _stored_value_command(name: str, service: str, verb: str, summary: str) -> click.Command:
    """``topup`` and ``spend``: the same arguments, a different ledger movement."""

    @click.command(name, help=summary)
    @click.argument("reference")
    @click.argument("amount")
    @click.option("--reference", "till_reference", default=None, help="Receipt or till number.")
    @pass_state
    def command(state: CliState, reference: str, amount: str,
                till_reference: str | None) -> None:
        from guanxi_marketing.loyalty import stored_value

        with state.transaction() as uow:
            entry = getattr(stored_value, service)(uow, customer_id(uow, reference), amount,
                                                   reference=till_reference)
        click.echo(f"{verb} {abs(entry.amount)}: balance {entry.balance_after} "
                   f"(entry {entry.id})")

    return command


topup_command = _stored_value_command(
    "topup", "top_up", "topped up", "Add AMOUNT to the stored value (储值) of REFERENCE.")
spend_command = _stored_value_command(
    "spend", "spend_stored_value", "spent",
    "Pay AMOUNT from the stored value of REFERENCE (not more than the balance).")


@click.command("refund")
@click.argument("entry_id", type=int)
@click.option("--amount", default=None, help="Part of the spend (default: all that is left).")
@click.option("--reference", "till_reference", default=None, help="Receipt or till number.")
@pass_state
def refund_command(state: CliState, entry_id: int, amount: str | None,
                   till_reference: str | None) -> None:
    """Refund the stored-value spend ENTRY_ID to the card it was paid from."""
    from guanxi_marketing.loyalty.stored_value import refund_stored_value

    with state.transaction() as uow:
        entry = refund_stored_value(uow, entry_id, amount, reference=till_reference)
    click.echo(f"refunded {entry.amount}: balance {entry.balance_after} (entry {entry.id})")


def register(group: click.Group) -> None:
    """Add the ledger commands to ``loyalty``."""
    for command in (earn_command, redeem_command, adjust_command, topup_command, spend_command,
                    refund_command):
        group.add_command(command)
