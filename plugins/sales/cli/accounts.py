"""``guanxi sales account|core …``: accounts with their contacts, core-customer cadence."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json, print_table
from guanxi_sales.cli.opportunities import opportunity_columns


@click.group()
def account() -> None:
    """Accounts (账户): customers, partners, competitors and their contacts."""


@account.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, help="customer (default), partner, competitor, …")
@click.option("--address", "addresses", multiple=True, help="住址 (repeatable).")
@click.option("--phone", "phones", multiple=True, help="联系方式 (repeatable).")
@click.option("--email", "emails", multiple=True, help="Email (repeatable).")
@click.option("--web", "webs", multiple=True, help="网页 (repeatable).")
@click.option("--fax", "faxes", multiple=True, help="传真 (repeatable).")
@click.option("--owner", default=None, help="Staff username.")
@json_option
@pass_state
def account_add(state: CliState, name: str, roles: tuple[str, ...], addresses: tuple[str, ...],
                phones: tuple[str, ...], emails: tuple[str, ...], webs: tuple[str, ...],
                faxes: tuple[str, ...], owner: str | None, as_json: bool) -> None:
    """Add an account (an organisation) with its address, phone, web page and fax."""
    from guanxi.services.customers import add_customer

    points = [{"kind": kind, "value": value}
              for kind, values in (("address", addresses), ("phone", phones), ("email", emails),
                                   ("web", webs), ("fax", faxes)) for value in values]
    with state.transaction() as uow:
        record = add_customer(uow, kind="organization", name=name, owner=owner,
                              roles=list(roles) or None, contact_points=points)
    if as_json:
        print_json(record)
    else:
        click.echo(f"added account {record.id}: {record.name}")


@account.command("show")
@click.argument("reference")
@json_option
@pass_state
def account_show(state: CliState, reference: str, as_json: bool) -> None:
    """An account: address, phone, web, fax; contacts, open opportunities, activities, quotes."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.accounts import account_view

    with state.transaction() as uow:
        view = account_view(uow, resolve_customer(uow, reference))
    if as_json:
        print_json(view)
        return
    record = view.customer
    click.echo(f"account {record.id}: {record.name} ({record.kind}; {', '.join(record.roles)})")
    click.echo(f"owner: {view.owner}")
    for kind in ("address", "phone", "email", "web", "fax"):
        if kind in view.contact_info:
            click.echo(f"{kind}: {'; '.join(view.contact_info[kind])}")
    if view.core:
        click.echo(f"core customer: contact every {view.core['period_days']} days, next due "
                   f"{local(view.core['next_due'], state.app.tz)}")
    tz = state.app.tz

    def keys(*names: str) -> list:
        return [(k, lambda row, k=k: row[k]) for k in names]

    print_table(view.contacts, keys("id", "name", "email", "phone", "occupation"), title="contacts")
    print_table(view.opportunities, opportunity_columns(state)[:11], title="open opportunities")
    activities = [{**a, "starts_at": local(a["starts_at"], tz)} for a in view.activities]
    print_table(activities, keys("id", "starts_at", "type", "subject", "status"),
                title="activities")
    print_table(view.quotes, keys("number", "version", "status", "total", "valid_until"),
                title="quotes")


@click.group()
def core() -> None:
    """Core customers (核心客户): a fixed owner and a fixed contact period."""


def _core_columns(state: CliState) -> list:
    tz = state.app.tz
    return [("id", lambda r: r.customer_id), ("name", lambda r: r.name),
            ("owner", lambda r: r.owner), ("period_days", lambda r: r.period_days),
            ("last_contact", lambda r: local(r.last_contact, tz)),
            ("next_due", lambda r: local(r.next_due, tz)), ("overdue", lambda r: r.overdue)]


@core.command("set")
@click.argument("reference")
@click.option("--period", default=None, help="Contact period in days (default: setting).")
@click.option("--owner", default=None, help="Set the customer's owner too.")
@json_option
@pass_state
def core_set(state: CliState, reference: str, period: str | None, owner: str | None,
             as_json: bool) -> None:
    """Make REFERENCE a core customer, contacted at least every --period days."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.accounts import list_core_customers, set_core_customer

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference)
        set_core_customer(uow, customer_id, period_days=period, owner=owner)
        row = list_core_customers(uow, customer_id=customer_id)[0]
    if as_json:
        print_json(row)
    else:
        click.echo(f"core customer {row.customer_id} ({row.name}): every {row.period_days} days, "
                   f"owner {row.owner}, next due {local(row.next_due, state.app.tz)}")


@core.command("remove")
@click.argument("reference")
@pass_state
def core_remove(state: CliState, reference: str) -> None:
    """REFERENCE is no longer a core customer."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.accounts import remove_core_customer

    with state.transaction() as uow:
        remove_core_customer(uow, resolve_customer(uow, reference))
    click.echo(f"{reference} is no longer a core customer")


@core.command("list")
@click.option("--overdue", is_flag=True, help="Only those whose contact is overdue.")
@json_option
@pass_state
def core_list(state: CliState, overdue: bool, as_json: bool) -> None:
    """Core customers with their last contact and when the next one is due."""
    from guanxi_sales.accounts import list_core_customers

    with state.transaction() as uow:
        rows = list_core_customers(uow, overdue_only=overdue)
    emit(rows, _core_columns(state), as_json=as_json)


def register(group: click.Group) -> None:
    """Add the account and core-customer commands to ``sales``."""
    for command in (account, core):
        group.add_command(command)
