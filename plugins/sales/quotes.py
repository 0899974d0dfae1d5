"""Quotes (报价): numbered and versioned, sent, accepted or rejected.

A quote is numbered ``PREFIX-YYYY-NNNN`` and versioned: a revision is a new row with the
same number and the next version, and the version it replaces becomes ``superseded``.
Amounts are exact ``Decimal``s: a line's total is quantity × unit price × (1 − discount
%/100) rounded half-even to 0.01, its tax is that total × the tax rate rounded the same
way, and the quote's totals are sums of the lines' (see :func:`line_amounts`).

Sending, accepting and rejecting a quote log ``sales.quote_*`` on the customer's
timeline. Accepting a quote linked to an opportunity does not win the opportunity; that
stays the opportunity's business. Every query goes through the ORM, so record policies
apply to listings, renders, diffs and the demand report alike.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.types import QUANTITY_PLACES
from guanxi.errors import NotFoundError, ValidationError
from guanxi.records import CustomerRecord
from guanxi.services.customers import require_customer
from guanxi.services.interactions import log_interaction
from guanxi_sales.demand import OPEN_STATUSES, product_demand
from guanxi_sales.models import Opportunity, Product, Quote, QuoteLine
from guanxi_sales.products import (
    HUNDRED,
    LIST_LEVEL,
    add_product,
    checked_decimal,
    checked_money,
    line_amounts,
    price_for,
    quote_totals,
)

REVISABLE = ("draft", "sent", "rejected")
LINE_KEYS = {
    "product",
    "quantity",
    "price_level",
    "unit_price",
    "discount_pct",
    "specification",
    "description",
}
MANUAL_LEVEL = "manual"


# --------------------------------------------------------------------------- quotes


@dataclass
class QuoteDetail:
    """One version of a quote with its lines and the SKU of each line's product."""

    quote: Quote
    lines: list[QuoteLine]
    skus: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the quote and its lines."""
        head = self.quote.model_dump()
        head["lines"] = [
            {**line.model_dump(), "sku": self.skus.get(line.product_id)} for line in self.lines
        ]
        return head


def _check_opportunity(uow: UnitOfWork, opportunity_id: int, customer_id: int) -> None:
    opp = uow.session.scalars(select(Opportunity).where(Opportunity.id == opportunity_id)).first()
    if opp is None:
        raise NotFoundError(f"no opportunity with id {opportunity_id}")
    if opp.customer_id != customer_id:
        raise ValidationError(
            "opportunity", f"opportunity {opportunity_id} belongs to another customer"
        )
    if opp.status == "lost":
        raise ValidationError("opportunity", f"opportunity {opportunity_id} is lost")


def _build_lines(uow: UnitOfWork, lines: Sequence[Mapping[str, Any]]) -> list[QuoteLine]:
    """Validate line input into unsaved :class:`QuoteLine` rows (priced from products)."""
    if not lines:
        raise ValidationError("lines", "a quote needs at least one line")
    skus = {str(line.get("product", "")).strip() for line in lines}
    products = {p.sku: p for p in uow.session.scalars(select(Product).where(Product.sku.in_(skus)))}  # type: ignore[attr-defined]
    built = []
    for position, line in enumerate(lines, start=1):
        where = f"lines[{position}]"
        unknown = set(line) - LINE_KEYS
        if unknown:
            raise ValidationError(f"{where}.{sorted(unknown)[0]}", "unknown line field")
        sku = str(line.get("product", "")).strip()
        product = products.get(sku)
        if product is None:
            raise ValidationError(f"{where}.product", f"unknown product {sku!r}")
        if line.get("quantity") is None:
            raise ValidationError(f"{where}.quantity", "is required")
        quantity = checked_decimal(
            f"{where}.quantity", line["quantity"], QUANTITY_PLACES, positive=True
        )
        given_price = line.get("unit_price")
        level = str(
            line.get("price_level") or (MANUAL_LEVEL if given_price is not None else LIST_LEVEL)
        )
        if given_price is not None:
            unit_price = checked_money(f"{where}.unit_price", given_price)
        else:
            if not product.active:
                raise ValidationError(f"{where}.product", f"product {sku!r} is not active")
            try:
                unit_price = price_for(product, level)
            except ValidationError as exc:
                raise ValidationError(f"{where}.price_level", exc.reason) from None
        discount = checked_decimal(
            f"{where}.discount_pct", line.get("discount_pct") or 0, QUANTITY_PLACES, maximum=HUNDRED
        )
        amounts = line_amounts(quantity, unit_price, discount, product.tax_rate)
        built.append(
            QuoteLine(
                quote_id=0,
                customer_id=0,
                position=position,
                product_id=product.id,
                description=line.get("description") or product.name,
                specification=line.get("specification", product.specification),
                quantity=quantity,
                price_level=level,
                unit_price=unit_price,
                discount_pct=discount,
                tax_rate=product.tax_rate,
                line_total=amounts.net,
            )
        )
    return built


def _next_number(uow: UnitOfWork) -> str:
    """The next free ``PREFIX-YYYY-NNNN`` (all quotes count, visible or not)."""
    connection = uow.session.connection()
    if connection.dialect.name == "postgresql":  # serialise numbering until commit
        connection.execute(text("SELECT pg_advisory_xact_lock(4823017)"))
    prefix = uow.app.settings_for("sales").quote_number_prefix
    stem = f"{prefix}-{uow.app.local_time(uow.now).year}-"
    table = Quote.__table__  # type: ignore[attr-defined]
    last = connection.execute(
        select(table.c.number)
        .where(table.c.number.startswith(stem, autoescape=True))
        .order_by(func.length(table.c.number).desc(), table.c.number.desc())
        .limit(1)
    ).scalar()
    sequence = int(last[len(stem) :]) + 1 if last and last[len(stem) :].isdigit() else 1
    return f"{stem}{sequence:04d}"


def _store(uow: UnitOfWork, quote: Quote, lines: list[QuoteLine]) -> QuoteDetail:
    totals = quote_totals(
        [line_amounts(ln.quantity, ln.unit_price, ln.discount_pct, ln.tax_rate) for ln in lines]
    )
    quote.subtotal, quote.discount_total = totals.subtotal, totals.discount_total
    quote.tax_total, quote.total = totals.tax_total, totals.total
    uow.session.add(quote)
    uow.session.flush()
    for line in lines:
        line.quote_id, line.customer_id = quote.id, quote.customer_id  # type: ignore[assignment]
        uow.session.add(line)
    uow.session.flush()
    return _detail(uow, quote, lines)


def _detail(uow: UnitOfWork, quote: Quote, lines: list[QuoteLine] | None = None) -> QuoteDetail:
    if lines is None:
        lines = list(
            uow.session.scalars(
                select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(QuoteLine.position)
            )
        )
    ids = {line.product_id for line in lines}
    skus = (
        dict(uow.session.execute(select(Product.id, Product.sku).where(Product.id.in_(ids))).all())
        if ids
        else {}
    )  # type: ignore[union-attr]
    return QuoteDetail(quote=quote, lines=lines, skus=skus)


def _valid_until(uow: UnitOfWork, value: dt.date | str | None) -> dt.date:
    today = uow.app.local_time(uow.now).date()
    if value is None:
        return today + dt.timedelta(days=uow.app.settings_for("sales").quote_validity_days)
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError("valid_until", f"{value!r} is not a date (YYYY-MM-DD)") from None
    if value < today:
        raise ValidationError("valid_until", f"{value} is in the past")
    return value


def create_quote(
    uow: UnitOfWork,
    *,
    customer_id: int,
    lines: Sequence[Mapping[str, Any]],
    opportunity_id: int | None = None,
    valid_until: dt.date | str | None = None,
    currency: str | None = None,
    notes: str | None = None,
) -> QuoteDetail:
    """Create version 1 of a new quote numbered ``PREFIX-YYYY-NNNN``, status ``draft``.

    Each line is a mapping: ``product`` (SKU), ``quantity``, and optionally
    ``price_level`` (default ``list``), ``unit_price`` (overrides the level's price),
    ``discount_pct``, ``specification`` and ``description`` (default: the product's).
    """
    require(uow, "sales.quote", "create")
    require_customer(uow, customer_id)
    if opportunity_id is not None:
        _check_opportunity(uow, opportunity_id, customer_id)
    built = _build_lines(uow, lines)
    quote = Quote(
        number=_next_number(uow),
        version=1,
        customer_id=customer_id,
        opportunity_id=opportunity_id,
        status="draft",
        currency=(currency or uow.app.settings.currency).upper(),
        valid_until=_valid_until(uow, valid_until),
        subtotal=0,
        discount_total=0,
        tax_total=0,
        total=0,
        notes=notes,
        created_at=uow.now,
        created_by_id=uow.actor_id,
    )
    return _store(uow, quote, built)


def _latest(uow: UnitOfWork, number: str) -> Quote:
    quote = uow.session.scalars(
        select(Quote).where(Quote.number == number).order_by(Quote.version.desc())
    ).first()  # type: ignore[attr-defined]
    if quote is None:
        raise NotFoundError(f"no quote {number!r}")
    return quote


def get_quote(uow: UnitOfWork, number: str, version: int | None = None) -> QuoteDetail:
    """A quote's latest version (or ``version``) with its lines."""
    require(uow, "sales.quote", "read")
    if version is None:
        return _detail(uow, _latest(uow, number))
    quote = uow.session.scalars(
        select(Quote).where(Quote.number == number, Quote.version == version)
    ).first()
    if quote is None:
        raise NotFoundError(f"no version {version} of quote {number!r}")
    return _detail(uow, quote)


def list_quotes(
    uow: UnitOfWork,
    *,
    customer_id: int | None = None,
    status: str | None = None,
    opportunity_id: int | None = None,
    all_versions: bool = False,
    limit: int = 100,
) -> list[Quote]:
    """Quotes, newest first: the current version of each unless ``all_versions``."""
    require(uow, "sales.quote", "read")
    query = select(Quote).order_by(Quote.created_at.desc(), Quote.id.desc())  # type: ignore[attr-defined]
    if not all_versions and status != "superseded":
        query = query.where(Quote.status != "superseded")
    if customer_id is not None:
        query = query.where(Quote.customer_id == customer_id)
    if status is not None:
        query = query.where(Quote.status == status)
    if opportunity_id is not None:
        query = query.where(Quote.opportunity_id == opportunity_id)
    return list(uow.session.scalars(query.limit(limit)))


def _line_input(line: QuoteLine, sku: str) -> dict[str, Any]:
    return {
        "product": sku,
        "quantity": line.quantity,
        "price_level": line.price_level,
        "unit_price": line.unit_price,
        "discount_pct": line.discount_pct,
        "specification": line.specification,
        "description": line.description,
    }


def revise_quote(
    uow: UnitOfWork,
    number: str,
    *,
    lines: Sequence[Mapping[str, Any]] | None = None,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    add: Sequence[Mapping[str, Any]] = (),
    remove: Sequence[str] = (),
    valid_until: dt.date | str | None = None,
    notes: str | None = None,
) -> QuoteDetail:
    """Make the next version of a quote; the version it replaces becomes ``superseded``.

    ``lines`` replaces every line; otherwise the lines are copied at their quoted prices,
    ``changes`` (SKU → fields to change, as in a line; a new ``price_level`` without a
    ``unit_price`` re-prices the line from the product) are applied, the lines of the
    SKUs in ``remove`` dropped and ``add`` appended. The new version is a ``draft``.
    """
    require(uow, "sales.quote", "create")
    previous = _latest(uow, number)
    if previous.status not in REVISABLE:
        raise ValidationError(
            "status",
            f"quote {number} v{previous.version} is {previous.status} and cannot be revised",
        )
    if lines is None:
        old = _detail(uow, previous)
        present = set(old.skus.values())
        for sku in [*(changes or {}), *remove]:
            if sku not in present:
                raise ValidationError("product", f"quote {number} has no line for {sku!r}")
        lines = []
        for line in old.lines:
            sku = old.skus[line.product_id]
            if sku in remove:
                continue
            given = _line_input(line, sku)
            change = dict((changes or {}).get(sku, {}))
            if "price_level" in change and "unit_price" not in change:
                given.pop("unit_price")  # re-priced from the product at the new level
            elif "unit_price" in change and "price_level" not in change:
                given["price_level"] = MANUAL_LEVEL
            given.update(change)
            lines.append(given)
        lines.extend(add)
    built = _build_lines(uow, lines)
    previous.status = "superseded"
    quote = Quote(
        number=previous.number,
        version=previous.version + 1,
        customer_id=previous.customer_id,
        opportunity_id=previous.opportunity_id,
        status="draft",
        currency=previous.currency,
        valid_until=_valid_until(uow, valid_until),
        subtotal=0,
        discount_total=0,
        tax_total=0,
        total=0,
        notes=previous.notes if notes is None else notes,
        created_at=uow.now,
        created_by_id=uow.actor_id,
    )
    uow.session.flush()
    return _store(uow, quote, built)


def _log(
    uow: UnitOfWork,
    quote: Quote,
    kind: str,
    direction: str,
    *,
    channel: str | None = None,
    subject: str,
) -> None:
    log_interaction(
        uow,
        customer_id=quote.customer_id,
        kind=kind,
        direction=direction,
        channel=channel,
        actor=uow.actor_id,
        subject=subject,
        payload={
            "quote_id": quote.id,
            "number": quote.number,
            "version": quote.version,
            "total": str(quote.total),
            "opportunity_id": quote.opportunity_id,
        },
    )


def _transition(uow: UnitOfWork, number: str, allowed: tuple[str, ...], new: str) -> Quote:
    require(uow, "sales.quote", "update")
    quote = _latest(uow, number)
    if quote.status not in allowed:
        raise ValidationError(
            "status",
            f"quote {number} v{quote.version} is {quote.status}; "
            f"only a {' or '.join(allowed)} quote can be {new}",
        )
    today = uow.app.local_time(uow.now).date()
    if new in ("sent", "accepted") and quote.valid_until < today:
        raise ValidationError(
            "valid_until",
            f"quote {number} v{quote.version} expired on {quote.valid_until}; revise it first",
        )
    quote.status = new
    uow.session.flush()
    return quote


def send_quote(uow: UnitOfWork, number: str, *, channel: str | None = None) -> Quote:
    """Mark the current version sent and log ``sales.quote_sent`` (default channel email)."""
    quote = _transition(uow, number, ("draft",), "sent")
    _log(
        uow,
        quote,
        "sales.quote_sent",
        "outbound",
        channel=channel,
        subject=f"报价 {quote.number} v{quote.version} sent",
    )
    return quote


def accept_quote(uow: UnitOfWork, number: str) -> Quote:
    """The customer accepted the current version: log ``sales.quote_accepted``.

    A linked opportunity is not won by this; win it through the opportunity.
    """
    quote = _transition(uow, number, OPEN_STATUSES, "accepted")
    _log(
        uow,
        quote,
        "sales.quote_accepted",
        "inbound",
        subject=f"报价 {quote.number} v{quote.version} accepted",
    )
    return quote


def reject_quote(uow: UnitOfWork, number: str, *, reason: str | None = None) -> Quote:
    """The customer rejected the current version: log ``sales.quote_rejected``."""
    quote = _transition(uow, number, OPEN_STATUSES, "rejected")
    subject = f"报价 {quote.number} v{quote.version} rejected"
    _log(
        uow,
        quote,
        "sales.quote_rejected",
        "inbound",
        subject=f"{subject}: {reason}" if reason else subject,
    )
    return quote


# --------------------------------------------------------------------------- plugin hooks


def register_jobs(register: Callable[..., None]) -> None:
    """Quotes have no scheduled jobs (an expired quote is simply no longer open)."""


def _demand_report(uow: UnitOfWork, period: str = "month", **options: Any) -> dict[str, Any]:
    bounds: dict[str, dt.date | None] = {}
    for key, name in (("from", "start"), ("to", "end")):
        try:
            bounds[name] = dt.date.fromisoformat(options[key]) if key in options else None
        except (TypeError, ValueError):
            raise ValidationError(key, f"{options[key]!r} is not a date (YYYY-MM-DD)") from None
    from guanxi.cli.output import to_jsonable

    rows = product_demand(uow, period=period, **bounds)  # type: ignore[arg-type]
    return {"period": period, "rows": to_jsonable(rows)}


def register_reports(register: Callable[..., None]) -> None:
    """``sales.product_demand`` and ``sales.commissions``."""
    from guanxi_sales.commissions import commission_report_dict

    register(
        "sales.product_demand",
        _demand_report,
        description="product demand by month or quarter from open quotes "
        "(options: period=month|quarter, from, to)",
    )
    register(
        "sales.commissions",
        commission_report_dict,
        description="commissions per salesperson for a period (option: period=2026-05)",
    )


DEMO_PRODUCTS = [
    (
        "CRM-STD",
        "关系管理系统 标准版 CRM Standard",
        "每用户每年 per user-year",
        "套",
        "1200.00",
        {"dealer": "1000.00", "vip": "960.00"},
    ),
    (
        "CRM-ENT",
        "关系管理系统 企业版 CRM Enterprise",
        "每用户每年 per user-year",
        "套",
        "2400.00",
        {"dealer": "2000.00", "vip": "1920.00"},
    ),
    (
        "SVC-IMPL",
        "实施服务 Implementation",
        "人天 per consultant-day",
        "人天",
        "3000.00",
        {"vip": "2700.00"},
    ),
    ("SVC-TRAIN", "培训 Training", "半天现场 half-day on site", "次", "4500.00", {}),
    ("HW-SCAN", "扫码枪 Barcode scanner", "USB, 1D/2D", "台", "680.00", {"dealer": "560.00"}),
]


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """A few products, quotes in every status (some revised) and targets for demo staff."""
    from guanxi_sales.commissions import demo_targets

    for sku, name, spec, unit, price, levels in DEMO_PRODUCTS:
        add_product(
            uow,
            sku=sku,
            name=name,
            specification=spec,
            unit=unit,
            list_price=price,
            price_levels=levels,
            tax_rate="0.06" if sku.startswith("SVC") else None,
        )
    orgs = [c for c in customers if c.kind == "organization"] or customers
    for customer in rng.sample(orgs, min(12, len(orgs))):
        opp = uow.session.scalars(
            select(Opportunity)
            .where(Opportunity.customer_id == customer.id, Opportunity.status != "lost")
            .order_by(Opportunity.id)
        ).first()
        created = uow.now - dt.timedelta(days=rng.randrange(20, 200), hours=rng.randrange(8))
        at = UnitOfWork(uow.app, uow.session, principal=uow.principal, now=created)
        lines = [
            {
                "product": sku,
                "quantity": rng.choice([1, 2, 5, 10, 20]),
                "price_level": rng.choice(["list", *levels]),
                "discount_pct": rng.choice(["0", "0", "5", "10"]),
            }
            for sku, _, _, _, _, levels in rng.sample(DEMO_PRODUCTS, rng.randrange(1, 4))
        ]
        assert customer.id is not None
        number = create_quote(
            at, customer_id=customer.id, lines=lines, opportunity_id=opp.id if opp else None
        ).quote.number
        outcome = rng.choice(["draft", "sent", "revised", "accepted", "accepted", "rejected"])
        if outcome == "draft":
            continue
        at.now = created + dt.timedelta(days=1)
        send_quote(at, number)
        if outcome == "revised":
            at.now += dt.timedelta(days=3)
            first = lines[0]["product"]
            revise_quote(at, number, changes={first: {"discount_pct": "12"}})
            send_quote(at, number)
        elif outcome in ("accepted", "rejected"):
            at.now += dt.timedelta(days=rng.randrange(2, 10))
            (accept_quote if outcome == "accepted" else reject_quote)(at, number)
    demo_targets(uow, rng)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's quotes (every version, with lines) for a personal-data export."""
    quotes = uow.session.scalars(
        select(Quote).where(Quote.customer_id == customer_id).order_by(Quote.number, Quote.version)
    ).all()
    return {"quotes": [_detail(uow, quote).as_dict() for quote in quotes]} if quotes else {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the notes of an erased customer's quotes (amounts and lines stay)."""
    for quote in uow.session.scalars(
        select(Quote).where(Quote.customer_id == customer_id, Quote.notes.is_not(None))
    ):  # type: ignore[union-attr]
        quote.notes = None
    uow.session.flush()
