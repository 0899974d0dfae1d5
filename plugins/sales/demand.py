"""Product demand by period, from the lines of open quotes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_sales.models import Opportunity, Product, Quote, QuoteLine
from guanxi_sales.products import HUNDRED, cents

# A quote in one of these statuses still counts as demand (and can still be answered).
OPEN_STATUSES = ("draft", "sent")


# --------------------------------------------------------------------------- demand


@dataclass
class DemandRow:
    """Expected demand for one product in one period, from open quotes."""

    period: str
    product: str
    name: str
    unit: str
    quantity: Decimal
    amount: Decimal
    weighted_quantity: Decimal
    weighted_amount: Decimal
    quotes: int


def product_demand(
    uow: UnitOfWork,
    *,
    period: str = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[DemandRow]:
    """Product demand by month or quarter from the lines of open quotes.

    Open quotes are current versions in ``draft`` or ``sent`` that have not expired. A
    quote's demand falls in the period of its open opportunity's expected close date,
    or else of its validity date; quotes of lost opportunities are left out. Weighted
    figures multiply by the opportunity's probability (a quote with no opportunity, or a
    won one, counts in full). ``start``/``end`` bound the dates (inclusive).
    """
    from guanxi_sales.commissions import period_of

    require(uow, "sales.quote", "read")
    if period not in ("month", "quarter"):
        raise ValidationError("period", f"{period!r} is not month or quarter")
    today = uow.app.local_time(uow.now).date()
    rows = uow.session.execute(
        select(QuoteLine, Quote)
        .join(Quote, Quote.id == QuoteLine.quote_id)
        .where(Quote.status.in_(OPEN_STATUSES), Quote.valid_until >= today)  # type: ignore[attr-defined]
    ).all()
    opp_ids = {quote.opportunity_id for _, quote in rows if quote.opportunity_id is not None}
    opps = (
        {
            o.id: o
            for o in uow.session.scalars(select(Opportunity).where(Opportunity.id.in_(opp_ids)))
        }
        if opp_ids
        else {}
    )  # type: ignore[union-attr]
    products = {p.id: p for p in uow.session.scalars(select(Product))}
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for line, quote in rows:
        opp = opps.get(quote.opportunity_id) if quote.opportunity_id is not None else None
        if opp is not None and opp.status == "lost":
            continue
        day = opp.expected_close if opp is not None else quote.valid_until
        if (start and day < start) or (end and day > end):
            continue
        weight = Decimal(opp.probability) / HUNDRED if opp and opp.status == "open" else Decimal(1)
        product = products[line.product_id]
        slot = grouped.setdefault(
            (period_of(day, period), product.sku),
            {
                "product": product,
                "quantity": Decimal(0),
                "amount": Decimal("0.00"),
                "wq": Decimal(0),
                "wa": Decimal(0),
                "quotes": set(),
            },
        )
        slot["quantity"] += line.quantity
        slot["amount"] += line.line_total
        slot["wq"] += line.quantity * weight
        slot["wa"] += line.line_total * weight
        slot["quotes"].add(quote.number)
    return [
        DemandRow(
            period=key[0],
            product=key[1],
            name=s["product"].name,
            unit=s["product"].unit,
            quantity=s["quantity"],
            amount=s["amount"],
            weighted_quantity=s["wq"].quantize(Decimal("0.0001"), ROUND_HALF_EVEN),
            weighted_amount=cents(s["wa"]),
            quotes=len(s["quotes"]),
        )
        for key, s in sorted(grouped.items())
    ]
