"""``guanxi service repairs …``: repair and field-service orders (维修单)."""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.repairs.models import BILLING, LOCATIONS, STATUSES
from guanxi_service.repairs.reports import DIMENSIONS, GRAINS


@click.group()
def repairs() -> None:
    """Repair and field-service orders (维修单): steps, promises, parts used, on-time rate."""


def _customer_id(uow: Any, reference: str | None) -> int | None:
    from guanxi.services.lookup import resolve_customer

    if reference is None:
        return None
    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


def _percent(rate: float | None) -> str | None:
    return None if rate is None else f"{rate * 100:.1f}%"


def _row_columns(tz: Any) -> list:
    return [("id", lambda r: r.id), ("number", lambda r: r.number),
            ("customer", lambda r: r.customer), ("asset_id", lambda r: r.asset_id),
            ("location", lambda r: r.location), ("technician", lambda r: r.technician),
            ("billing", lambda r: r.billing), ("status", lambda r: r.status),
            ("step", lambda r: r.step), ("opened", lambda r: local(r.opened_at, tz)),
            ("promised", lambda r: local(r.promised_at, tz)),
            ("delivered", lambda r: local(r.delivered_at, tz)),
            ("on_time", lambda r: r.on_time), ("overdue", lambda r: r.overdue),
            ("parts_cost", lambda r: r.parts_cost)]


def _echo(state: CliState, repair_id: int, verb: str, as_json: bool) -> None:
    from guanxi_service.repairs.listing import repair_detail

    with state.transaction() as uow:
        detail = repair_detail(uow, repair_id)
    if as_json:
        print_json(detail)
        return
    r, tz = detail.repair, state.app.tz
    late = "" if r.on_time is None else (", on time" if r.on_time else ", late")
    click.echo(f"{verb} repair order {r.number}: {r.status}, step {r.step}, promised "
               f"{local(r.promised_at, tz)}{late}")


@repairs.command("open")
@click.option("--customer", default=None, help="Customer reference (id, email, phone …).")
@click.option("--asset", "asset_id", type=int, default=None, help="The asset's id.")
@click.option("--ticket", "ticket_id", type=int, default=None,
              help="Open from this ticket (its customer and asset).")
@click.option("--location", type=click.Choice(LOCATIONS), default="workshop",
              show_default=True)
@click.option("--site", default=None, help="Where the field service happens.")
@click.option("--technician", default=None, help="Staff username.")
@click.option("--promised", default=None,
              help="Promised completion (YYYY-MM-DD [HH:MM], local time).")
@click.option("--billing", type=click.Choice(BILLING), default=None,
              help="paid (有偿) or free (免费); default: free in warranty, else paid.")
@click.option("--description", default=None, help="The fault as reported.")
@json_option
@pass_state
def open_(state: CliState, customer: str | None, asset_id: int | None, ticket_id: int | None,
          location: str, site: str | None, technician: str | None, promised: str | None,
          billing: str | None, description: str | None, as_json: bool) -> None:
    """Open a repair order on a customer's asset (or from a ticket)."""
    from guanxi_service.repairs.service import open_repair

    with state.transaction() as uow:
        order = open_repair(
            uow, customer_id=_customer_id(uow, customer), asset_id=asset_id,
            ticket_id=ticket_id, location=location, site=site, technician=technician,
            promised_at=promised, billing=billing, description=description)
    _echo(state, order.id, "opened", as_json)


@repairs.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None)
@click.option("--location", type=click.Choice(LOCATIONS), default=None)
@click.option("--technician", default=None, help="Staff username.")
@click.option("--customer", default=None, help="Customer reference.")
@click.option("--asset", "asset_id", type=int, default=None)
@click.option("--overdue", is_flag=True, help="Only open orders past their promise.")
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_(state: CliState, status: str | None, location: str | None, technician: str | None,
          customer: str | None, asset_id: int | None, overdue: bool, after_id: int | None,
          limit: int, as_json: bool) -> None:
    """List the repair orders you may see."""
    from guanxi_service.repairs.listing import list_repairs

    with state.transaction() as uow:
        rows = list_repairs(uow, status=status, location=location, technician=technician,
                            customer_id=_customer_id(uow, customer), asset_id=asset_id,
                            overdue=overdue, after_id=after_id, limit=limit)
    emit(rows, _row_columns(state.app.tz), as_json=as_json)


@repairs.command("show")
@click.argument("repair")
@json_option
@pass_state
def show(state: CliState, repair: str, as_json: bool) -> None:
    """A repair order with its step log, reservations and parts used."""
    from guanxi_service.repairs.listing import repair_detail

    with state.transaction() as uow:
        detail = repair_detail(uow, repair)
    if as_json:
        print_json(detail)
        return
    tz = state.app.tz
    for header, get in _row_columns(tz):
        value = get(detail.repair)
        click.echo(f"{header}: {'' if value is None else value}")
    click.echo(f"first promised: {local(detail.repair.first_promised_at, tz)} "
               f"({detail.promise_changes} changes)")
    for label, value in (("site", detail.site), ("description", detail.description),
                         ("notes", detail.notes)):
        if value:
            click.echo(f"{label}: {value}")
    for entry in detail.log:
        promise = f" → promised {local(entry['promised_at'], tz)}" if entry["kind"] == \
            "promise" else ""
        note = f" — {entry['note']}" if entry["note"] else ""
        click.echo(f"{local(entry['at'], tz)} {entry['kind']} {entry['step']}{promise}{note}"
                   f" ({entry['by'] or 'system'})")
    for r in detail.reservations:
        click.echo(f"reserved {r['quantity']} × {r['part']} at {r['location']} "
                   f"({r['status']}, {r['issued']} issued)")
    for u in detail.parts_used:
        click.echo(f"used {u['quantity']} × {u['part']} {u['name']} from {u['location']}: "
                   f"{u['cost']}")


@repairs.command("step")
@click.argument("repair")
@click.argument("step")
@click.option("--note", default=None)
@click.option("--at", default=None, help="When (default now; YYYY-MM-DD HH:MM).")
@json_option
@pass_state
def step(state: CliState, repair: str, step: str, note: str | None, at: str | None,
         as_json: bool) -> None:
    """Move REPAIR to STEP (received, diagnosed, waiting_parts, repairing, testing, ready,
    delivered — or the edition's steps)."""
    from guanxi_service.repairs.service import set_step

    with state.transaction() as uow:
        order = set_step(uow, repair, step, note=note, at=at)
    _echo(state, order.id, "moved", as_json)


@repairs.command("promise")
@click.argument("repair")
@click.argument("promised")
@click.option("--reason", required=True, help="Why the promise changes.")
@json_option
@pass_state
def promise(state: CliState, repair: str, promised: str, reason: str, as_json: bool) -> None:
    """Promise a new completion time PROMISED for REPAIR (the old one stays in the log)."""
    from guanxi_service.repairs.service import change_promise

    with state.transaction() as uow:
        order = change_promise(uow, repair, promised, reason=reason)
    _echo(state, order.id, "re-promised", as_json)


@repairs.command("complete")
@click.argument("repair")
@click.option("--at", default=None, help="Delivered when (default now).")
@click.option("--note", default=None)
@click.option("--labour", default=None, help="Labour charge (有偿).")
@json_option
@pass_state
def complete(state: CliState, repair: str, at: str | None, note: str | None,
             labour: str | None, as_json: bool) -> None:
    """Deliver REPAIR to the customer (按时交车 if by the promise)."""
    from guanxi_service.repairs.service import complete_repair

    with state.transaction() as uow:
        order = complete_repair(uow, repair, delivered_at=at, note=note, labour_charge=labour)
    _echo(state, order.id, "delivered", as_json)


@repairs.command("cancel")
@click.argument("repair")
@click.option("--reason", required=True)
@json_option
@pass_state
def cancel(state: CliState, repair: str, reason: str, as_json: bool) -> None:
    """Cancel REPAIR (held parts are released)."""
    from guanxi_service.repairs.service import cancel_repair

    with state.transaction() as uow:
        order = cancel_repair(uow, repair, reason=reason)
    _echo(state, order.id, "cancelled", as_json)


@repairs.command("note")
@click.argument("repair")
@click.argument("note")
@pass_state
def note_(state: CliState, repair: str, note: str) -> None:
    """Add NOTE to REPAIR's log."""
    from guanxi_service.repairs.service import add_note

    with state.transaction() as uow:
        add_note(uow, repair, note)
    click.echo("noted")


@repairs.command("assign")
@click.argument("repair")
@click.argument("technician")
@json_option
@pass_state
def assign(state: CliState, repair: str, technician: str, as_json: bool) -> None:
    """Give REPAIR to TECHNICIAN (a staff username)."""
    from guanxi_service.repairs.service import assign_technician

    with state.transaction() as uow:
        order = assign_technician(uow, repair, technician)
    _echo(state, order.id, "assigned", as_json)


@repairs.command("use-part")
@click.argument("repair")
@click.argument("part")
@click.argument("quantity")
@click.option("--location", default=None,
              help="Take from this location (reservations there first, then its stock).")
@click.option("--note", default=None)
@json_option
@pass_state
def use_part(state: CliState, repair: str, part: str, quantity: str, location: str | None,
             note: str | None, as_json: bool) -> None:
    """Issue QUANTITY of PART to REPAIR (parts used): from its reservations first."""
    from guanxi_service.parts.reservations import use_part as issue

    with state.transaction() as uow:
        moves = issue(uow, repair, part, quantity, location=location, note=note)
        data = [{"id": m.id, "quantity": -m.quantity, "location_id": m.location_id,
                 "reservation_id": m.reservation_id, "unit_cost": m.unit_cost}
                for m in moves]
    if as_json:
        print_json(data)
        return
    click.echo(f"issued {sum(d['quantity'] for d in data)} to {repair}")
    _echo(state, moves[0].repair_id, "now", False)


@repairs.command("on-time")
@click.option("--by", type=click.Choice(DIMENSIONS), default="period", show_default=True)
@click.option("--grain", type=click.Choice(GRAINS), default="month", show_default=True)
@click.option("--start", default=None, help="First day delivered (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last day delivered (YYYY-MM-DD).")
@click.option("--location", type=click.Choice(LOCATIONS), default=None)
@json_option
@pass_state
def on_time(state: CliState, by: str, grain: str, start: str | None, end: str | None,
            location: str | None, as_json: bool) -> None:
    """On-time completion rate (按时交车) of delivered orders."""
    from guanxi_service.repairs.reports import on_time_rows

    with state.transaction() as uow:
        rows, total = on_time_rows(uow, by=by, grain=grain, start=start, end=end,
                                   location=location)
    emit([*rows, total], [
        (by, lambda r: r.key), ("delivered", lambda r: r.delivered),
        ("on_time", lambda r: r.on_time), ("late", lambda r: r.late),
        ("on_time_rate", lambda r: r.on_time_rate if as_json else _percent(r.on_time_rate)),
        ("first_promise_rate",
         lambda r: r.first_promise_rate if as_json else _percent(r.first_promise_rate)),
        ("average_late_hours", lambda r: r.average_late_hours),
        ("average_turnaround_hours", lambda r: r.average_turnaround_hours),
    ], as_json=as_json, title=f"on-time completion by {by}")


@repairs.command("progress")
@click.option("--location", type=click.Choice(LOCATIONS), default=None)
@click.option("--limit", type=int, default=200, show_default=True)
@json_option
@pass_state
def progress(state: CliState, location: str | None, limit: int, as_json: bool) -> None:
    """Open orders with their step and the time left to the promise, overdue first."""
    from guanxi_service.repairs.reports import progress_rows

    with state.transaction() as uow:
        rows = progress_rows(uow, location=location, limit=limit)
    tz = state.app.tz
    emit(rows, [
        ("number", lambda r: r.number), ("customer", lambda r: r.customer),
        ("asset_id", lambda r: r.asset_id), ("location", lambda r: r.location),
        ("technician", lambda r: r.technician), ("step", lambda r: r.step),
        ("step_since", lambda r: local(r.step_since, tz) if not as_json else r.step_since),
        ("promised", lambda r: local(r.promised_at, tz) if not as_json else r.promised_at),
        ("hours_to_promise", lambda r: r.hours_to_promise), ("overdue", lambda r: r.overdue),
    ], as_json=as_json, title="repair progress (维修进度)")
