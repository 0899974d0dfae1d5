"""Behavioural loyalty (忠诚于企业的行为, [S004:173]): repeat purchase, referrals and
loyalty-programme participation, read from the log.

Definitions (as in ``docs/plugins/analytics/loyalty.md``):

* repeat rate = customers with ≥ 2 purchases in the period / customers with ≥ 1
  ("buy again and spend more", [S004:49, S004:807]);
* repeat purchase interval = Σ (last − first purchase) / Σ (purchases − 1) over the
  repeat buyers: the mean gap in days between consecutive purchases, pooled; the median
  is that of the buyers' own mean gaps;
* referrals = interactions of the referral sources in the period (advocacy, [S004:179])
  plus customers created in the period whose referrer custom field is set;
* participation = purchasers in the period who are programme members at its end /
  purchasers (membership: the customer's latest membership event by then starts one).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.models import Customer, Interaction
from guanxi.services.lookup import customer_names
from guanxi_analytics.common import Period
from guanxi_analytics.settings import analytics_settings

SECONDS_PER_DAY = 86_400


def _in(period: Period, uow: UnitOfWork) -> list[Any]:
    start, end = period.utc_bounds(uow.app.tz)
    return [col(Interaction.occurred_at) >= start, col(Interaction.occurred_at) < end]


def _seconds(value: dt.datetime | str) -> float:
    # SQLite returns min()/max() of the column as text; PostgreSQL as a datetime.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


@dataclass(frozen=True)
class Repeat:
    """Repeat purchase over a period."""

    customers: int  # with at least one purchase
    repeaters: int  # with at least two
    purchases: int
    repeat_rate: float | None  # repeaters / customers, 0..1
    mean_interval_days: float | None
    median_interval_days: float | None

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-able dict."""
        return asdict(self)


def purchases_per_customer(
    uow: UnitOfWork, period: Period,
) -> list[tuple[int, int, float, float]]:
    """``(customer_id, purchases, first, last)`` (epoch seconds) per buyer in the period:
    one GROUP BY in the database; corrections are not purchases."""
    kinds = analytics_settings(uow).purchase_kinds
    query = (
        select(Interaction.customer_id, func.count(), func.min(Interaction.occurred_at),
               func.max(Interaction.occurred_at))
        .where(col(Interaction.kind).in_(kinds), col(Interaction.corrects_id).is_(None),
               *_in(period, uow))
        .group_by(Interaction.customer_id)
    )
    return [(cid, n, _seconds(first), _seconds(last))
            for cid, n, first, last in uow.session.execute(query)]


def repeat(uow: UnitOfWork, period: Period) -> Repeat:
    """Repeat rate and repeat purchase interval over ``period``."""
    buyers = purchases_per_customer(uow, period)
    repeaters = [b for b in buyers if b[1] >= 2]
    gaps = sum(b[1] - 1 for b in repeaters)
    span = sum(b[3] - b[2] for b in repeaters) / SECONDS_PER_DAY
    own = [(b[3] - b[2]) / SECONDS_PER_DAY / (b[1] - 1) for b in repeaters]
    return Repeat(
        customers=len(buyers), repeaters=len(repeaters),
        purchases=sum(b[1] for b in buyers),
        repeat_rate=round(len(repeaters) / len(buyers), 4) if buyers else None,
        mean_interval_days=round(span / gaps, 2) if gaps else None,
        median_interval_days=round(statistics.median(own), 2) if own else None,
    )


@dataclass(frozen=True)
class Referrals:
    """Referrals over a period."""

    total: int
    by_source: dict[str, int]
    top_referrers: list[dict[str, Any]]  # customer_id, customer, referrals

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-able dict."""
        return asdict(self)


def referrals(uow: UnitOfWork, period: Period, *, top: int = 10) -> Referrals:
    """Referrals logged in ``period`` by source, and the customers who referred most."""
    settings = analytics_settings(uow).loyalty
    by_source: dict[str, int] = {}
    referrers: dict[int, int] = {}
    for source in settings.referrals:
        conditions = [Interaction.kind == source.kind, col(Interaction.corrects_id).is_(None),
                      *_in(period, uow)]
        if source.field is not None:
            conditions.append(
                Interaction.payload[source.field].as_string() == source.equals)  # type: ignore[index]
        if source.referrer_field:
            referrer = Interaction.payload[source.referrer_field].as_integer()  # type: ignore[index]
            # Grouped by the output name (PostgreSQL does not match bound JSON paths).
            query: Any = select(referrer.label("referrer_id"), func.count()) \
                .where(*conditions).group_by(literal_column("referrer_id"))
            rows = list(uow.session.execute(query))
            for who, n in rows:
                if who is not None:
                    referrers[int(who)] = referrers.get(int(who), 0) + n
            count = sum(n for _, n in rows)
        else:
            count = uow.session.execute(select(func.count()).select_from(Interaction)
                                        .where(*conditions)).scalar_one()
        if count:
            by_source[source.kind] = by_source.get(source.kind, 0) + count
    if settings.referrer_custom_field:
        start, end = period.utc_bounds(uow.app.tz)
        field = Customer.custom[settings.referrer_custom_field]  # type: ignore[index]
        query = (select(field.as_integer().label("referrer_id"), func.count())
                 .where(field.as_string().is_not(None), col(Customer.created_at) >= start,
                        col(Customer.created_at) < end)
                 .group_by(literal_column("referrer_id")))
        for who, n in uow.session.execute(query):
            key = f"custom field {settings.referrer_custom_field}"
            by_source[key] = by_source.get(key, 0) + n
            if who is not None:
                referrers[int(who)] = referrers.get(int(who), 0) + n
    # Only referrers the principal may see are named.
    names = customer_names(uow, referrers)
    ranked = sorted(((n, cid) for cid, n in referrers.items() if cid in names),
                    key=lambda x: (-x[0], x[1]))[:top]
    return Referrals(
        total=sum(by_source.values()), by_source=by_source,
        top_referrers=[{"customer_id": cid, "customer": names[cid], "referrals": n}
                       for n, cid in ranked],
    )


@dataclass(frozen=True)
class Membership:
    """Loyalty-programme participation over a period."""

    enrolled: int  # enrolments logged in the period
    ended: int  # cancellations logged in the period
    members: int  # customers whose latest membership event by the period's end starts one
    purchasers: int
    purchasing_members: int
    participation: float | None  # purchasing members / purchasers, 0..1

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-able dict."""
        return asdict(self)


def membership(uow: UnitOfWork, period: Period) -> Membership:
    """Enrolments, cancellations and the members' share of the period's purchasers."""
    settings = analytics_settings(uow).loyalty
    start, end = period.utc_bounds(uow.app.tz)
    kinds = [*settings.membership_kinds, *settings.membership_end_kinds]
    query = (
        select(Interaction.customer_id, Interaction.kind, func.max(Interaction.occurred_at),
               func.count())
        .where(col(Interaction.kind).in_(kinds), col(Interaction.corrects_id).is_(None),
               col(Interaction.occurred_at) < end)
        .group_by(Interaction.customer_id, Interaction.kind)
    )
    latest: dict[int, tuple[float, bool]] = {}
    for cid, kind, last, _ in uow.session.execute(query):
        moment, starts = _seconds(last), kind in settings.membership_kinds
        known = latest.get(cid)
        # An enrolment and a cancellation at the same instant: the cancellation wins.
        if known is None or moment > known[0] or (moment == known[0] and not starts):
            latest[cid] = (moment, starts)
    members = {cid for cid, (_, starts) in latest.items() if starts}
    counted = dict(uow.session.execute(
        select(Interaction.kind, func.count())
        .where(col(Interaction.kind).in_(kinds), col(Interaction.corrects_id).is_(None),
               col(Interaction.occurred_at) >= start, col(Interaction.occurred_at) < end)
        .group_by(Interaction.kind)).all())
    buyers = {b[0] for b in purchases_per_customer(uow, period)}
    both = len(buyers & members)
    return Membership(
        enrolled=sum(counted.get(k, 0) for k in settings.membership_kinds),
        ended=sum(counted.get(k, 0) for k in settings.membership_end_kinds),
        members=len(members), purchasers=len(buyers), purchasing_members=both,
        participation=round(both / len(buyers), 4) if buyers else None,
    )
