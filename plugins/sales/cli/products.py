"""``guanxi sales product …``: the product catalogue with its price levels."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, print_json
from guanxi.errors import ValidationError


def _levels(pairs: tuple[str, ...]) -> dict[str, str]:
    levels = {}
    for pair in pairs:
        name, sep, price = pair.partition("=")
        if not sep or not name.strip():
            raise ValidationError("--level", f"{pair!r} is not LEVEL=PRICE")
        levels[name.strip()] = price.strip()
    return levels




@click.group()
def product() -> None:
    """Products and services with their price levels."""


def _product_columns() -> list:
    return [
        ("sku", lambda p: p.sku),
        ("name", lambda p: p.name),
        ("specification", lambda p: p.specification),
        ("unit", lambda p: p.unit),
        ("list_price", lambda p: p.list_price),
        ("price_levels", lambda p: p.price_levels),
        ("tax_rate", lambda p: p.tax_rate),
        ("active", lambda p: p.active),
    ]


@product.command("add")
@click.argument("sku")
@click.argument("name")
@click.option("--price", "list_price", required=True, help="List price.")
@click.option("--spec", "specification", default=None, help="Specification (规格).")
@click.option("--unit", default="件", show_default=True)
@click.option(
    "--level",
    "levels",
    multiple=True,
    metavar="LEVEL=PRICE",
    help="A price level, e.g. dealer=80.00 (repeatable).",
)
@click.option("--tax-rate", default=None, help="Tax rate as a fraction (default: setting).")
@json_option
@pass_state
def product_add(
    state: CliState,
    sku: str,
    name: str,
    list_price: str,
    specification: str | None,
    unit: str,
    levels: tuple[str, ...],
    tax_rate: str | None,
    as_json: bool,
) -> None:
    """Add the product SKU called NAME."""
    from guanxi_sales.products import add_product

    with state.transaction() as uow:
        created = add_product(
            uow,
            sku=sku,
            name=name,
            list_price=list_price,
            unit=unit,
            specification=specification,
            price_levels=_levels(levels),
            tax_rate=tax_rate,
        )
    if as_json:
        print_json(created)
    else:
        click.echo(f"added product {created.sku}")


@product.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include inactive products.")
@json_option
@pass_state
def product_list(state: CliState, include_inactive: bool, as_json: bool) -> None:
    """List products by SKU."""
    from guanxi_sales.products import list_products

    with state.transaction() as uow:
        rows = list_products(uow, include_inactive=include_inactive)
    emit(rows, _product_columns(), as_json=as_json)


@product.command("update")
@click.argument("sku")
@click.option("--name", default=None)
@click.option("--price", "list_price", default=None, help="New list price.")
@click.option("--spec", "specification", default=None)
@click.option("--unit", default=None)
@click.option(
    "--level",
    "levels",
    multiple=True,
    metavar="LEVEL=PRICE",
    help="Set a price level (repeatable).",
)
@click.option("--drop-level", "drop", multiple=True, metavar="LEVEL", help="Remove a level.")
@click.option("--tax-rate", default=None)
@click.option("--active/--inactive", default=None, help="Offer the product in new quotes or not.")
@json_option
@pass_state
def product_update(
    state: CliState,
    sku: str,
    name: str | None,
    list_price: str | None,
    specification: str | None,
    unit: str | None,
    levels: tuple[str, ...],
    drop: tuple[str, ...],
    tax_rate: str | None,
    active: bool | None,
    as_json: bool,
) -> None:
    """Change the product SKU (existing quotes keep their prices)."""
    from guanxi_sales.products import update_product

    with state.transaction() as uow:
        changed = update_product(
            uow,
            sku,
            name=name,
            list_price=list_price,
            unit=unit,
            specification=specification,
            set_levels=_levels(levels),
            drop_levels=drop,
            tax_rate=tax_rate,
            active=active,
        )
    if as_json:
        print_json(changed)
    else:
        click.echo(f"updated product {changed.sku}")


def register(group: click.Group) -> None:
    """Add the product commands to ``sales``."""
    for command in (product,):
        group.add_command(command)
