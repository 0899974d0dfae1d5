"""Acquisition cohorts, the retention matrix and period-over-period retention and churn.

Definitions (docs/plugins/analytics/churn.md states them with their sources):

- A customer's *cohort* is the local month of the first purchase ever (``purchase_kinds``).
- Retention matrix: cell (c, k) = customers of cohort c who purchased in month c + k,
  divided by the cohort's size. Month +0 is 100 % by construction.
- Customer retention of period p (a month, quarter or year): of the customers active
  (purchasing) in p − 1, the share active again in p — "customers retained / customers
  at risk" (Farris et al., *Marketing Metrics*, §5.3); churn = 1 − retention. The
  classic ``(E − N) / S`` is given beside it: E customers active in p, N of them new
  (first purchase in p), S active in p − 1; it also counts customers who came back after
  a pause (reactivated) as retained, so it is never below the exact rate.

Every count is a ``GROUP BY`` in the database over ORM selects of :class:`Interaction`,
so the record policies of the acting user apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.models import Interaction
from guanxi_analytics.churn.buckets import (
    STEP,
    boundaries,
    bucket_of,
    grain_label,
    grain_start,
    purchase_condition,
    utc_instants,
    within,
)
from guanxi_analytics.common import Period, add_months


def first_purchases(uow: UnitOfWork) -> Any:
    """``(customer_id, first_at)``: every customer's first purchase, ever."""
    return (select(col(Interaction.customer_id).label("customer_id"),
                   func.min(Interaction.occurred_at).label("first_at"))
            .where(purchase_condition(uow))
            .group_by(col(Interaction.customer_id))
            .subquery("first_purchase"))


def _active(uow: UnitOfWork, instants: list[dt.datetime]) -> Any:
    """Distinct ``(customer_id, bucket)``: who purchased in which bucket."""
    raw = (select(col(Interaction.customer_id).label("customer_id"),
                  bucket_of(col(Interaction.occurred_at), instants).label("bucket"))
           .where(purchase_condition(uow), within(col(Interaction.occurred_at), instants))
           .subquery("purchase_bucket"))
    return (select(raw.c.customer_id, raw.c.bucket)
            .group_by(raw.c.customer_id, raw.c.bucket).subquery("active"))


def _new(uow: UnitOfWork, instants: list[dt.datetime]) -> Any:
    """``(customer_id, bucket)`` of the first purchase, for first purchases in range."""
    first = first_purchases(uow)
    return (select(first.c.customer_id, bucket_of(first.c.first_at, instants).label("bucket"))
            .where(within(first.c.first_at, instants)).subquery("cohort"))


@dataclass
class CohortRow:
    """One acquisition cohort: its size and how many of it purchased k months later."""

    cohort: str
    customers: int
    active: list[int | None] = field(default_factory=list)  # None: month not yet observed
    retention: list[float | None] = field(default_factory=list)  # fraction 0..1


@dataclass
class CohortMatrix:
    """The retention matrix of the cohorts acquired in a period."""

    period: str
    months: int  # columns: month +0 … +months-1
    cohorts: list[CohortRow]
    # Per offset k: Σ active / Σ size over the cohorts observed at k (size-weighted mean).
    average: list[float | None]


def cohort_matrix(uow: UnitOfWork, period: Period) -> CohortMatrix:
    """The monthly acquisition cohorts of ``period`` and their retention matrix.

    Cohorts are the months the period touches (the first one starts at the period's first
    day); activity is counted up to the period's end, so the last cohorts have fewer
    observed months.
    """
    # Month starts, except that a period starting mid-month starts its first bucket there.
    days = [period.start]
    month = add_months(period.start.replace(day=1), 1)
    while month < period.end:
        days.append(month)
        month = add_months(month, 1)
    days.append(period.end)
    instants = utc_instants(uow, days)
    cohort = _new(uow, instants)
    active = _active(uow, instants)
    sizes = dict(uow.session.execute(
        select(cohort.c.bucket, func.count()).group_by(cohort.c.bucket)).all())
    cells = uow.session.execute(
        select(cohort.c.bucket, active.c.bucket, func.count())
        .select_from(cohort)
        .join(active, and_(active.c.customer_id == cohort.c.customer_id,
                           active.c.bucket >= cohort.c.bucket))
        .group_by(cohort.c.bucket, active.c.bucket)).all()
    buckets = len(days) - 1
    counts: dict[tuple[int, int], int] = {(int(c), int(m)): int(n) for c, m, n in cells}
    rows: list[CohortRow] = []
    for number in range(buckets):
        size = int(sizes.get(number, 0))
        if not size:
            continue
        observed = buckets - number
        active_counts: list[int | None] = [counts.get((number, number + k), 0)
                                           for k in range(observed)]
        active_counts += [None] * number
        rows.append(CohortRow(
            cohort=grain_label(days[number], "month"), customers=size, active=active_counts,
            retention=[None if n is None else round(n / size, 4) for n in active_counts]))
    average: list[float | None] = []
    for k in range(buckets):
        seen = [r for r in rows if r.active[k] is not None]
        total = sum(r.customers for r in seen)
        average.append(round(sum(r.active[k] or 0 for r in seen) / total, 4) if total else None)
    return CohortMatrix(period=period.label(), months=buckets, cohorts=rows, average=average)


@dataclass
class RetentionRow:
    """Retention and churn of one period against the one before it."""

    period: str
    at_risk: int  # S: customers active in the previous period
    active: int  # E: customers active in this period
    new: int  # N: customers whose first purchase falls in this period
    retained: int  # active in both periods
    reactivated: int  # active now, not in the previous period, not new
    lost: int  # active in the previous period, not in this one
    retention_rate: float | None  # retained / S
    churn_rate: float | None  # lost / S = 1 - retention_rate
    crr: float | None  # (E - N) / S, the classic formula
    complete: bool = True  # False while the period is still running (today is in it)


def _counts(uow: UnitOfWork, days: list[dt.date]) -> tuple[dict[int, int], dict[int, int],
                                                          dict[int, int]]:
    """Per bucket: active customers, customers retained from the bucket before, new ones."""
    instants = utc_instants(uow, days)
    active = _active(uow, instants)
    earlier = active.alias("earlier")
    new = _new(uow, instants)
    actives = dict(uow.session.execute(
        select(active.c.bucket, func.count()).group_by(active.c.bucket)).all())
    retained = dict(uow.session.execute(
        select(active.c.bucket, func.count())
        .select_from(active)
        .join(earlier, and_(earlier.c.customer_id == active.c.customer_id,
                            earlier.c.bucket == active.c.bucket - 1))
        .group_by(active.c.bucket)).all())
    news = dict(uow.session.execute(
        select(new.c.bucket, func.count()).group_by(new.c.bucket)).all())
    return ({int(k): int(v) for k, v in actives.items()},
            {int(k): int(v) for k, v in retained.items()},
            {int(k): int(v) for k, v in news.items()})


def _row(label: str, at_risk: int, active: int, new: int, retained: int) -> RetentionRow:
    rate = round(retained / at_risk, 4) if at_risk else None
    return RetentionRow(
        period=label, at_risk=at_risk, active=active, new=new, retained=retained,
        reactivated=active - retained - new, lost=at_risk - retained, retention_rate=rate,
        churn_rate=None if rate is None else round(1 - rate, 4),
        crr=round((active - new) / at_risk, 4) if at_risk else None)


def retention_rates(uow: UnitOfWork, period: Period, by: str = "month") -> list[RetentionRow]:
    """Retention and churn per month, quarter or year (``by``) touching ``period``.

    Buckets are whole calendar months, quarters or years (the last one may still be
    running); the first is compared with the bucket before the period.
    """
    first = grain_start(period.start, by)
    last = grain_start(period.last, by)
    days = boundaries(add_months(first, -STEP[by]), add_months(last, STEP[by]), by)
    actives, retained, news = _counts(uow, days)
    rows = [_row(grain_label(days[b], by), actives.get(b - 1, 0), actives.get(b, 0),
                 news.get(b, 0), retained.get(b, 0))
            for b in range(1, len(days) - 1)]
    today = uow.today()
    for b, row in enumerate(rows, start=1):
        row.complete = days[b + 1] <= today
    return rows


def period_retention(uow: UnitOfWork, period: Period) -> RetentionRow:
    """Retention of ``period`` against the equally long window just before it (whole
    months when the period is whole months): the scorecard's retention and churn KPIs."""
    starts_month = period.start.day == 1 and period.end.day == 1
    if starts_month:
        months = (period.end.year - period.start.year) * 12 + period.end.month \
            - period.start.month
        before = add_months(period.start, -months)
    else:
        before = period.start - dt.timedelta(days=period.days)
    actives, retained, news = _counts(uow, [before, period.start, period.end])
    return _row(period.label(), actives.get(0, 0), actives.get(1, 0), news.get(1, 0),
                retained.get(1, 0))
