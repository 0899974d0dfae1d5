"""The 7P views (REQUIREMENTS §5.7): the customer base seen seven ways.

The seven Ps come from a vendor advertisement inside the BSC paper [S003:101–104], not
from the paper itself; they are offered as a familiar way to group the analyses. Each P
shows the KPIs an edition configures for it (``[analytics.scorecard.seven_p]``); two
carry their own group-bys:

- **Profiling** (客户概况分析): customers by type, lifecycle stage, role and the custom
  fields named in ``profile_fields`` (region, province …), each a SQL ``GROUP BY`` on the
  core customer record, with how many of them were created in the period.
- **Product** (客户产品分析): revenue, quantity, purchases and buyers per product from
  the line items of the purchase interactions' payloads (``core.purchase``:
  ``lines[].sku/name/quantity/unit_price``; ``sales.order``: ``lines[]`` of strings).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import case, func
from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.models import Customer, CustomerRole, Interaction
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi, collect_kpis
from guanxi_analytics.scorecard.basics import previous_period
from guanxi_analytics.scorecard.card import Line, check_entries, line_for, profile_fields
from guanxi_analytics.scorecard.processes import SEVEN_P_LABELS
from guanxi_analytics.scorecard.settings import SEVEN_P
from guanxi_analytics.settings import analytics_settings

NOT_SET = "(not set)"
NO_LINES = "(no line items)"
CORRECTIONS = "(corrections)"
CENT = Decimal("0.01")


@dataclass
class ProfileRow:
    """How many customers share one value of one attribute."""

    dimension: str  # kind | lifecycle_stage | role | <custom field>
    value: str
    customers: int
    new_in_period: int  # of them, created in the period
    share: float  # of all customers


@dataclass
class ProductRow:
    """What one product sold in the period."""

    product: str  # the SKU, or the name when the line has none
    name: str
    quantity: float
    revenue: Decimal
    purchases: int
    customers: int
    share: float | None  # of the period's revenue (None when it is not positive)


@dataclass
class PView:
    """One P: its KPI lines and, for profiling and product, its own table."""

    name: str
    label: str
    lines: list[Line]
    profile: list[ProfileRow] = field(default_factory=list)
    products: list[ProductRow] = field(default_factory=list)


def profiling(uow: UnitOfWork, period: Period) -> list[ProfileRow]:
    """Customer counts by type, lifecycle stage, role and the configured custom fields.

    Erased customers are left out. A customer with several roles counts once per role;
    one without a value for a field counts under ``(not set)``.
    """
    start, end = period.utc_bounds(uow.app.tz)
    alive = col(Customer.erased_at).is_(None)
    new = func.count(col(Customer.id)).filter(
        (col(Customer.created_at) >= start) & (col(Customer.created_at) < end))
    total = int(uow.session.exec(select(func.count(col(Customer.id))).where(alive)).one())
    if total == 0:
        return []
    dimensions: list[tuple[str, Any]] = [
        ("kind", col(Customer.kind)), ("lifecycle_stage", col(Customer.lifecycle_stage)),
    ]
    dimensions += [(name, col(Customer.custom)[name].as_string())
                   for name in profile_fields(uow.app)]
    rows: list[ProfileRow] = []
    for name, column in dimensions:
        value = func.coalesce(column, NOT_SET)
        query = (select(value, func.count(col(Customer.id)), new).where(alive)
                 .group_by(value).order_by(func.count(col(Customer.id)).desc(), value))
        for found, count, fresh in uow.session.exec(query):
            rows.append(ProfileRow(name, str(found), int(count), int(fresh), count / total))
    role_query = (
        select(col(CustomerRole.role), func.count(col(Customer.id)), new)
        .join(Customer, col(Customer.id) == col(CustomerRole.customer_id))
        .where(alive).group_by(col(CustomerRole.role))
        .order_by(func.count(col(Customer.id)).desc(), col(CustomerRole.role))
    )
    for role, count, fresh in uow.session.exec(role_query):
        rows.append(ProfileRow("role", role, int(count), int(fresh), count / total))
    return rows


def _decimal(value: Any) -> Decimal | None:
    """A payload number (int, float or string) as a Decimal; None when absent or bad."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _line_items(lines: Any, revenue: Decimal) -> list[tuple[str, str, Decimal, Decimal]]:
    """(product, name, quantity, amount) per line; the amounts add up to ``revenue``.

    A priced line is worth quantity × unit price; what the priced lines leave of the
    interaction's revenue is shared equally by the unpriced ones (or, when every line is
    priced, left to ``(no line items)`` so the products still add up to the revenue).
    """
    items = []
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, dict):
            continue
        name = str(line.get("name") or line.get("sku") or NOT_SET)
        product = str(line.get("sku") or name)
        quantity = _decimal(line.get("quantity")) or Decimal(1)
        price = _decimal(line.get("unit_price"))
        amount = (quantity * price).quantize(CENT) if price is not None else None
        items.append([product, name, quantity, amount])
    if not items:
        return [(NO_LINES, NO_LINES, Decimal(0), revenue)]
    rest = revenue - sum((i[3] for i in items if i[3] is not None), Decimal(0))
    unpriced = [i for i in items if i[3] is None]
    for index, item in enumerate(unpriced):
        share = (rest / len(unpriced)).quantize(CENT)
        # The last unpriced line takes the rounding remainder.
        item[3] = rest - share * (len(unpriced) - 1) if index == len(unpriced) - 1 else share
    result = [(p, n, q, a) for p, n, q, a in items]
    if not unpriced and rest != 0:
        result.append((NO_LINES, NO_LINES, Decimal(0), rest))
    return result


def products(uow: UnitOfWork, period: Period) -> list[ProductRow]:
    """Revenue by product from the purchase payloads' line items, largest first.

    The interactions are read with one ORM select (record policies apply); the line
    items are expanded here because JSON array expansion differs between SQLite
    (``json_each``) and PostgreSQL (``jsonb_array_elements``). A correction's negated
    amount is shown on its own line, ``(corrections)``.
    """
    start, end = period.utc_bounds(uow.app.tz)
    kinds = analytics_settings(uow).purchase_kinds
    query = select(
        col(Interaction.customer_id), col(Interaction.revenue), col(Interaction.payload),
        case((col(Interaction.corrects_id).is_(None), False), else_=True),
    ).where(col(Interaction.kind).in_(kinds), col(Interaction.occurred_at) >= start,
            col(Interaction.occurred_at) < end, col(Interaction.revenue).is_not(None))
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "name": "", "quantity": Decimal(0), "revenue": Decimal(0), "purchases": 0,
        "customers": set()})
    for customer_id, revenue, payload, correction in uow.session.exec(query):
        if correction:
            items = [(CORRECTIONS, CORRECTIONS, Decimal(0), revenue)]
        else:
            items = _line_items((payload or {}).get("lines"), revenue)
        for product, name, quantity, amount in items:
            entry = totals[product]
            entry["name"] = entry["name"] or name
            entry["quantity"] += quantity
            entry["revenue"] += amount
            entry["purchases"] += 1
            entry["customers"].add(customer_id)
    grand = sum((e["revenue"] for e in totals.values()), Decimal(0))
    rows = [
        ProductRow(product, e["name"], float(e["quantity"]), e["revenue"].quantize(CENT),
                   e["purchases"], len(e["customers"]),
                   float(e["revenue"] / grand) if grand > 0 else None)
        for product, e in totals.items()
    ]
    rows.sort(key=lambda r: (-r.revenue, r.product))
    return rows


def seven_p(uow: UnitOfWork, period: Period,
            kpis: dict[str, Kpi] | None = None) -> list[PView]:
    """The seven views of ``period`` (KPIs compared with the previous period)."""
    settings = analytics_settings(uow).scorecard
    kpis = collect_kpis() if kpis is None else kpis
    check_entries(settings, kpis)
    previous = previous_period(period)
    views = []
    for name in SEVEN_P:
        lines = [line_for(uow, name, entry, kpis[entry.kpi], period, previous)
                 for entry in settings.seven_p.get(name, []) if entry.kpi in kpis]
        view = PView(name, SEVEN_P_LABELS[name], lines)
        if name == "profiling":
            view.profile = profiling(uow, period)
        elif name == "product":
            view.products = products(uow, period)
        views.append(view)
    return views
