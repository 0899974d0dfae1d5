"""``guanxi automotive …``: the vehicle archive across dealers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, local, print_json
from guanxi.services.lookup import customer_names
from guanxi_editions.automotive.vehicles import HistoryLine, find_vehicle, vehicle_history
from guanxi_service.assets.service import warranty_status


@click.group()
def automotive() -> None:
    """Car owners across dealers: the whole-vehicle archive (整车档案)."""


@automotive.command("vehicle")
@click.argument("vin")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def vehicle(state: CliState, vin: str, as_json: bool) -> None:
    """The vehicle VIN and its history at every dealer, the 800 centre and the website."""
    with state.app.transaction() as uow:
        asset = find_vehicle(uow, vin)
        tz = uow.app.tz
        names = customer_names(uow, [asset.customer_id, asset.dealer_id])
        head = {
            "vin": asset.serial_number,
            "model": asset.model,
            "owner": names.get(asset.customer_id),
            "owner_id": asset.customer_id,
            "dealer": names.get(asset.dealer_id or 0),
            "sold_on": asset.handed_over_on,
            "warranty": warranty_status(uow, asset.id, uow.today()),
        }
        lines = vehicle_history(uow, asset)
    columns: list[tuple[str, Callable[[HistoryLine], Any]]] = [
        ("at", lambda line: local(line.at, tz)),
        ("where", lambda line: line.where),
        ("what", lambda line: line.what),
        ("ref", lambda line: line.ref),
        ("detail", lambda line: line.detail),
    ]
    if as_json:
        history = [{name: get(line) for name, get in columns} for line in lines]
        print_json({**head, "history": history})
        return
    click.echo(" ".join(f"{key}={value}" for key, value in head.items() if value is not None))
    emit(lines, columns, as_json=False, title=f"整车档案 {asset.serial_number}")
