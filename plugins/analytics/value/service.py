"""Customer value over a period: the analysis, its distributions, and the stored refresh.

:func:`analyse` runs the SQL ``GROUP BY`` of :mod:`~guanxi_analytics.value.figures` and
classifies every customer with :mod:`~guanxi_analytics.value.classify`; the listing and
distribution functions read that analysis, so they work over any period on the fly.
:mod:`~guanxi_analytics.value.store` keeps the classification of the default period in
:class:`~guanxi_analytics.value.models.CustomerValue` for the 360 view and other areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.types import from_minor, to_minor
from guanxi.errors import ValidationError
from guanxi.models import Customer
from guanxi_analytics.common import Period
from guanxi_analytics.settings import analytics_settings
from guanxi_analytics.value import classify
from guanxi_analytics.value.figures import Figures, collect
from guanxi_analytics.value.models import ENTITY

DAY_US = 86_400_000_000


def money(hundredths: int | float | np.integer) -> Decimal:
    """Integer hundredths as a two-place Decimal (for people)."""
    value = from_minor(int(hundredths))
    assert value is not None
    return value


@dataclass
class Cuts:
    """The cut-offs the classification used, in hundredths (purchase count for ``count``)."""

    tier_high: float
    tier_medium: float
    quadrant_revenue: float
    quadrant_cost: float
    member_count: float
    member_spend: float

    def public(self) -> dict[str, Any]:
        """The cut-offs for people: amounts as Decimals (None when there is no data)."""
        def amount(value: float) -> Decimal | None:
            return None if not np.isfinite(value) else money(round(value))

        return {"tier_high_margin": amount(self.tier_high),
                "tier_medium_margin": amount(self.tier_medium),
                "quadrant_revenue": amount(self.quadrant_revenue),
                "quadrant_cost": amount(self.quadrant_cost),
                "member_count": None if not np.isfinite(self.member_count)
                else round(self.member_count, 2),
                "member_spend": amount(self.member_spend)}


@dataclass
class ValueAnalysis:
    """Figures and classes of every customer over a period (arrays aligned on ids)."""

    period: Period
    figures: Figures
    reference: dt.datetime  # recency is counted back from here
    tier: np.ndarray
    abc: np.ndarray
    quadrant: np.ndarray  # None for a customer without revenue or cost
    member: np.ndarray  # None for a customer without a purchase
    recency_days: np.ndarray  # NaN without a purchase
    r: np.ndarray  # 0 without a purchase
    f: np.ndarray
    m: np.ndarray
    segment: np.ndarray  # None without a purchase
    cuts: Cuts
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def buyers(self) -> np.ndarray:
        """Mask of the customers with a purchase in the period."""
        return self.figures.purchases > 0


def analyse(uow: UnitOfWork, period: Period) -> ValueAnalysis:
    """Revenue, cost-to-serve, margin, tier, ABC class, quadrant, member class and RFM of
    every customer the acting user sees, over ``period``."""
    require(uow, ENTITY, "read")
    _, end = period.utc_bounds(uow.app.tz)
    return classify_figures(uow, period, collect(uow, period), min(end, uow.now))


def analyse_lifetime(uow: UnitOfWork) -> ValueAnalysis:
    """The same classification over each customer's whole history, read from the core's
    rollups (:mod:`~guanxi_analytics.value.lifetime`: one row per customer, no scan of the
    log; lifetime spend is all revenue). When the unit-cost settings need the log (a rule
    naming a channel, or ``unit_cost_when = "no_cost_logged"``), the log is read over the
    whole history instead; ``extra["source"]`` says which (``rollups`` or ``log``) and
    ``extra["fallback"]`` why."""
    from guanxi_analytics.value.lifetime import (
        collect_lifetime,
        history_period,
        rollup_limitation,
    )

    require(uow, ENTITY, "read")
    period = history_period(uow)
    limitation = rollup_limitation(analytics_settings(uow).value)
    if limitation is None:
        analysis = classify_figures(uow, period, collect_lifetime(uow), uow.now)
        analysis.extra.update(lifetime=True, source="rollups")
    else:
        analysis = analyse(uow, period)
        analysis.extra.update(lifetime=True, source="log",
                              fallback=f"{limitation[0]}: {limitation[1]}")
    return analysis


def classify_figures(uow: UnitOfWork, period: Period, figures: Figures,
                     reference: dt.datetime) -> ValueAnalysis:
    """Tiers, ABC, quadrants, member classes and RFM of ``figures`` (recency counted back
    from ``reference``)."""
    settings = analytics_settings(uow).value
    margin = figures.margin
    if settings.tier_basis == "absolute":
        assert settings.high_margin is not None and settings.medium_margin is not None
        high, medium = float(to_minor(settings.high_margin)), float(
            to_minor(settings.medium_margin))
    else:
        high, medium = classify.tier_cuts(margin, settings.high_percentile,
                                          settings.medium_percentile)
    tier = classify.value_tiers(margin, high, medium)
    abc = classify.abc_classes(figures.revenue, settings.abc_a_share, settings.abc_b_share)

    # Quadrants over the customers with revenue or cost in the period.
    engaged = (figures.revenue != 0) | (figures.cost != 0)
    revenue_cut = _cut(settings.quadrant_revenue_cut, figures.revenue[engaged])
    cost_cut = _cut(settings.quadrant_cost_cut, figures.cost[engaged])
    quadrant = np.full(len(figures), None, dtype=object)
    quadrant[engaged] = classify.quadrants(figures.revenue[engaged], figures.cost[engaged],
                                           revenue_cut, cost_cut)

    # Member model and RFM over the buyers.
    buyers = figures.purchases > 0
    count_cut = (float(settings.member_count_cut) if settings.member_count_cut is not None
                 else _median(figures.purchases[buyers]))
    spend_cut = _cut(settings.member_spend_cut, figures.spend[buyers])
    member = np.full(len(figures), None, dtype=object)
    member[buyers] = classify.member_classes(figures.purchases[buyers], figures.spend[buyers],
                                             count_cut, spend_cut)
    reference_us = np.datetime64(reference.replace(tzinfo=None), "us")
    recency = np.full(len(figures), np.nan)
    recency[buyers] = ((reference_us - figures.last_purchase[buyers]).astype(np.int64)
                       / DAY_US)
    r = np.zeros(len(figures), dtype=np.int64)
    f, m = r.copy(), r.copy()
    segment = np.full(len(figures), None, dtype=object)
    if buyers.any():
        rb, fb, mb = classify.rfm_scores(recency[buyers],
                                         figures.purchases[buyers].astype(np.float64),
                                         figures.spend[buyers].astype(np.float64))
        r[buyers], f[buyers], m[buyers] = rb, fb, mb
        segment[buyers] = classify.rfm_segments(rb, fb, mb)
    cuts = Cuts(high, medium, revenue_cut, cost_cut, count_cut, spend_cut)
    return ValueAnalysis(period, figures, reference, tier, abc, quadrant, member, recency,
                         r, f, m, segment, cuts,
                         {"top_share": settings.top_share, "tier_basis": settings.tier_basis})


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if values.size else float("inf")


def _cut(configured: Decimal | None, values: np.ndarray) -> float:
    """A configured amount in hundredths, else the median of ``values``."""
    return float(to_minor(configured)) if configured is not None else _median(values)


# --------------------------------------------------------------------------- distributions


@dataclass
class GroupRow:
    """One class of a distribution: its customers, revenue, cost, margin and shares."""

    group: str
    customers: int
    customer_share: float
    revenue: Decimal
    revenue_share: float | None
    cost: Decimal
    margin: Decimal
    margin_share: float | None
    avg_margin: Decimal


def distribution(analysis: ValueAnalysis, by: str) -> list[GroupRow]:
    """Counts, revenue, cost, margin and shares per class of ``by`` (tier, abc, quadrant,
    member or segment), in the classes' natural order; classes without customers show 0.

    Shares are of the customers that have a class (all customers for tiers; customers
    with revenue for ABC; with revenue or cost for quadrants; buyers for member classes
    and segments) and of their total revenue and margin.
    """
    labels, order = _labels(analysis, by)
    has = np.array([label is not None for label in labels], dtype=bool)
    figures = analysis.figures
    total_customers = int(has.sum())
    total_revenue = int(figures.revenue[has].sum())
    total_margin = int(figures.margin[has].sum())
    rows = []
    for name in order:
        mask = labels == name
        count = int(mask.sum())
        revenue, cost = int(figures.revenue[mask].sum()), int(figures.cost[mask].sum())
        margin = revenue - cost
        rows.append(GroupRow(
            name, count, count / total_customers if total_customers else 0.0,
            money(revenue), revenue / total_revenue if total_revenue else None,
            money(cost), money(margin), margin / total_margin if total_margin else None,
            money(round(margin / count)) if count else Decimal("0.00"),
        ))
    return rows


GROUPINGS = ("tier", "abc", "quadrant", "member", "segment")


def _labels(analysis: ValueAnalysis, by: str) -> tuple[np.ndarray, Sequence[str]]:
    if by == "tier":
        return analysis.tier, classify.TIERS
    if by == "abc":
        return analysis.abc, classify.ABC
    if by == "quadrant":
        return analysis.quadrant, classify.QUADRANTS
    if by == "member":
        return analysis.member, classify.MEMBER_CLASSES
    if by == "segment":
        return analysis.segment, classify.SEGMENTS
    raise ValidationError("by", f"unknown grouping {by!r} (one of {', '.join(GROUPINGS)})")


def concentration(analysis: ValueAnalysis, points: int = 21) -> dict[str, Any]:
    """Share of revenue and of margin from the top customers by revenue (``top_share``
    of the customers with revenue, at least one), the Lorenz curve and the Gini index."""
    settings_top = analysis.extra.get("top_share", 0.20)
    figures = analysis.figures
    with_revenue = np.flatnonzero(figures.revenue > 0)
    n = int(with_revenue.size)
    if n == 0:
        return {"customers": 0, "top_share": settings_top, "top_customers": 0,
                "revenue": Decimal("0.00"), "top_revenue_share": None,
                "top_margin_share": None, "gini": None, "lorenz": []}
    order = with_revenue[np.argsort(-figures.revenue[with_revenue], kind="stable")]
    top = order[: max(1, int(np.ceil(settings_top * n - 1e-9)))]
    total_revenue = int(figures.revenue[with_revenue].sum())
    total_margin = int(figures.margin[with_revenue].sum())
    top_revenue = int(figures.revenue[top].sum())
    top_margin = int(figures.margin[top].sum())
    shares, curve, gini = classify.lorenz(figures.revenue, points)
    return {
        "customers": n, "top_share": settings_top, "top_customers": int(top.size),
        "revenue": money(total_revenue), "margin": money(total_margin),
        "top_revenue": money(top_revenue), "top_margin": money(top_margin),
        "top_revenue_share": top_revenue / total_revenue,
        "top_margin_share": top_margin / total_margin if total_margin else None,
        "gini": gini,
        "lorenz": [{"customer_share": s, "revenue_share": c}
                   for s, c in zip(shares, curve, strict=True)],
    }


# --------------------------------------------------------------------------- customers


@dataclass
class CustomerRow:
    """One customer's value over the period."""

    customer_id: int
    name: str
    revenue: Decimal
    cost: Decimal
    margin: Decimal
    purchases: int
    spend: Decimal
    last_purchase_at: dt.datetime | None
    recency_days: int | None
    tier: str
    abc: str | None
    quadrant: str | None
    member_class: str | None
    r: int | None
    f: int | None
    m: int | None
    rfm_segment: str | None


SORTS = ("margin", "revenue", "cost", "purchases", "recency")


def customer_rows(analysis: ValueAnalysis, uow: UnitOfWork, *, by: str | None = None,
                  group: str | None = None, sort: str = "margin",
                  limit: int | None = 50) -> list[CustomerRow]:
    """Customers of the analysis, best first by ``sort``, optionally only those whose
    ``by`` class (tier, abc, quadrant, member, segment) is ``group``."""
    figures = analysis.figures
    mask = np.ones(len(figures), dtype=bool)
    if by is not None:
        labels, order = _labels(analysis, by)
        if group not in order:
            raise ValidationError(by, f"unknown {by} {group!r} (one of {', '.join(order)})")
        mask = labels == group
    if sort not in SORTS:
        raise ValidationError("sort", f"unknown sort {sort!r} (one of {', '.join(SORTS)})")
    if limit is not None and limit < 1:
        raise ValidationError("limit", "must be at least 1")
    key = {"margin": -figures.margin, "revenue": -figures.revenue, "cost": -figures.cost,
           "purchases": -figures.purchases,
           "recency": np.nan_to_num(analysis.recency_days, nan=np.inf)}[sort]
    chosen = np.flatnonzero(mask)
    chosen = chosen[np.lexsort((figures.customer_id[chosen], key[chosen]))][:limit]
    ids = [int(i) for i in figures.customer_id[chosen]]
    names = dict(uow.session.execute(
        select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(ids))).all())
    rows = []
    for i, customer_id in zip(chosen.tolist(), ids, strict=True):
        last = figures.last_purchase[i]
        bought = figures.purchases[i] > 0
        rows.append(CustomerRow(
            customer_id, names.get(customer_id, ""), money(figures.revenue[i]),
            money(figures.cost[i]), money(figures.margin[i]), int(figures.purchases[i]),
            money(figures.spend[i]),
            None if np.isnat(last) else last.astype(dt.datetime).replace(tzinfo=dt.UTC),
            None if not bought else int(analysis.recency_days[i]),
            str(analysis.tier[i]), analysis.abc[i], analysis.quadrant[i], analysis.member[i],
            int(analysis.r[i]) if bought else None, int(analysis.f[i]) if bought else None,
            int(analysis.m[i]) if bought else None, analysis.segment[i]))
    return rows
