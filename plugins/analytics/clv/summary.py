"""The recency-frequency-monetary summary the CLV models are fitted to, from the log.

The database does the heavy part: one ``GROUP BY customer, local day`` over the purchase
interactions gives each customer's purchase days with their revenue (same-day purchases
counted once, their amounts summed, as Fader, Hardie & Lee 2005 count CDNOW's). numpy then
turns those days into, per customer:

* ``x`` (frequency): purchase days after the first, up to the end of calibration;
* ``t_x`` (recency): time from the first to the last purchase day in calibration;
* ``T`` (age): time from the first purchase day to the end of calibration;
* ``m`` (monetary): the mean revenue of the repeat purchase days (first day left out);
* ``holdout``: purchase days after calibration, up to the end of observation.

A correction (a row with ``corrects_id``) is not a purchase of its own: its amount is
added to the day of the purchase it corrects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import BigInteger, Integer, case, cast, func, literal, select, type_coerce
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.models import Interaction

EPOCH = dt.date(1970, 1, 1)
DAY = 86400


@dataclass(frozen=True)
class PurchaseDays:
    """Every (customer, local day) with a purchase, sorted by customer then day."""

    customer: np.ndarray  # int64 customer ids
    day: np.ndarray  # int64 local days since 1970-01-01
    revenue: np.ndarray  # float, the day's revenue in currency units

    def __len__(self) -> int:
        return len(self.customer)


@dataclass(frozen=True)
class Summary:
    """One row per customer whose first purchase is on or before ``end``."""

    customer_id: np.ndarray
    x: np.ndarray  # repeat purchase days (float, for the formulas)
    t_x: np.ndarray
    T: np.ndarray
    m: np.ndarray  # mean repeat-day revenue; NaN when x = 0
    first_day: np.ndarray  # local day number of the first purchase

    def __len__(self) -> int:
        return len(self.customer_id)


def day_number(day: dt.date) -> int:
    """A local calendar day as days since 1970-01-01."""
    return (day - EPOCH).days


def day_date(number: int) -> dt.date:
    """The inverse of :func:`day_number`."""
    return EPOCH + dt.timedelta(days=int(number))


def _epoch_seconds(uow: UnitOfWork, column: ColumnElement) -> ColumnElement[int]:
    if uow.session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def utc_offsets(tz: dt.tzinfo, start: dt.datetime, end: dt.datetime) -> list[tuple[int, int]]:
    """The zone's UTC offsets between two instants: ``(from epoch second, offset seconds)``.

    A zone without daylight saving has one entry; each transition adds one, found to the
    second by bisection, so the SQL below can turn UTC into local days with a CASE.
    """
    def offset(at: int) -> int:
        moment = dt.datetime.fromtimestamp(at, dt.UTC).astimezone(tz)
        return int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]

    lo, hi = int(start.timestamp()) - DAY, int(end.timestamp()) + DAY
    found = [(lo, offset(lo))]
    for at in range(lo + DAY, hi + DAY, DAY):
        if offset(at) != found[-1][1]:
            left, right = at - DAY, at  # the change happened in (left, right]
            while right - left > 1:
                middle = (left + right) // 2
                left, right = (middle, right) if offset(middle) == found[-1][1] else (
                    left, middle)
            found.append((right, offset(at)))
    return found


def local_day(uow: UnitOfWork, column: ColumnElement, offsets: list[tuple[int, int]]
              ) -> ColumnElement[int]:
    """SQL for the local calendar day (days since 1970-01-01) of a UTC timestamp column."""
    seconds = _epoch_seconds(uow, column)
    if len(offsets) == 1:
        shift: ColumnElement[int] = literal(offsets[0][1], Integer)
    else:
        whens = [(seconds < literal(at, BigInteger), literal(before, Integer))
                 for (at, _), (_, before) in zip(offsets[1:], offsets, strict=False)]
        shift = case(*whens, else_=literal(offsets[-1][1], Integer))
    return cast((seconds + shift) // literal(DAY, Integer), Integer)


def purchase_days(
    uow: UnitOfWork, kinds: list[str], end: dt.date, tz: ZoneInfo
) -> PurchaseDays:
    """Purchase days up to and including local day ``end``, through an ORM select (so the
    principal's record policies apply) grouped in the database."""
    end_utc = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    original = aliased(Interaction)
    when = func.coalesce(col(original.occurred_at), col(Interaction.occurred_at))
    bounds = select(func.min(col(Interaction.occurred_at))).where(
        col(Interaction.kind).in_(kinds), col(Interaction.occurred_at) < end_utc)
    first = uow.session.execute(bounds).scalar()
    if first is None:
        return PurchaseDays(*(np.zeros(0, dtype=np.int64) for _ in range(2)), np.zeros(0))
    day = local_day(uow, when, utc_offsets(tz, first, end_utc))
    purchases = func.sum(case((col(Interaction.corrects_id).is_(None), 1), else_=0))
    revenue = func.coalesce(func.sum(type_coerce(col(Interaction.revenue), BigInteger)), 0)
    query = (
        select(col(Interaction.customer_id), day.label("day"), revenue)
        .select_from(Interaction)
        .outerjoin(original, col(original.id) == col(Interaction.corrects_id))
        .where(col(Interaction.kind).in_(kinds), col(Interaction.occurred_at) < end_utc)
        .group_by(col(Interaction.customer_id), day)
        .having(purchases > 0)
        .order_by(col(Interaction.customer_id), day)
    )
    rows = uow.session.execute(query).all()
    if not rows:
        return PurchaseDays(*(np.zeros(0, dtype=np.int64) for _ in range(2)), np.zeros(0))
    data = np.array([(c, d, r) for c, d, r in rows], dtype=np.int64)
    return PurchaseDays(data[:, 0], data[:, 1], data[:, 2] / 100.0)


def summarise(days: PurchaseDays, end: dt.date, unit_days: float) -> Summary:
    """Each customer's (x, t_x, T, m̄) over purchase days up to and including ``end``."""
    keep = days.day <= day_number(end)
    customer, day, revenue = days.customer[keep], days.day[keep], days.revenue[keep]
    ids, first_index, inverse = np.unique(customer, return_index=True, return_inverse=True)
    n = len(ids)
    count = np.bincount(inverse, minlength=n)
    first = day[first_index]  # rows are sorted by customer then day
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, inverse, day)
    repeat_revenue = np.bincount(inverse, weights=revenue, minlength=n) - revenue[first_index]
    x = (count - 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(x > 0, repeat_revenue / np.maximum(x, 1), np.nan)
    return Summary(
        customer_id=ids, x=x, t_x=(last - first) / unit_days,
        T=(day_number(end) - first) / unit_days, m=m, first_day=first,
    )


def holdout_counts(days: PurchaseDays, ids: np.ndarray, start: dt.date, end: dt.date
                   ) -> np.ndarray:
    """Purchase days of each customer in ``ids`` strictly after ``start``, up to ``end``."""
    inside = (days.day > day_number(start)) & (days.day <= day_number(end))
    position = np.searchsorted(ids, days.customer[inside])
    known = position < len(ids)
    known[known] = ids[position[known]] == days.customer[inside][known]
    return np.bincount(position[known], minlength=len(ids)).astype(float)
