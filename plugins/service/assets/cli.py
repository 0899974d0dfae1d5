"""``guanxi service assets …``: the asset archive (整车档案) and warranties (保修).

Assets are named by id or serial number; customers and dealers by any customer reference
(id, email, phone, ``SOURCE:ID``).
"""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.assets.history import SOURCES
from guanxi_service.assets.models import ASSET_STATUSES

HISTORY_SOURCES = ("asset", *(s.name for s in SOURCES))


@click.group()
def assets() -> None:
    """Assets and warranties (整车档案, 保修): register, hand over, transfer, history."""


def _customer(uow: Any, reference: str | None, field: str) -> int | None:
    """A customer id from a reference; "not found" is bad input of ``field``."""
    from guanxi.errors import AmbiguousReferenceError
    from guanxi.services.lookup import resolve_customer

    if reference is None:
        return None
    if not reference.strip():
        return None
    try:
        return resolve_customer(uow, reference)
    except (NotFoundError, AmbiguousReferenceError) as exc:
        raise ValidationError(field, str(exc)) from None


def _attributes(pairs: tuple[str, ...]) -> dict[str, Any] | None:
    """``name=value`` pairs; an empty value removes the attribute (on update)."""
    if not pairs:
        return None
    result: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValidationError("attributes", f"{pair!r} is not name=value")
        result[name.strip()] = value.strip() or None
    return result


def _asset_columns() -> list:
    return [("id", lambda a: a.id), ("serial_number", lambda a: a.serial_number),
            ("product", lambda a: a.product), ("model", lambda a: a.model),
            ("customer_id", lambda a: a.customer_id), ("customer", lambda a: a.customer),
            ("dealer_id", lambda a: a.dealer_id), ("dealer", lambda a: a.dealer),
            ("handed_over_on", lambda a: a.handed_over_on), ("location", lambda a: a.location),
            ("status", lambda a: a.status), ("warranty", lambda a: a.warranty),
            ("warranty_ends_on", lambda a: a.warranty_ends_on)]


def _echo_asset(state: CliState, asset_id: int, verb: str, as_json: bool) -> None:
    from guanxi_service.assets.service import asset_detail

    with state.transaction() as uow:
        detail = asset_detail(uow, asset_id)
    if as_json:
        print_json(detail)
        return
    a = detail.asset
    model = f" {a.model}" if a.model else ""
    click.echo(f"{verb} asset {a.id}: {a.serial_number} {a.product}{model} of {a.customer} "
               f"({a.status}, warranty {a.warranty})")


@assets.command("register")
@click.argument("customer")
@click.argument("serial")
@click.option("--product", required=True, help="Product line, e.g. 挖掘机.")
@click.option("--model", default=None, help="Model, e.g. XE215.")
@click.option("--dealer", default=None, help="The dealer (a customer with the dealer role).")
@click.option("--handed-over", "handed_over_on", default=None,
              help="Handover / install date (YYYY-MM-DD): hands the asset over at once.")
@click.option("--location", default=None)
@click.option("--attr", "attrs", multiple=True, help="An attribute name=value (repeatable).")
@click.option("--notes", default=None)
@json_option
@pass_state
def register(state: CliState, customer: str, serial: str, product: str, model: str | None,
             dealer: str | None, handed_over_on: str | None, location: str | None,
             attrs: tuple[str, ...], notes: str | None, as_json: bool) -> None:
    """Register the asset SERIAL to CUSTOMER."""
    from guanxi_service.assets.service import register_asset

    with state.transaction() as uow:
        asset = register_asset(
            uow, customer_id=_customer(uow, customer, "customer") or 0, serial_number=serial,
            product=product, model=model, dealer_id=_customer(uow, dealer, "dealer"),
            handed_over_on=handed_over_on, location=location, attributes=_attributes(attrs),
            notes=notes)
    _echo_asset(state, asset.id, "registered", as_json)


@assets.command("show")
@click.argument("asset")
@json_option
@pass_state
def show(state: CliState, asset: str, as_json: bool) -> None:
    """An asset with its attributes and warranty terms."""
    from guanxi_service.assets.service import asset_detail

    with state.transaction() as uow:
        detail = asset_detail(uow, asset)
    if as_json:
        print_json(detail)
        return
    a = detail.asset
    lines = [f"asset {a.id}: {a.serial_number}", f"product: {a.product} {a.model or ''}".rstrip(),
             f"owner: {a.customer} ({a.customer_id})", f"status: {a.status}"]
    if a.dealer_id:
        lines.append(f"dealer: {a.dealer} ({a.dealer_id})")
    if a.handed_over_on:
        lines.append(f"handed over: {a.handed_over_on}")
    if a.location:
        lines.append(f"location: {a.location}")
    lines += [f"attribute {k}: {v}" for k, v in sorted(detail.attributes.items())]
    if detail.notes:
        lines.append(f"notes: {detail.notes}")
    lines.append(f"warranty today: {a.warranty}")
    for w in detail.warranties:
        mark = " (covers today)" if w["covers_today"] else ""
        lines.append(f"warranty {w['id']}: {w['terms']} {w['starts_on']} – {w['ends_on']}{mark}")
    click.echo("\n".join(lines))


@assets.command("list")
@click.option("--customer", default=None, help="Only this owner's assets.")
@click.option("--dealer", default=None, help="Only assets of this dealer.")
@click.option("--product", default=None)
@click.option("--status", type=click.Choice(ASSET_STATUSES), default=None)
@click.option("--search", default=None, help="Part of the serial number or model.")
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_(state: CliState, customer: str | None, dealer: str | None, product: str | None,
          status: str | None, search: str | None, after_id: int | None, limit: int,
          as_json: bool) -> None:
    """List the assets you may see, with their warranty today."""
    from guanxi_service.assets.service import list_assets

    with state.transaction() as uow:
        rows = list_assets(uow, customer_id=_customer(uow, customer, "customer"),
                           dealer_id=_customer(uow, dealer, "dealer"), product=product,
                           status=status, search=search, after_id=after_id, limit=limit)
    emit(rows, _asset_columns(), as_json=as_json)


@assets.command("update")
@click.argument("asset")
@click.option("--serial", default=None, help="Correct the serial number.")
@click.option("--product", default=None)
@click.option("--model", default=None)
@click.option("--dealer", default=None, help='The dealer ("" removes it).')
@click.option("--handed-over", "handed_over_on", default=None, help="Correct the handover date.")
@click.option("--location", default=None)
@click.option("--attr", "attrs", multiple=True,
              help="An attribute name=value (repeatable; name= removes it).")
@click.option("--notes", default=None)
@json_option
@pass_state
def update(state: CliState, asset: str, serial: str | None, product: str | None,
           model: str | None, dealer: str | None, handed_over_on: str | None,
           location: str | None, attrs: tuple[str, ...], notes: str | None,
           as_json: bool) -> None:
    """Change an asset's fields (the owner changes with transfer)."""
    from guanxi_service.assets.service import update_asset

    with state.transaction() as uow:
        changes: dict[str, Any] = {k: v for k, v in (
            ("serial_number", serial), ("product", product), ("model", model),
            ("handed_over_on", handed_over_on), ("location", location), ("notes", notes),
            ("attributes", _attributes(attrs))) if v is not None}
        if dealer is not None:
            changes["dealer_id"] = _customer(uow, dealer, "dealer")
        changed = update_asset(uow, asset, changes)
    _echo_asset(state, changed.id, "updated", as_json)


@assets.command("handover")
@click.argument("asset")
@click.option("--on", default=None, help="Handover date (YYYY-MM-DD, default today).")
@click.option("--location", default=None, help="Where it now works.")
@click.option("--note", default=None)
@json_option
@pass_state
def handover(state: CliState, asset: str, on: str | None, location: str | None,
             note: str | None, as_json: bool) -> None:
    """Record the handover (delivery, installation) of an asset."""
    from guanxi_service.assets.service import hand_over

    with state.transaction() as uow:
        done = hand_over(uow, asset, on=on, location=location, note=note)
    _echo_asset(state, done.id, "handed over", as_json)


@assets.command("transfer")
@click.argument("asset")
@click.argument("new_owner")
@click.option("--note", default=None, help="Why (sold, inherited…).")
@json_option
@pass_state
def transfer(state: CliState, asset: str, new_owner: str, note: str | None,
             as_json: bool) -> None:
    """Give an asset to NEW_OWNER (its history and warranties go with it)."""
    from guanxi_service.assets.service import transfer_asset

    with state.transaction() as uow:
        moved = transfer_asset(uow, asset, to_customer_id=_customer(uow, new_owner, "to_customer")
                               or 0, note=note)
        result = {"id": moved.id, "serial_number": moved.serial_number,
                  "customer_id": moved.customer_id}
    if as_json:
        print_json(result)
    else:
        click.echo(f"transferred asset {result['id']} ({result['serial_number']}) to customer "
                   f"{result['customer_id']}")


@assets.command("retire")
@click.argument("asset")
@click.option("--reason", default=None)
@json_option
@pass_state
def retire(state: CliState, asset: str, reason: str | None, as_json: bool) -> None:
    """Retire an asset (scrapped, exported): kept in the archive, no more reminders."""
    from guanxi_service.assets.service import retire_asset

    with state.transaction() as uow:
        done = retire_asset(uow, asset, reason=reason)
    _echo_asset(state, done.id, "retired", as_json)


@assets.command("history")
@click.argument("asset")
@click.option("--source", "sources", multiple=True, type=click.Choice(HISTORY_SOURCES),
              help="Only these sources (repeatable).")
@json_option
@pass_state
def history(state: CliState, asset: str, sources: tuple[str, ...], as_json: bool) -> None:
    """The asset's full service history: its events, tickets, repairs, return visits."""
    from guanxi_service.assets.service import asset_history

    with state.transaction() as uow:
        entries = asset_history(uow, asset, sources=sources or None)
        tz = uow.app.tz
    emit(entries, [("at", lambda e: e.at if as_json else local(e.at, tz)),
                   ("source", lambda e: e.source), ("id", lambda e: e.id),
                   ("kind", lambda e: e.kind), ("ref", lambda e: e.ref),
                   ("status", lambda e: e.status), ("summary", lambda e: e.summary),
                   ("actor", lambda e: e.actor)], as_json=as_json)


@assets.command("expiring")
@click.option("--days", default=None, help="Look this many days ahead (default: settings).")
@click.option("--on", default=None, help="From this date (default today).")
@json_option
@pass_state
def expiring(state: CliState, days: str | None, on: str | None, as_json: bool) -> None:
    """Warranties of active assets ending soon (report service.warranty_expiring)."""
    from guanxi_service.assets.reports import warranties_expiring

    with state.transaction() as uow:
        rows = warranties_expiring(uow, days=days, on=on)
    emit(rows, [("warranty_id", lambda r: r.warranty_id), ("ends_on", lambda r: r.ends_on),
                ("days_left", lambda r: r.days_left), ("terms", lambda r: r.terms),
                ("asset_id", lambda r: r.asset_id), ("serial_number", lambda r: r.serial_number),
                ("product", lambda r: r.product), ("model", lambda r: r.model),
                ("customer_id", lambda r: r.customer_id), ("customer", lambda r: r.customer),
                ("dealer", lambda r: r.dealer), ("reminded_on", lambda r: r.reminded_on)],
         as_json=as_json)


@assets.command("by-dealer")
@click.option("--on", default=None, help="Warranty state on this date (default today).")
@click.option("--all", "all_assets", is_flag=True, help="Count retired assets too.")
@json_option
@pass_state
def by_dealer(state: CliState, on: str | None, all_assets: bool, as_json: bool) -> None:
    """Assets per dealer and product, in and out of warranty (service.assets_by_dealer)."""
    from guanxi_service.assets.reports import assets_by_dealer

    with state.transaction() as uow:
        rows = assets_by_dealer(uow, on=on, status=None if all_assets else "active")
    emit(rows, [("dealer_id", lambda r: r.dealer_id), ("dealer", lambda r: r.dealer),
                ("product", lambda r: r.product), ("assets", lambda r: r.assets),
                ("in_warranty", lambda r: r.in_warranty),
                ("out_of_warranty", lambda r: r.out_of_warranty),
                ("expired", lambda r: r.expired), ("no_warranty", lambda r: r.no_warranty)],
         as_json=as_json)


@assets.group("warranty")
def warranty() -> None:
    """Warranty terms of an asset (保修)."""


def _warranty_columns() -> list:
    return [("id", lambda w: w.id), ("asset_id", lambda w: w.asset_id),
            ("terms", lambda w: w.terms), ("starts_on", lambda w: w.starts_on),
            ("ends_on", lambda w: w.ends_on), ("coverage", lambda w: w.coverage),
            ("default", lambda w: w.is_default), ("reminded_on", lambda w: w.reminded_on),
            ("expired_logged", lambda w: w.expired_logged)]


@warranty.command("add")
@click.argument("asset")
@click.option("--terms", required=True, help="The terms' name, e.g. 整机三包 12 个月.")
@click.option("--starts", "starts_on", default=None,
              help="First day (YYYY-MM-DD; default the handover date).")
@click.option("--ends", "ends_on", default=None, help="Last day (YYYY-MM-DD).")
@click.option("--months", default=None, help="Length in months (instead of --ends).")
@click.option("--coverage", default=None, help="What is covered.")
@click.option("--before-handover", is_flag=True, help="Allow a start before the handover.")
@json_option
@pass_state
def warranty_add(state: CliState, asset: str, terms: str, starts_on: str | None,
                 ends_on: str | None, months: str | None, coverage: str | None,
                 before_handover: bool, as_json: bool) -> None:
    """Add a warranty term to an asset."""
    from guanxi_service.assets.service import add_warranty

    with state.transaction() as uow:
        added = add_warranty(uow, asset, terms=terms, starts_on=starts_on, ends_on=ends_on,
                             months=months, coverage=coverage, before_handover=before_handover)
    if as_json:
        print_json(added)
    else:
        click.echo(f"added warranty {added.id} to asset {added.asset_id}: {added.terms} "
                   f"{added.starts_on} – {added.ends_on}")


@warranty.command("list")
@click.argument("asset")
@json_option
@pass_state
def warranty_list(state: CliState, asset: str, as_json: bool) -> None:
    """The warranty terms of an asset."""
    from guanxi_service.assets.service import list_warranties

    with state.transaction() as uow:
        rows = list_warranties(uow, asset)
    emit(rows, _warranty_columns(), as_json=as_json)


@warranty.command("status")
@click.argument("asset")
@click.option("--on", default=None, help="On this date (YYYY-MM-DD, default today).")
@json_option
@pass_state
def warranty_status_(state: CliState, asset: str, on: str | None, as_json: bool) -> None:
    """Whether an asset is in warranty on a day: in_warranty, expired or none."""
    from guanxi.inputs import parse_date
    from guanxi_service.assets.common import get_asset
    from guanxi_service.assets.service import warranty_status

    with state.transaction() as uow:
        day = parse_date(on, "on") or uow.today()
        found = get_asset(uow, asset)
        status = warranty_status(uow, found.id, day)
        result = {"asset_id": found.id, "serial_number": found.serial_number,
                  "on": day.isoformat(), "status": status}
    if as_json:
        print_json(result)
    else:
        click.echo(f"asset {found.id} ({found.serial_number}) on {day}: {status}")
