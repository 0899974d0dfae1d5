"""Products (price levels) and the exact arithmetic of quote lines.

A line's total is quantity × unit price × (1 − discount %/100) rounded half-even to
0.01, its tax is that total × the tax rate rounded the same way, and a quote's totals
are sums of its lines' (see :func:`line_amounts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.types import MONEY_PLACES, QUANTITY_PLACES, to_scaled
from guanxi.errors import NotFoundError, ValidationError
from guanxi_sales.models import Product

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
LIST_LEVEL = "list"


# --------------------------------------------------------------------------- amounts


@dataclass(frozen=True)
class LineAmounts:
    """A line's money: before discount, the discount, after discount (line total), tax."""

    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    """A quote's totals; ``subtotal − discount_total + tax_total == total``."""

    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-even to 0.01."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def line_amounts(
    quantity: Decimal, unit_price: Decimal, discount_pct: Decimal, tax_rate: Decimal
) -> LineAmounts:
    """The amounts of one line, each rounded half-even to 0.01 once, from exact products."""
    gross = cents(quantity * unit_price)
    net = cents(quantity * unit_price * (1 - discount_pct / HUNDRED))
    return LineAmounts(gross=gross, discount=gross - net, net=net, tax=cents(net * tax_rate))


def quote_totals(amounts: Sequence[LineAmounts]) -> Totals:
    """A quote's totals: the sums of its lines' amounts."""
    subtotal = sum((a.gross for a in amounts), Decimal("0.00"))
    discount = sum((a.discount for a in amounts), Decimal("0.00"))
    tax = sum((a.tax for a in amounts), Decimal("0.00"))
    net = sum((a.net for a in amounts), Decimal("0.00"))
    return Totals(subtotal=subtotal, discount_total=discount, tax_total=tax, total=net + tax)


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form (``10.0000`` → ``10``)."""
    return f"{value.normalize():f}"


def checked_decimal(
    name: str, value: Any, places: int, *, positive: bool = False, maximum: Decimal | None = None
) -> Decimal:
    """A non-negative amount with at most ``places`` decimals, or a ValidationError."""
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
        to_scaled(number, places)
    except (InvalidOperation, ValueError):
        raise ValidationError(
            name, f"{value!r} is not a number with at most {places} decimal places"
        ) from None
    if number < 0:
        raise ValidationError(name, f"must not be negative ({value})")
    if positive and number == 0:
        raise ValidationError(name, "must be greater than zero")
    if maximum is not None and number > maximum:
        raise ValidationError(name, f"must be at most {maximum} ({value})")
    return number.quantize(Decimal(1).scaleb(-places))


def checked_money(name: str, value: Any) -> Decimal:
    return checked_decimal(name, value, MONEY_PLACES)


def checked_rate(name: str, value: Any) -> Decimal:
    return checked_decimal(name, value, QUANTITY_PLACES, maximum=Decimal(1))


# --------------------------------------------------------------------------- products


def _price_levels(levels: Mapping[str, Any] | None) -> dict[str, str]:
    result = {}
    for level, price in (levels or {}).items():
        name = str(level).strip()
        if not name or name == LIST_LEVEL:
            raise ValidationError(
                "price_levels",
                f"{level!r} is not a price level name (the list price is level 'list')",
            )
        result[name] = str(checked_money(f"price_levels.{name}", price))
    return result


def get_product(uow: UnitOfWork, sku: str) -> Product:
    """A product by SKU; :class:`NotFoundError` if there is none."""
    require(uow, "sales.product", "read")
    product = uow.session.scalars(select(Product).where(Product.sku == sku)).first()
    if product is None:
        raise NotFoundError(f"no product {sku!r}")
    return product


def add_product(
    uow: UnitOfWork,
    *,
    sku: str,
    name: str,
    list_price: Any,
    specification: str | None = None,
    unit: str = "件",
    price_levels: Mapping[str, Any] | None = None,
    tax_rate: Any = None,
) -> Product:
    """Create a product with its list price, other price levels and tax rate (a fraction).

    ``tax_rate`` defaults to the setting ``sales.default_tax_rate``.
    """
    require(uow, "sales.product", "create")
    sku = sku.strip()
    if not sku:
        raise ValidationError("sku", "is required")
    if not name.strip():
        raise ValidationError("name", "is required")
    if uow.session.scalars(select(Product.id).where(Product.sku == sku)).first() is not None:
        raise ValidationError("sku", f"{sku!r} is taken")
    if tax_rate is None:
        tax_rate = uow.app.settings_for("sales").default_tax_rate
    product = Product(
        sku=sku,
        name=name.strip(),
        specification=specification,
        unit=unit,
        list_price=checked_money("list_price", list_price),
        price_levels=_price_levels(price_levels),
        tax_rate=checked_rate("tax_rate", tax_rate),
    )
    uow.session.add(product)
    uow.session.flush()
    return product


def update_product(
    uow: UnitOfWork,
    sku: str,
    *,
    name: str | None = None,
    list_price: Any = None,
    specification: str | None = None,
    unit: str | None = None,
    set_levels: Mapping[str, Any] | None = None,
    drop_levels: Sequence[str] = (),
    tax_rate: Any = None,
    active: bool | None = None,
) -> Product:
    """Change a product; quotes already made keep the prices they were made with."""
    require(uow, "sales.product", "update")
    product = get_product(uow, sku)
    if name is not None:
        if not name.strip():
            raise ValidationError("name", "is required")
        product.name = name.strip()
    if list_price is not None:
        product.list_price = checked_money("list_price", list_price)
    if specification is not None:
        product.specification = specification or None
    if unit is not None:
        product.unit = unit
    levels = dict(product.price_levels or {})
    for level in drop_levels:
        if level not in levels:
            raise ValidationError("price_levels", f"{sku} has no price level {level!r}")
        del levels[level]
    levels.update(_price_levels(set_levels))
    product.price_levels = levels
    if tax_rate is not None:
        product.tax_rate = checked_rate("tax_rate", tax_rate)
    if active is not None:
        product.active = active
    uow.session.flush()
    return product


def list_products(uow: UnitOfWork, *, include_inactive: bool = False) -> list[Product]:
    """The products by SKU (only active ones unless ``include_inactive``)."""
    require(uow, "sales.product", "read")
    query = select(Product).order_by(Product.sku)
    if not include_inactive:
        query = query.where(Product.active.is_(True))  # type: ignore[attr-defined]
    return list(uow.session.scalars(query))


def price_for(product: Product, level: str) -> Decimal:
    """The product's unit price at ``level`` (``list`` is the list price)."""
    if level == LIST_LEVEL:
        return product.list_price
    if level not in (product.price_levels or {}):
        known = ", ".join([LIST_LEVEL, *sorted(product.price_levels or {})])
        raise ValidationError(
            "price_level", f"{product.sku} has no price level {level!r} (one of {known})"
        )
    return Decimal(product.price_levels[level])
