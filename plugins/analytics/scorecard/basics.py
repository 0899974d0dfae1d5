"""The scorecard area's own KPIs: what the core record and log measure directly.

Revenue and its growth (financial perspective, [S003:5–9]), active and new customers
(acquisition, [S004:629]), the average order value, and two learning-and-growth measures
of customer knowledge [S003:56–66]: how many customers can be reached and how many were
in touch in the period. Every figure is one SQL aggregate through ORM selects, so the
record policies of the acting user apply; each returns ``None`` when the period holds
nothing to measure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.models import ContactPoint, Customer, Interaction
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.settings import analytics_settings


def previous_period(period: Period) -> Period:
    """The period of the same length just before ``period``."""
    return Period(period.start - dt.timedelta(days=period.days), period.start)


def _purchases(uow: UnitOfWork, period: Period) -> tuple[float | None, int, int]:
    """Net revenue (corrections included), counted purchases and buyers in ``period``.

    A purchase counts when it has positive revenue and is not a correction (as the core's
    rollups count them); a correction's negated amount still lowers the revenue.
    """
    start, end = period.utc_bounds(uow.app.tz)
    kinds = analytics_settings(uow).purchase_kinds
    counted = (col(Interaction.revenue) > 0) & col(Interaction.corrects_id).is_(None)
    query = select(
        func.sum(col(Interaction.revenue)),
        func.count(col(Interaction.id)).filter(counted),
        func.count(distinct(col(Interaction.customer_id))).filter(counted),
    ).where(col(Interaction.kind).in_(kinds), col(Interaction.occurred_at) >= start,
            col(Interaction.occurred_at) < end, col(Interaction.revenue).is_not(None))
    revenue, purchases, buyers = uow.session.exec(query).one()
    return (None if revenue is None else float(revenue)), int(purchases), int(buyers)


def revenue(uow: UnitOfWork, period: Period) -> float | None:
    """Σ revenue of purchase interactions in the period (None: no purchase logged)."""
    return _purchases(uow, period)[0]


def revenue_growth(uow: UnitOfWork, period: Period) -> float | None:
    """(revenue − previous revenue) / previous revenue; None without a positive base."""
    now = revenue(uow, period)
    before = revenue(uow, previous_period(period))
    if now is None or before is None or before <= 0:
        return None
    return (now - before) / before


def average_order_value(uow: UnitOfWork, period: Period) -> float | None:
    """Net revenue / counted purchases."""
    total, purchases, _ = _purchases(uow, period)
    return None if total is None or purchases == 0 else total / purchases


def active_customers(uow: UnitOfWork, period: Period) -> float | None:
    """Customers with at least one counted purchase in the period."""
    total, _, buyers = _purchases(uow, period)
    return None if total is None else float(buyers)


def new_customers(uow: UnitOfWork, period: Period) -> float | None:
    """Customers whose first counted purchase ever falls in the period.

    Measured by first purchase rather than by the record's creation, which an import
    sets to the day of the import.
    """
    start, end = period.utc_bounds(uow.app.tz)
    if _purchases(uow, period)[0] is None:
        return None
    kinds = analytics_settings(uow).purchase_kinds
    first = (
        select(col(Interaction.customer_id),
               func.min(col(Interaction.occurred_at)).label("first_at"))
        .where(col(Interaction.kind).in_(kinds), col(Interaction.revenue) > 0,
               col(Interaction.corrects_id).is_(None))
        .group_by(col(Interaction.customer_id))
        .subquery()
    )
    query = select(func.count()).select_from(first).where(
        first.c.first_at >= start, first.c.first_at < end)
    return float(uow.session.exec(query).one())


def _known_by(uow: UnitOfWork, period: Period) -> tuple[dt.datetime, Any, int]:
    """The period's end, the condition "customer known by then" and how many are.

    A customer is known by the end of the period when his record was created before it
    or something was logged about him before it: an import creates records long after
    their first purchases, so the creation date alone would leave them out.
    """
    _, end = period.utc_bounds(uow.app.tz)
    logged = select(col(Interaction.customer_id)).where(col(Interaction.occurred_at) < end)
    known = col(Customer.erased_at).is_(None) & (
        (col(Customer.created_at) < end) | col(Customer.id).in_(logged))
    total = int(uow.session.exec(select(func.count(col(Customer.id))).where(known)).one())
    return end, known, total


def contactable_share(uow: UnitOfWork, period: Period) -> float | None:
    """Share of the customers known by the period's end with an email or phone."""
    _, known, total = _known_by(uow, period)
    if total == 0:
        return None
    reachable = select(col(ContactPoint.customer_id)).where(
        col(ContactPoint.kind).in_(("email", "phone")))
    query = select(func.count(col(Customer.id))).where(
        known, col(Customer.id).in_(reachable))
    return int(uow.session.exec(query).one()) / total


def touched_share(uow: UnitOfWork, period: Period) -> float | None:
    """Share of the customers known by the period's end with an interaction in it."""
    end, known, total = _known_by(uow, period)
    if total == 0:
        return None
    start, _ = period.utc_bounds(uow.app.tz)
    touched = select(col(Interaction.customer_id)).where(
        col(Interaction.occurred_at) >= start, col(Interaction.occurred_at) < end)
    query = select(func.count(col(Customer.id))).where(known, col(Customer.id).in_(touched))
    return int(uow.session.exec(query).one()) / total


def new_leads(uow: UnitOfWork, period: Period) -> float | None:
    """Leads captured in the period: interactions of the ``lead_kinds`` (not corrections).

    Zero when such leads were ever logged but none in the period; None when no lead was
    ever logged (marketing not enabled, or not used): then there is nothing to measure.
    """
    kinds = analytics_settings(uow).scorecard.lead_kinds
    start, end = period.utc_bounds(uow.app.tz)
    leads = (col(Interaction.kind).in_(kinds), col(Interaction.corrects_id).is_(None))
    in_period = (col(Interaction.occurred_at) >= start) & (col(Interaction.occurred_at) < end)
    query = select(func.count(col(Interaction.id)).filter(in_period),
                   func.count(col(Interaction.id))).where(*leads)
    found, ever = uow.session.exec(query).one()
    return None if ever == 0 else float(found)


def basic_kpis() -> list[Kpi]:
    """The scorecard area's own indicators."""
    return [
        Kpi("scorecard.revenue", "营业收入 revenue", "amount", True, revenue,
            "net revenue of purchase interactions (corrections included)", "[S003:5–9]"),
        Kpi("scorecard.revenue_growth", "收入增长 revenue growth", "ratio", True,
            revenue_growth, "(revenue − revenue of the previous period of the same length) "
            "/ revenue of the previous period", "[S003:5–9]"),
        Kpi("scorecard.average_order_value", "客单价 average order value", "amount", True,
            average_order_value, "net revenue / purchases", "standard retail measure"),
        Kpi("scorecard.active_customers", "活跃客户 active customers", "count", True,
            active_customers, "customers with a purchase in the period", "[S004:629]"),
        Kpi("scorecard.new_customers", "新客户 new customers", "count", True, new_customers,
            "customers whose first purchase falls in the period", "[S004:629]"),
        Kpi("scorecard.new_leads", "新线索 new leads", "count", True, new_leads,
            "leads captured in the period (interactions of the lead kinds)",
            "lead management [S003:38–45]"),
        Kpi("scorecard.contactable_share", "可联系客户占比 contactable customers", "ratio",
            True, contactable_share, "customers with an email or phone / customers",
            "[S003:56–66]"),
        Kpi("scorecard.touched_share", "接触覆盖率 customers in touch", "ratio", True,
            touched_share, "customers with an interaction in the period / customers",
            "[S003:56–66]"),
    ]
