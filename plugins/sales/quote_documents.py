"""Quote documents: what changed between two versions, and the printable HTML.

Both read through :func:`guanxi_sales.quotes.get_quote`, so record policies apply: a
quote on a customer the user cannot see cannot be diffed or rendered either.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Staff
from guanxi.records import CustomerRecord
from guanxi_sales.models import Product, QuoteLine
from guanxi_sales.products import HUNDRED, line_amounts, plain
from guanxi_sales.quotes import QuoteDetail, get_quote


@dataclass
class LineChange:
    """How one product's line changed between two versions (``None``: absent)."""

    product: str
    change: str  # added | removed | changed
    unit_price: tuple[Decimal | None, Decimal | None]
    quantity: tuple[Decimal | None, Decimal | None]
    discount_pct: tuple[Decimal | None, Decimal | None]
    price_level: tuple[str | None, str | None]
    line_total: tuple[Decimal | None, Decimal | None]


@dataclass
class QuoteDiff:
    """The changes between two versions of a quote, per product, and of its total."""

    number: str
    old_version: int
    new_version: int
    lines: list[LineChange]
    total: tuple[Decimal, Decimal]


def _keyed(detail: QuoteDetail) -> dict[tuple[str, int], QuoteLine]:
    keyed: dict[tuple[str, int], QuoteLine] = {}
    for line in detail.lines:
        sku = detail.skus[line.product_id]
        nth = sum(1 for key in keyed if key[0] == sku)
        keyed[(sku, nth)] = line
    return keyed


def diff_quote(
    uow: UnitOfWork, number: str, old_version: int | None = None, new_version: int | None = None
) -> QuoteDiff:
    """Price, quantity and discount changes per product between two versions.

    By default the current version against the one before it. Lines are matched by
    product (the n-th line of a product with the n-th); unchanged lines are left out.
    """
    new = get_quote(uow, number, new_version)
    old_number = new.quote.version - 1 if old_version is None else old_version
    if old_number < 1:
        raise ValidationError("version", f"quote {number} has only version 1")
    old = get_quote(uow, number, old_number)
    before, after = _keyed(old), _keyed(new)
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        a, b = before.get(key), after.get(key)

        def pair(name: str, a: QuoteLine | None = a, b: QuoteLine | None = b) -> tuple:
            return (getattr(a, name) if a else None, getattr(b, name) if b else None)

        item = LineChange(
            product=key[0],
            change="added" if a is None else "removed" if b is None else "changed",
            unit_price=pair("unit_price"),
            quantity=pair("quantity"),
            discount_pct=pair("discount_pct"),
            price_level=pair("price_level"),
            line_total=pair("line_total"),
        )
        fields = (item.unit_price, item.quantity, item.discount_pct, item.price_level)
        if item.change != "changed" or any(x != y for x, y in fields):
            changes.append(item)
    return QuoteDiff(
        number=number,
        old_version=old.quote.version,
        new_version=new.quote.version,
        lines=changes,
        total=(old.quote.total, new.quote.total),
    )


def render_quote(uow: UnitOfWork, number: str, version: int | None = None) -> str:
    """The quote as HTML through the template ``sales/quote.html`` (an edition may override).

    The template gets ``quote``, ``lines`` (dicts: the line's fields plus ``sku``,
    ``unit``, ``gross``, ``tax`` and ``quantity_text``/``discount_text``/``tax_text``:
    quantity, discount % and tax % without trailing zeros), ``customer`` (a
    CustomerRecord), ``products`` (SKU → Product), ``seller`` (the staff user who made
    the version, or None) and ``issued`` (the version's local date).
    """
    from guanxi.services.lookup import get_customer

    detail = get_quote(uow, number, version)
    customer: CustomerRecord = get_customer(uow, detail.quote.customer_id)
    products = {
        p.id: p
        for p in uow.session.scalars(select(Product).where(Product.id.in_(set(detail.skus))))
    }  # type: ignore[attr-defined]
    lines = []
    for line in detail.lines:
        amounts = line_amounts(line.quantity, line.unit_price, line.discount_pct, line.tax_rate)
        product = products[line.product_id]
        lines.append(
            {
                **line.model_dump(),
                "sku": product.sku,
                "unit": product.unit,
                "gross": amounts.gross,
                "tax": amounts.tax,
                "quantity_text": plain(line.quantity),
                "discount_text": plain(line.discount_pct),
                "tax_text": plain(line.tax_rate * HUNDRED),
            }
        )
    seller = None
    if detail.quote.created_by_id is not None:
        seller = uow.session.get(Staff, detail.quote.created_by_id)
    return uow.app.render(
        "sales/quote.html",
        quote=detail.quote,
        lines=lines,
        customer=customer,
        products={p.sku: p for p in products.values()},
        seller=seller,
        issued=uow.app.local_time(detail.quote.created_at).date(),
    )
