"""Customer delivered value (顾客让渡价值): per customer, per segment, the guard rule.

Formulas (as in ``docs/plugins/analytics/delivered.md``):

* CDV = total customer value − total customer cost [S004:383, S004:545];
* total customer value = Σ value components (product, service, personnel, image
  [S004:383, S004:1015–1021]); total customer cost = Σ cost components (price, time,
  energy [S004:383]; hospital travel and queueing, minus the insurance offset [S004:617]);
* a component's figure = its source's per-customer figure × its factor; a ``derived``
  component = factor × Σ of the components it names (image as the result of the other
  three, [S004:1015–1021]);
* satisfied ⇔ perceived (total value) > expected [S004:383, S004:867];
* guard: a CDV-raising programme is acceptable only if benefit to the firm > added cost
  [S004:1025].

The population is every customer the principal may see with a figure from the period's
log (a revenue, cost, count or survey component; when no component reads the log, a
figure of any component); a customer without data for a component counts 0 for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import clean_text, parse_money
from guanxi.models import Interaction
from guanxi.services.lookup import customer_names
from guanxi_analytics.common import Period
from guanxi_analytics.delivered import sources
from guanxi_analytics.delivered.models import CdvAssessment
from guanxi_analytics.delivered.settings import Component, DeliveredSettings
from guanxi_analytics.settings import analytics_settings

ASSESSMENT = "analytics.cdv_assessment"
EXPECTED = "expected"  # the component name assessments of the expected value use
TIER_ORDER = ("high", "medium", "low", "zero", "negative")
CENT = Decimal("0.01")
PERIOD_SOURCES = ("revenue", "cost", "count", "survey")  # figures read from the period's log


def money(value: Decimal | float) -> Decimal:
    """An amount rounded to the cent (half up), as shown to people."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class CustomerCdv:
    """One customer's delivered value over a period."""

    customer_id: int
    name: str | None
    segments: list[str]
    value: dict[str, Decimal]
    cost: dict[str, Decimal]
    expected: Decimal | None = None

    @property
    def total_value(self) -> Decimal:
        """Σ of the value components."""
        return money(sum(self.value.values(), Decimal(0)))

    @property
    def total_cost(self) -> Decimal:
        """Σ of the cost components."""
        return money(sum(self.cost.values(), Decimal(0)))

    @property
    def cdv(self) -> Decimal:
        """total value − total cost."""
        return self.total_value - self.total_cost

    @property
    def satisfied(self) -> bool | None:
        """perceived > expected, when an expected value is configured and known."""
        return None if self.expected is None else self.total_value > self.expected

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, with the components flattened as ``value.product`` …"""
        return {
            "customer_id": self.customer_id, "customer": self.name,
            "segment": ", ".join(self.segments),
            **{f"value.{k}": v for k, v in self.value.items()},
            **{f"cost.{k}": v for k, v in self.cost.items()},
            "total_value": self.total_value, "total_cost": self.total_cost, "cdv": self.cdv,
            "expected": self.expected, "satisfied": self.satisfied,
        }


@dataclass
class SegmentCdv:
    """Means of a segment's customers (amounts rounded to the cent)."""

    segment: str
    customers: int
    value: dict[str, Decimal] = field(default_factory=dict)
    cost: dict[str, Decimal] = field(default_factory=dict)
    mean_value: Decimal = Decimal(0)
    mean_cost: Decimal = Decimal(0)
    mean_cdv: Decimal = Decimal(0)
    total_cdv: Decimal = Decimal(0)
    satisfied_share: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, with the component means flattened as ``value.product`` …"""
        return {
            "segment": self.segment, "customers": self.customers,
            **{f"value.{k}": v for k, v in self.value.items()},
            **{f"cost.{k}": v for k, v in self.cost.items()},
            "mean_value": self.mean_value, "mean_cost": self.mean_cost,
            "mean_cdv": self.mean_cdv, "total_cdv": self.total_cdv,
            "satisfied_share": self.satisfied_share,
        }


def _side(
    uow: UnitOfWork, components: dict[str, Component], purchase_kinds: list[str],
    bounds: tuple[dt.datetime, dt.datetime],
) -> dict[str, sources.Figures]:
    """Every component's per-customer figure (factor applied), derived ones last."""
    figures: dict[str, sources.Figures] = {}
    for name, component in components.items():
        factor = Decimal(str(component.factor))
        if component.source == "derived":
            ids = {cid for part in component.of for cid in figures[part]}
            figures[name] = {
                cid: factor * sum((figures[p].get(cid, Decimal(0)) for p in component.of),
                                  Decimal(0)) for cid in ids}
        else:
            raw = sources.component_figures(uow, component, purchase_kinds, *bounds, name)
            figures[name] = {cid: factor * v for cid, v in raw.items()}
    return figures


def check_group_by(group_by: str) -> str:
    """``group_by`` if it is a known grouping (tier, rfm_segment, abc, member_class, tag,
    field:<name>)."""
    if group_by in (*sources.VALUE_COLUMNS, "tag"):
        return group_by
    if group_by.startswith("field:") and group_by[6:].strip():
        return "field:" + group_by[6:].strip()
    raise ValidationError("group_by", f"{group_by!r} is not one of "
                          f"{', '.join(sources.VALUE_COLUMNS)}, tag, field:<custom field>")


def customer_cdv(
    uow: UnitOfWork, period: Period, *, group_by: str | None = None,
    segment: str | None = None,
) -> list[CustomerCdv]:
    """Every visible customer's delivered value over ``period`` (only those in
    ``segment`` when given), highest CDV first."""
    require(uow, ASSESSMENT, "read")
    settings: DeliveredSettings = analytics_settings(uow).delivered
    group_by = check_group_by(group_by or settings.group_by)
    purchase_kinds = analytics_settings(uow).purchase_kinds
    bounds = period.utc_bounds(uow.app.tz)
    value = _side(uow, settings.value, purchase_kinds, bounds)
    cost = _side(uow, settings.cost, purchase_kinds, bounds)
    expected: sources.Figures = {}
    if settings.expected is not None:
        raw = sources.component_figures(uow, settings.expected, purchase_kinds, *bounds,
                                        EXPECTED)
        factor = Decimal(str(settings.expected.factor))
        expected = {cid: factor * v for cid, v in raw.items()}
    # Customers active in the period (a figure from the log); standing figures (custom
    # fields, assessments) alone do not make a customer part of every period, unless no
    # component reads the log at all.
    components = {**{f"v.{k}": c for k, c in settings.value.items()},
                  **{f"c.{k}": c for k, c in settings.cost.items()}}
    figures = {**{f"v.{k}": f for k, f in value.items()},
               **{f"c.{k}": f for k, f in cost.items()}}
    logged = [key for key, c in components.items() if c.source in PERIOD_SOURCES]
    ids = {cid for key in (logged or list(figures)) for cid in figures[key]}
    names = customer_names(uow, ids)
    ids &= set(names)  # a component read from a table without record policies
    segments = sources.segments_of(uow, group_by)
    zero = Decimal(0)
    rows = [
        CustomerCdv(
            customer_id=cid, name=names.get(cid),
            segments=sorted(segments.get(cid) or [sources.UNCLASSIFIED]),
            value={k: money(v.get(cid, zero)) for k, v in value.items()},
            cost={k: money(v.get(cid, zero)) for k, v in cost.items()},
            expected=money(expected[cid]) if cid in expected else None,
        )
        for cid in ids
    ]
    if segment is not None:
        rows = [r for r in rows if segment in r.segments]
    rows.sort(key=lambda r: (-r.cdv, r.customer_id))
    return rows


def _segment_key(name: str, group_by: str, mean_cdv: Decimal) -> tuple[Any, ...]:
    if group_by == "tier" and name in TIER_ORDER:
        return (0, TIER_ORDER.index(name), name)
    if name == sources.UNCLASSIFIED:
        return (2, 0, name)
    return (1, -mean_cdv, name)


def segment_cdv(
    uow: UnitOfWork, period: Period, *, group_by: str | None = None,
) -> list[SegmentCdv]:
    """Mean delivered value and components per segment (a customer with several tags
    counts in each), tiers in their order, other segments by mean CDV."""
    settings: DeliveredSettings = analytics_settings(uow).delivered
    group_by = check_group_by(group_by or settings.group_by)
    members: dict[str, list[CustomerCdv]] = {}
    for row in customer_cdv(uow, period, group_by=group_by):
        for segment in row.segments:
            members.setdefault(segment, []).append(row)
    result = []
    for segment, rows in members.items():
        n = len(rows)
        judged = [r.satisfied for r in rows if r.satisfied is not None]
        total = sum((r.cdv for r in rows), Decimal(0))
        result.append(SegmentCdv(
            segment=segment, customers=n,
            value={k: money(sum((r.value[k] for r in rows), Decimal(0)) / n)
                   for k in settings.value},
            cost={k: money(sum((r.cost[k] for r in rows), Decimal(0)) / n)
                  for k in settings.cost},
            mean_value=money(sum((r.total_value for r in rows), Decimal(0)) / n),
            mean_cost=money(sum((r.total_cost for r in rows), Decimal(0)) / n),
            mean_cdv=money(total / n), total_cdv=money(total),
            satisfied_share=(sum(judged) / len(judged)) if judged else None,
        ))
    result.sort(key=lambda s: _segment_key(s.segment, group_by, s.mean_cdv))
    return result


def mean_cdv(uow: UnitOfWork, period: Period) -> float | None:
    """The mean CDV over the period's customers (None without any), for the KPI."""
    rows = customer_cdv(uow, period)
    if not rows:
        return None
    return float(money(sum((r.cdv for r in rows), Decimal(0)) / len(rows)))


# The guard rule ------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardVerdict:
    """Whether a CDV-raising programme pays: benefit to the firm > added cost [S004:1025]."""

    segment: str
    customers: int | None
    benefit: Decimal
    cost: Decimal

    @property
    def net(self) -> Decimal:
        """benefit − cost."""
        return self.benefit - self.cost

    @property
    def ratio(self) -> float | None:
        """benefit / cost (None when the programme costs nothing)."""
        return float(self.benefit / self.cost) if self.cost else None

    @property
    def acceptable(self) -> bool:
        """benefit > cost (strictly) [S004:1025]."""
        return self.benefit > self.cost

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-able dict."""
        return {"segment": self.segment, "customers": self.customers,
                "benefit": self.benefit, "cost": self.cost, "net": self.net,
                "ratio": None if self.ratio is None else round(self.ratio, 4),
                "acceptable": self.acceptable}


def guard(benefit: Decimal | str, cost: Decimal | str) -> GuardVerdict:
    """The guard rule on given totals (both non-negative amounts of money)."""
    return GuardVerdict("(programme)", None, money(parse_money(benefit, "benefit")),
                        money(parse_money(cost, "cost")))


def guard_segments(
    uow: UnitOfWork, period: Period, *, uplift: float, cost_per_customer: Decimal | str,
    group_by: str | None = None,
) -> list[GuardVerdict]:
    """The guard rule per segment for a programme that costs ``cost_per_customer`` for
    each customer of the segment and is expected to raise the segment's purchase revenue
    in a period like ``period`` by the fraction ``uplift``:
    benefit = uplift × segment revenue, cost = customers × cost per customer."""
    if not (isinstance(uplift, int | float) and 0 < uplift <= 10):
        raise ValidationError("uplift", "give the expected revenue uplift as a fraction "
                              "above 0 (0.05 for 5 %)")
    unit = parse_money(cost_per_customer, "cost_per_customer")
    settings = analytics_settings(uow)
    group_by = check_group_by(group_by or settings.delivered.group_by)
    rows = customer_cdv(uow, period, group_by=group_by)
    start, end = period.utc_bounds(uow.app.tz)
    revenue = sources.amounts(uow, "revenue", settings.purchase_kinds, start, end)
    by_segment: dict[str, list[int]] = {}
    for row in rows:
        for segment in row.segments:
            by_segment.setdefault(segment, []).append(row.customer_id)
    factor = Decimal(str(uplift))
    verdicts = [
        GuardVerdict(segment, len(ids),
                     money(factor * sum((revenue.get(c, Decimal(0)) for c in ids), Decimal(0))),
                     money(unit * len(ids)))
        for segment, ids in by_segment.items()
    ]
    verdicts.sort(key=lambda v: _segment_key(v.segment, group_by, v.net))
    return verdicts


# Assessments ---------------------------------------------------------------------------


def assessable(settings: DeliveredSettings) -> list[str]:
    """The component names an assessment may be recorded for."""
    names = [n for n, c in (*settings.value.items(), *settings.cost.items())
             if c.source == "assessment"]
    if settings.expected is not None and settings.expected.source == "assessment":
        names.append(EXPECTED)
    return names


def assess(
    uow: UnitOfWork, customer_id: int, component: str, value: Decimal | str, *,
    at: dt.datetime | None = None, note: str | None = None,
) -> CdvAssessment:
    """Record an assessment (in money) of one component of a customer's delivered value."""
    require(uow, ASSESSMENT, "create")
    settings: DeliveredSettings = analytics_settings(uow).delivered
    allowed = assessable(settings)
    if component not in allowed:
        raise ValidationError("component", f"{component!r} is not an assessed component "
                              f"(one of {', '.join(allowed) or 'none: configure a component '}"
                              f"{'' if allowed else 'with source = assessment'})")
    amount = parse_money(value, "value").quantize(CENT)
    when = at or uow.now
    if when > uow.now:
        raise ValidationError("at", f"{when.isoformat()} is in the future")
    if not customer_names(uow, [customer_id]):
        raise ValidationError("customer", f"no customer {customer_id} you may see")
    row = CdvAssessment(customer_id=customer_id, component=component, value=amount,
                        assessed_at=when, assessed_by=uow.principal.staff_id,
                        note=clean_text(note, "note", 2000))
    uow.session.add(row)
    uow.session.flush()
    return row


def list_assessments(uow: UnitOfWork, customer_id: int | None = None,
                     limit: int = 100) -> list[CdvAssessment]:
    """The assessments the principal may see, newest first."""
    require(uow, ASSESSMENT, "read")
    query = select(CdvAssessment).order_by(col(CdvAssessment.assessed_at).desc(),
                                           col(CdvAssessment.id).desc()).limit(limit)
    if customer_id is not None:
        query = query.where(CdvAssessment.customer_id == customer_id)
    return list(uow.session.execute(query).scalars())


def has_purchases(uow: UnitOfWork, period: Period) -> bool:
    """Whether any purchase is logged in the period (for the report's empty message)."""
    start, end = period.utc_bounds(uow.app.tz)
    kinds = analytics_settings(uow).purchase_kinds
    query = select(func.count()).select_from(Interaction).where(
        col(Interaction.kind).in_(kinds), col(Interaction.occurred_at) >= start,
        col(Interaction.occurred_at) < end)
    return bool(uow.session.execute(query).scalar())
