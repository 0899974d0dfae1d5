"""The churn-risk list: customers ordered by how likely they are to have gone.

With a CLV fit (the clv area's :class:`CustomerClv` rows, written by ``guanxi analytics
clv fit``) the order is BG/NBD's probability alive, lowest first (Fader, Hardie & Lee
2005). Without one the list falls back to recency against the customer's own rhythm:
``overdue = days since the last purchase / usual gap``, where the usual gap is
``(last − first purchase) / (purchases − 1)`` for repeat buyers and the median of those
gaps for one-time buyers; highest first. Every row says which basis ranked it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Customer, Interaction
from guanxi_analytics.churn.buckets import purchase_condition
from guanxi_analytics.clv.models import CustomerClv

BASES = ("p_alive", "gap", "population_gap")


@dataclass
class RiskRow:
    """One customer on the churn-risk list."""

    customer_id: int
    customer: str
    owner_id: int | None
    basis: str  # p_alive (BG/NBD), gap (own rhythm), population_gap (one-time buyer)
    p_alive: float | None
    churn_risk: float | None  # 1 - p_alive
    expected_purchases: float | None
    clv: Decimal | None
    purchases: int | None
    last_purchase: dt.date | None
    days_since_last: int | None
    usual_gap_days: float | None
    overdue: float | None  # days since last / usual gap


def churn_risk(uow: UnitOfWork, *, limit: int = 50) -> list[RiskRow]:
    """The ``limit`` customers most at risk among those the principal may see."""
    if limit < 1:
        raise ValidationError("limit", "must be at least 1")
    rows = _by_p_alive(uow, limit)
    return rows if rows else _by_gap(uow, limit)


def _by_p_alive(uow: UnitOfWork, limit: int) -> list[RiskRow]:
    """From the latest CLV fit; the join with Customer applies the record policies."""
    query = (select(CustomerClv, Customer.name, Customer.owner_id)
             .join(Customer, col(Customer.id) == CustomerClv.customer_id)
             .order_by(col(CustomerClv.p_alive), col(CustomerClv.customer_id)).limit(limit))
    found = []
    for fit, name, owner_id in uow.session.execute(query).all():
        found.append(RiskRow(
            customer_id=fit.customer_id, customer=name, owner_id=owner_id, basis="p_alive",
            p_alive=round(fit.p_alive, 4), churn_risk=round(1 - fit.p_alive, 4),
            expected_purchases=round(fit.expected_purchases, 4), clv=fit.clv,
            purchases=fit.frequency + 1, last_purchase=None, days_since_last=None,
            usual_gap_days=None, overdue=None))
    return found


def _by_gap(uow: UnitOfWork, limit: int) -> list[RiskRow]:
    """Days since the last purchase against the usual gap between purchases."""
    at = col(Interaction.occurred_at)
    query = (select(col(Interaction.customer_id), func.count(), func.min(at), func.max(at))
             .where(purchase_condition(uow)).group_by(col(Interaction.customer_id)))
    stats = uow.session.execute(query).all()
    tz, today = uow.app.tz, uow.today()
    gaps: dict[int, float] = {}
    for customer_id, count, first, last in stats:
        span = (last - first).total_seconds() / 86400
        if count > 1 and span > 0:
            gaps[customer_id] = span / (count - 1)
    population = statistics.median(gaps.values()) if gaps else None
    scored = []
    for customer_id, count, _first, last in stats:
        gap = gaps.get(customer_id, population)
        last_day = last.astimezone(tz).date()
        since = (today - last_day).days
        scored.append((None if not gap else since / gap, customer_id, count, last_day, since,
                       gap))
    scored.sort(key=lambda s: (-(s[0] if s[0] is not None else -1.0), s[1]))
    top = scored[:limit]
    people = {cid: (name, owner) for cid, name, owner in uow.session.execute(
        select(Customer.id, Customer.name, Customer.owner_id)
        .where(col(Customer.id).in_([s[1] for s in top]))).all()}
    return [RiskRow(
        customer_id=customer_id, customer=people.get(customer_id, (f"#{customer_id}", None))[0],
        owner_id=people.get(customer_id, ("", None))[1],
        basis="gap" if customer_id in gaps else "population_gap", p_alive=None,
        churn_risk=None, expected_purchases=None, clv=None, purchases=int(count),
        last_purchase=last_day, days_since_last=since,
        usual_gap_days=None if gap is None else round(gap, 1),
        overdue=None if overdue is None else round(overdue, 2))
        for overdue, customer_id, count, last_day, since, gap in top]
