"""``guanxi service parts …``: spare parts (备件), stock, reservations, stock-outs."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi_service.parts.models import LOCATION_KINDS


@click.group()
def parts() -> None:
    """Spare parts (备件): stock per location, reservations, stock-outs, turnover."""


@parts.command("add")
@click.argument("number")
@click.argument("name")
@click.option("--unit", default=None, help="Unit (个, 套, L …; default: the settings').")
@click.option("--cost", "unit_cost", default="0", show_default=True, help="Unit cost.")
@json_option
@pass_state
def add(state: CliState, number: str, name: str, unit: str | None, unit_cost: str,
        as_json: bool) -> None:
    """Add part NUMBER called NAME to the catalogue."""
    from guanxi_service.parts.catalogue import add_part

    with state.transaction() as uow:
        part = add_part(uow, number=number, name=name, unit=unit, unit_cost=unit_cost)
        data = {"id": part.id, "number": part.number, "name": part.name, "unit": part.unit,
                "unit_cost": part.unit_cost}
    if as_json:
        print_json(data)
    else:
        click.echo(f"added part {data['number']} {data['name']} ({data['unit']}, "
                   f"{data['unit_cost']})")


@parts.command("list")
@click.option("--search", default=None, help="Part of the number or name.")
@json_option
@pass_state
def list_(state: CliState, search: str | None, as_json: bool) -> None:
    """The parts catalogue."""
    from guanxi_service.parts.catalogue import list_parts

    with state.transaction() as uow:
        rows = list_parts(uow, search=search)
    emit(rows, [("id", lambda p: p.id), ("number", lambda p: p.number),
                ("name", lambda p: p.name), ("unit", lambda p: p.unit),
                ("unit_cost", lambda p: p.unit_cost), ("active", lambda p: p.active)],
         as_json=as_json)


@parts.command("locations")
@click.option("--add", "code", default=None, help="Add a location with this code.")
@click.option("--name", default=None, help="Name of the location to add.")
@click.option("--kind", type=click.Choice(LOCATION_KINDS), default="warehouse",
              show_default=True)
@click.option("--region", default=None, help="Region (华东, 西南 …).")
@json_option
@pass_state
def locations(state: CliState, code: str | None, name: str | None, kind: str,
              region: str | None, as_json: bool) -> None:
    """List the stock locations (with --add: add one first)."""
    from guanxi_service.parts.catalogue import add_location, list_locations

    with state.transaction() as uow:
        if code is not None:
            add_location(uow, code=code, name=name or "", kind=kind, region=region)
        rows = list_locations(uow, region=None if code else region)
    emit(rows, [("id", lambda r: r.id), ("code", lambda r: r.code), ("name", lambda r: r.name),
                ("kind", lambda r: r.kind), ("region", lambda r: r.region)], as_json=as_json)


def _movement(m: object) -> dict:
    return {"id": m.id, "kind": m.kind, "quantity": m.quantity, "on_hand": m.on_hand_after,
            "reserved": m.reserved_after, "available": m.on_hand_after - m.reserved_after}


@parts.command("receive")
@click.argument("part")
@click.argument("location")
@click.argument("quantity")
@click.option("--reference", default=None, help="Delivery note, purchase order …")
@click.option("--note", default=None)
@json_option
@pass_state
def receive(state: CliState, part: str, location: str, quantity: str, reference: str | None,
            note: str | None, as_json: bool) -> None:
    """Receive QUANTITY of PART at LOCATION."""
    from guanxi_service.parts.stock import receive as take_in

    with state.transaction() as uow:
        data = _movement(take_in(uow, part, location, quantity, reference=reference,
                                 note=note))
    if as_json:
        print_json(data)
    else:
        click.echo(f"received {data['quantity']}: {data['on_hand']} on hand, "
                   f"{data['available']} available")


@parts.command("transfer")
@click.argument("part")
@click.argument("source")
@click.argument("target")
@click.argument("quantity")
@click.option("--reference", default=None)
@click.option("--note", default=None)
@json_option
@pass_state
def transfer(state: CliState, part: str, source: str, target: str, quantity: str,
             reference: str | None, note: str | None, as_json: bool) -> None:
    """Transfer QUANTITY of PART from SOURCE to TARGET (调拨)."""
    from guanxi_service.parts.stock import transfer as send

    with state.transaction() as uow:
        out, arrived = send(uow, part, source, target, quantity, reference=reference,
                            note=note)
        data = {"from": _movement(out), "to": _movement(arrived)}
    if as_json:
        print_json(data)
    else:
        click.echo(f"transferred {data['to']['quantity']}: {data['from']['available']} left "
                   f"available at {source}, {data['to']['available']} at {target}")


@parts.command("adjust")
@click.argument("part")
@click.argument("location")
@click.argument("counted")
@click.option("--reason", required=True, help="Why (盘点, damage, loss …).")
@json_option
@pass_state
def adjust(state: CliState, part: str, location: str, counted: str, reason: str,
           as_json: bool) -> None:
    """Record a count of PART at LOCATION: on hand becomes COUNTED (managers only)."""
    from guanxi_service.parts.stock import adjust as count

    with state.transaction() as uow:
        record = count(uow, part, location, counted, reason=reason)
        data = {"id": record.id, "book": record.book_quantity,
                "counted": record.counted_quantity, "reason": record.reason}
    if as_json:
        print_json(data)
    else:
        click.echo(f"adjusted {data['book']} → {data['counted']} ({data['reason']})")


@parts.command("stock")
@click.option("--part", default=None)
@click.option("--location", default=None)
@click.option("--region", default=None)
@json_option
@pass_state
def stock(state: CliState, part: str | None, location: str | None, region: str | None,
          as_json: bool) -> None:
    """Stock per part and location: on hand, reserved, available, value."""
    from guanxi_service.parts.reports import stock_rows

    with state.transaction() as uow:
        rows = stock_rows(uow, part=part, location=location, region=region)
    emit(rows, [("part", lambda r: r.part), ("name", lambda r: r.name),
                ("location", lambda r: r.location), ("region", lambda r: r.region),
                ("on_hand", lambda r: r.on_hand), ("reserved", lambda r: r.reserved),
                ("available", lambda r: r.available),
                ("reorder_point", lambda r: r.reorder_point), ("value", lambda r: r.value),
                ("low", lambda r: r.low)], as_json=as_json, title="spare-parts stock")


@parts.command("reorder")
@click.argument("part")
@click.argument("location")
@click.option("--point", default=None, help="Reorder point (empty: none).")
@click.option("--quantity", default=None, help="What to order then.")
@pass_state
def reorder(state: CliState, part: str, location: str, point: str | None,
            quantity: str | None) -> None:
    """Set the reorder point of PART at LOCATION."""
    from guanxi_service.parts.catalogue import set_reorder

    with state.transaction() as uow:
        row = set_reorder(uow, part, location, point=point, quantity=quantity)
        text = f"reorder point {row.reorder_point}, quantity {row.reorder_quantity}"
    click.echo(text)


@parts.command("reserve")
@click.argument("repair")
@click.argument("part")
@click.argument("location")
@click.argument("quantity")
@click.option("--backorder", is_flag=True,
              help="Reserve what is there and record the shortfall as a stock-out.")
@click.option("--note", default=None)
@json_option
@pass_state
def reserve(state: CliState, repair: str, part: str, location: str, quantity: str,
            backorder: bool, note: str | None, as_json: bool) -> None:
    """Reserve QUANTITY of PART at LOCATION for the repair order REPAIR."""
    from guanxi_service.parts.reservations import reserve as hold

    with state.transaction() as uow:
        result = hold(uow, repair, part, location, quantity, backorder=backorder, note=note)
        r, s = result.reservation, result.stockout
        data = {"reservation_id": r.id if r else None, "reserved": r.quantity if r else 0,
                "stockout_id": s.id if s else None, "short": s.short if s else 0}
    if as_json:
        print_json(data)
        return
    if data["reservation_id"]:
        click.echo(f"reservation {data['reservation_id']}: {data['reserved']} reserved")
    if data["stockout_id"]:
        click.echo(f"stock-out {data['stockout_id']} recorded: {data['short']} short")


@parts.command("release")
@click.argument("reservation")
@click.option("--quantity", default=None, help="Only part of it (default: all held).")
@click.option("--note", default=None)
@pass_state
def release(state: CliState, reservation: str, quantity: str | None, note: str | None) -> None:
    """Release what is held of RESERVATION back to available stock."""
    from guanxi_service.parts.reservations import release as give_back

    with state.transaction() as uow:
        found = give_back(uow, reservation, quantity=quantity, note=note)
        text = f"reservation {found.id}: {found.status}, {found.quantity - found.issued} held"
    click.echo(text)


@parts.command("reservations")
@click.option("--status", type=click.Choice(("active", "issued", "released")),
              default="active", show_default=True)
@click.option("--repair", default=None)
@click.option("--location", default=None)
@json_option
@pass_state
def reservations(state: CliState, status: str, repair: str | None, location: str | None,
                 as_json: bool) -> None:
    """Reservations for repair orders (you see those of customers you may see)."""
    from guanxi_service.parts.reservations import list_reservations

    with state.transaction() as uow:
        rows = list_reservations(uow, status=status, repair=repair, location=location)
    emit(rows, [(k, lambda r, k=k: r[k]) for k in (
        "id", "repair", "part", "location", "quantity", "issued", "held", "status")],
        as_json=as_json)


@parts.command("stockouts")
@click.option("--open", "open_only", is_flag=True, help="Only those not filled yet.")
@click.option("--location", default=None)
@click.option("--part", default=None)
@click.option("--start", default=None, help="First day (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last day (YYYY-MM-DD).")
@json_option
@pass_state
def stockouts(state: CliState, open_only: bool, location: str | None, part: str | None,
              start: str | None, end: str | None, as_json: bool) -> None:
    """Stock-outs (缺货): demands that could not be met, newest first."""
    from guanxi_service.parts.reservations import list_stockouts

    with state.transaction() as uow:
        rows = list_stockouts(uow, open_only=open_only, location=location, part=part,
                              start=start, end=end)
    tz = state.app.tz
    emit(rows, [
        ("id", lambda r: r["id"]), ("at", lambda r: r["at"] if as_json else local(r["at"], tz)),
        ("part", lambda r: r["part"]), ("name", lambda r: r["name"]),
        ("location", lambda r: r["location"]), ("repair", lambda r: r["repair"]),
        ("requested", lambda r: r["requested"]), ("available", lambda r: r["available"]),
        ("short", lambda r: r["short"]),
        ("filled_at", lambda r: r["filled_at"] if as_json else local(r["filled_at"], tz)),
        ("days_to_fill", lambda r: r["days_to_fill"])], as_json=as_json, title="stock-outs")


@parts.command("turnover")
@click.option("--start", default=None, help="First day (default: turnover_days ago).")
@click.option("--end", default=None, help="Last day (default: today).")
@click.option("--part", default=None)
@click.option("--location", default=None)
@click.option("--region", default=None)
@json_option
@pass_state
def turnover(state: CliState, start: str | None, end: str | None, part: str | None,
             location: str | None, region: str | None, as_json: bool) -> None:
    """Turnover and days of supply per part and location, from the ledger."""
    from guanxi_service.parts.reports import turnover_rows

    with state.transaction() as uow:
        first, last, rows = turnover_rows(uow, start=start, end=end, part=part,
                                          location=location, region=region)
    emit(rows, [
        ("part", lambda r: r.part), ("location", lambda r: r.location),
        ("issued", lambda r: r.issued_quantity), ("issued_cost", lambda r: r.issued_cost),
        ("average_on_hand", lambda r: r.average_on_hand),
        ("average_stock_value", lambda r: r.average_stock_value),
        ("turnover", lambda r: r.turnover),
        ("annualised", lambda r: r.annualised_turnover),
        ("days_of_supply", lambda r: r.days_of_supply)],
        as_json=as_json, title=f"turnover {first} – {last}")


@parts.command("low-stock")
@click.option("--location", default=None)
@click.option("--region", default=None)
@json_option
@pass_state
def low_stock(state: CliState, location: str | None, region: str | None,
              as_json: bool) -> None:
    """Parts at or below their reorder point, the largest shortfall first."""
    from guanxi_service.parts.reports import low_stock_rows

    with state.transaction() as uow:
        rows = low_stock_rows(uow, location=location, region=region)
    emit(rows, [
        ("part", lambda r: r.part), ("name", lambda r: r.name),
        ("location", lambda r: r.location), ("region", lambda r: r.region),
        ("available", lambda r: r.available), ("reorder_point", lambda r: r.reorder_point),
        ("shortfall", lambda r: r.shortfall), ("suggested_order", lambda r: r.suggested_order),
        ("open_stockouts", lambda r: r.open_stockouts)], as_json=as_json, title="low stock")
