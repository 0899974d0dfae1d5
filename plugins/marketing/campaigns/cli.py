"""``guanxi marketing campaigns …``: campaigns, their members and costs.

The report commands (roi, attribution, study) are in
:mod:`guanxi_marketing.campaigns.cli_reports`.
"""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_marketing.campaigns.models import CAMPAIGN_STATUSES, CAMPAIGN_TYPES, MEMBER_STATUSES


@click.group()
def campaigns() -> None:
    """Marketing campaigns (营销活动): members, responses, costs, ROI and attribution."""


def _customer_ids(uow: Any, references: tuple[str, ...], field: str) -> list[int]:
    from guanxi.services.lookup import resolve_customer

    ids = []
    for reference in references:
        try:
            ids.append(resolve_customer(uow, reference))
        except NotFoundError as exc:
            raise ValidationError(field, str(exc)) from None
    return ids


def _campaign_columns() -> list:
    return [("id", lambda c: c.id), ("name", lambda c: c.name), ("type", lambda c: c.type),
            ("status", lambda c: c.status), ("owner", lambda c: c.owner),
            ("starts_on", lambda c: c.starts_on), ("ends_on", lambda c: c.ends_on),
            ("budget", lambda c: c.budget), ("actual_cost", lambda c: c.actual_cost),
            ("currency", lambda c: c.currency), ("members", lambda c: c.members),
            ("sent", lambda c: c.sent), ("responded", lambda c: c.responded),
            ("converted", lambda c: c.converted), ("parent_id", lambda c: c.parent_id),
            ("segment_id", lambda c: c.segment_id)]


def _echo_campaign(state: CliState, campaign_id: int, verb: str, as_json: bool) -> None:
    from guanxi_marketing.campaigns.service import campaign_detail

    with state.transaction() as uow:
        detail = campaign_detail(uow, campaign_id)
    if as_json:
        print_json(detail)
        return
    row = detail.campaign
    click.echo(f"{verb} campaign {row.id}: {row.name} ({row.type}, {row.status}), budget "
               f"{row.budget} {row.currency}, cost {row.actual_cost}, {row.members} members")


@campaigns.command("create")
@click.argument("name")
@click.option("--type", "kind", required=True, type=click.Choice(CAMPAIGN_TYPES))
@click.option("--segment", default=None, help="Target segment (id or name).")
@click.option("--budget", default="0", show_default=True)
@click.option("--currency", default=None, help="Currency code (default: the edition's).")
@click.option("--starts", "starts_on", default=None, help="Start date (YYYY-MM-DD).")
@click.option("--ends", "ends_on", default=None, help="End date (YYYY-MM-DD).")
@click.option("--template", default=None, help="Message template name (email, SMS, letter).")
@click.option("--subject", default=None, help="Email subject (a Jinja2 template).")
@click.option("--parent", default=None, help="The campaign this one follows up (id or name).")
@click.option("--owner", default=None, help="Staff username (default: you).")
@click.option("--description", default=None)
@json_option
@pass_state
def create(state: CliState, name: str, kind: str, segment: str | None, budget: str,
           currency: str | None, starts_on: str | None, ends_on: str | None,
           template: str | None, subject: str | None, parent: str | None, owner: str | None,
           description: str | None, as_json: bool) -> None:
    """Create the campaign NAME (status draft)."""
    from guanxi_marketing.campaigns.service import create_campaign

    with state.transaction() as uow:
        campaign = create_campaign(
            uow, name=name, type=kind, segment=segment, budget=budget, currency=currency,
            starts_on=starts_on, ends_on=ends_on, template=template, subject=subject,
            parent=parent, owner=owner, description=description)
    _echo_campaign(state, campaign.id, "created", as_json)


@campaigns.command("list")
@click.option("--status", type=click.Choice(CAMPAIGN_STATUSES), default=None)
@click.option("--type", "kind", type=click.Choice(CAMPAIGN_TYPES), default=None)
@click.option("--owner", default=None, help="Staff username.")
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_(state: CliState, status: str | None, kind: str | None, owner: str | None,
          after_id: int | None, limit: int, as_json: bool) -> None:
    """List the campaigns you may see, with member counts."""
    from guanxi_marketing.campaigns.service import list_campaigns

    with state.transaction() as uow:
        rows = list_campaigns(uow, status=status, type=kind, owner=owner, after_id=after_id,
                              limit=limit)
    emit(rows, _campaign_columns(), as_json=as_json)


@campaigns.command("show")
@click.argument("campaign")
@json_option
@pass_state
def show(state: CliState, campaign: str, as_json: bool) -> None:
    """A campaign with its counts, costs and follow-ups."""
    from guanxi_marketing.campaigns.service import campaign_detail

    with state.transaction() as uow:
        detail = campaign_detail(uow, campaign)
    if as_json:
        print_json(detail)
        return
    for header, get in _campaign_columns():
        click.echo(f"{header}: {'' if get(detail.campaign) is None else get(detail.campaign)}")
    for label, value in (("template", detail.template), ("subject", detail.subject),
                         ("description", detail.description)):
        if value:
            click.echo(f"{label}: {value}")
    for cost in detail.costs:
        click.echo(f"cost {cost['incurred_on']}: {cost['amount']} {cost['note'] or ''}".rstrip())
    if detail.follow_ups:
        click.echo(f"follow-ups: {', '.join(str(i) for i in detail.follow_ups)}")


@campaigns.command("status")
@click.argument("campaign")
@click.argument("status", type=click.Choice(CAMPAIGN_STATUSES))
@json_option
@pass_state
def status_(state: CliState, campaign: str, status: str, as_json: bool) -> None:
    """Move CAMPAIGN to STATUS (draft → planned → running → completed, or cancelled)."""
    from guanxi_marketing.campaigns.service import set_status

    with state.transaction() as uow:
        found = set_status(uow, campaign, status)
    _echo_campaign(state, found.id, "moved", as_json)


@campaigns.command("members")
@click.argument("campaign")
@click.option("--status", type=click.Choice(MEMBER_STATUSES), default=None)
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def members(state: CliState, campaign: str, status: str | None, after_id: int | None,
            limit: int, as_json: bool) -> None:
    """The members of CAMPAIGN you may see, with their status and response."""
    from guanxi_marketing.campaigns.service import list_members

    with state.transaction() as uow:
        rows = list_members(uow, campaign, status=status, after_id=after_id, limit=limit)
    tz = state.app.tz
    emit(rows, [("id", lambda m: m.id), ("customer_id", lambda m: m.customer_id),
                ("customer", lambda m: m.customer), ("status", lambda m: m.status),
                ("sent", lambda m: local(m.sent_at, tz)),
                ("responded", lambda m: local(m.responded_at, tz)),
                ("converted", lambda m: local(m.converted_at, tz)),
                ("response", lambda m: m.response)], as_json=as_json)


@campaigns.command("add-members")
@click.argument("campaign")
@click.argument("customers", nargs=-1, required=True)
@pass_state
def add_members_(state: CliState, campaign: str, customers: tuple[str, ...]) -> None:
    """Add CUSTOMERS (references: id, email, phone …) to CAMPAIGN as targeted."""
    from guanxi_marketing.campaigns.service import add_members

    with state.transaction() as uow:
        added = add_members(uow, campaign, _customer_ids(uow, customers, "customers"))
    click.echo(f"{added} new members ({len(customers) - added} already there)")


@campaigns.command("target")
@click.argument("campaign")
@click.option("--responders", "source", flag_value="responders",
              help="A follow-up: the parent campaign's responders.")
@click.option("--non-responders", "source", flag_value="non-responders",
              help="A follow-up: whom the parent reached who did not respond.")
@pass_state
def target(state: CliState, campaign: str, source: str | None) -> None:
    """Add the current members of CAMPAIGN's target segment (or of its parent's results)."""
    from guanxi_marketing.campaigns.service import target_parent_members, target_segment

    with state.transaction() as uow:
        if source is None:
            added = target_segment(uow, campaign)
        else:
            added = target_parent_members(uow, campaign, responded=source == "responders")
    click.echo(f"{added} new members")


@campaigns.command("sent")
@click.argument("campaign")
@click.argument("customers", nargs=-1)
@pass_state
def sent(state: CliState, campaign: str, customers: tuple[str, ...]) -> None:
    """Record that CAMPAIGN reached CUSTOMERS (default: every targeted member) by post,
    phone or in person; email and SMS are sent with ``marketing messages``."""
    from guanxi_marketing.campaigns.service import record_sent

    with state.transaction() as uow:
        marked = record_sent(uow, campaign, _customer_ids(uow, customers, "customers"))
    click.echo(f"{marked} members marked sent")


def _advance_command(name: str, status: str, doc: str) -> click.Command:
    """A command that moves a member forward to ``status`` (respond, convert)."""

    @click.command(name, help=doc)
    @click.argument("campaign")
    @click.argument("customer")
    @click.option("--response", default=None, help="What the customer answered.")
    @json_option
    @pass_state
    def command(state: CliState, campaign: str, customer: str, response: str | None,
                as_json: bool) -> None:
        from guanxi_marketing.campaigns.service import advance_member

        with state.transaction() as uow:
            member = advance_member(
                uow, campaign, _customer_ids(uow, (customer,), "customer")[0], status,
                response=response)
            data = {"campaign_id": member.campaign_id, "customer_id": member.customer_id,
                    "status": member.status, "response": member.response}
        if as_json:
            print_json(data)
        else:
            click.echo(f"customer {data['customer_id']} {status} in campaign "
                       f"{data['campaign_id']}")

    return command


campaigns.add_command(_advance_command(
    "respond", "responded", "Record that CUSTOMER responded to CAMPAIGN."))
campaigns.add_command(_advance_command(
    "convert", "converted", "Record that CUSTOMER converted (bought, signed up …) through "
                            "CAMPAIGN."))


@campaigns.command("cost")
@click.argument("campaign")
@click.argument("amount")
@click.option("--on", "incurred_on", default=None, help="Date (YYYY-MM-DD, default today).")
@click.option("--note", default=None, help="What it paid for.")
@json_option
@pass_state
def cost(state: CliState, campaign: str, amount: str, incurred_on: str | None, note: str | None,
         as_json: bool) -> None:
    """Record a cost of CAMPAIGN; its actual cost becomes the sum of its entries."""
    from guanxi_marketing.campaigns.service import add_cost

    with state.transaction() as uow:
        entry = add_cost(uow, campaign, amount, incurred_on=incurred_on, note=note)
    _echo_campaign(state, entry.campaign_id, f"cost {entry.amount} added to", as_json)

