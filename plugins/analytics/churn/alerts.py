"""The churn alerts: the monthly threshold rule and the sudden-drop outlier test.

For a watched month M, each customer's net spend and purchase count in M and in the
``trailing_months`` months before it are one ``GROUP BY (customer, month)`` in the
database; the rules then run per customer in Python:

- **threshold** (REQUIREMENTS §7.3.1 [S002:449]): spend < threshold amount OR count <
  threshold count. The threshold is the customer's own (:class:`SpendThreshold`, set with
  :func:`set_threshold`) or, when ``default_threshold`` is on, ``threshold_fraction`` × the
  customer's average monthly spend and count over the trailing months, for customers who
  bought in at least ``threshold_min_active_months`` of them.
- **drop** (outlier analysis, §5.3 [S002:447–449], §7.3.6 [S004:833]): with the trailing
  months' median m and median absolute deviation MAD, the modified z-score
  z = 0.6745 · (x − m) / MAD (Iglewicz & Hoaglin 1993) is at or below −``drop_z`` and x is
  at least ``drop_min_fall`` below m; or, with ``drop_method = "ratio"``, x / m <
  ``drop_ratio``.

:func:`raise_alerts` stores one :class:`ChurnAlert` per customer, month and kind, and
running it again adds nothing (the scheduled job ``analytics.churn_alerts`` relies on it).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, case, func, or_, select, type_coerce
from sqlmodel import col

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, Interaction
from guanxi.services.customers import require_customer
from guanxi_analytics.churn.buckets import (
    bucket_of,
    spend_condition,
    utc_instants,
    within,
)
from guanxi_analytics.churn.cohorts import first_purchases
from guanxi_analytics.churn.models import (
    ALERT_KINDS,
    ALERT_STATUSES,
    CAUSES,
    OUTCOMES,
    ChurnAlert,
    SpendThreshold,
)
from guanxi_analytics.churn.settings import ChurnSettings
from guanxi_analytics.common import add_months
from guanxi_analytics.settings import analytics_settings

ALERT = "analytics.churn_alert"
THRESHOLD = "analytics.spend_threshold"
CENT = Decimal("0.01")
# Iglewicz & Hoaglin's modified z-score: 0.6745 = Φ⁻¹(0.75), so that MAD/0.6745 estimates
# σ for normal data; when MAD is 0 they use the mean absolute deviation × 1.253314.
MAD_FACTOR = 0.6745
MEAN_AD_FACTOR = 1.253314


def churn_settings(uow: UnitOfWork) -> ChurnSettings:
    """The ``[analytics.churn]`` settings."""
    return analytics_settings(uow).churn


def _money(hundredths: int | float) -> Decimal:
    return (Decimal(round(hundredths)) / 100).quantize(CENT)


# --- thresholds -----------------------------------------------------------------------

def set_threshold(uow: UnitOfWork, customer_id: int, *, min_amount: Decimal | str | None = None,
                  min_count: int | str | None = None) -> SpendThreshold:
    """Set (or replace) a customer's own monthly threshold: a minimum spend, a minimum
    number of purchases, or both."""
    from guanxi.inputs import parse_money

    require(uow, THRESHOLD, "update")
    require_customer(uow, customer_id)
    amount = None if min_amount in (None, "") else parse_money(min_amount, "min_amount")
    count = None
    if min_count not in (None, ""):
        try:
            count = int(str(min_count).strip())
        except ValueError:
            raise ValidationError("min_count", f"{min_count!r} is not a whole number") from None
        if count < 1:
            raise ValidationError("min_count", "must be at least 1")
    if amount is None and count is None:
        raise ValidationError("min_amount", "give a minimum monthly amount, count or both")
    row = uow.session.get(SpendThreshold, customer_id)
    if row is None:
        row = SpendThreshold(customer_id=customer_id, set_at=uow.now)
        uow.session.add(row)
    row.min_amount, row.min_count = amount, count
    row.set_at, row.set_by_id = uow.now, uow.actor_id
    uow.session.flush()
    return row


def clear_threshold(uow: UnitOfWork, customer_id: int) -> bool:
    """Remove a customer's own threshold (the default applies again); False if none."""
    require(uow, THRESHOLD, "delete")
    require_customer(uow, customer_id)
    row = uow.session.exec(
        select(SpendThreshold).where(SpendThreshold.customer_id == customer_id)
    ).scalars().first()
    if row is None:
        return False
    uow.session.delete(row)
    uow.session.flush()
    return True


def list_thresholds(uow: UnitOfWork) -> list[SpendThreshold]:
    """The thresholds set on customers the principal may see."""
    require(uow, THRESHOLD, "read")
    return list(uow.session.exec(
        select(SpendThreshold).order_by(col(SpendThreshold.customer_id))).scalars())


# --- the monthly scan ---------------------------------------------------------------

@dataclass
class History:
    """A customer's spend (hundredths) and purchase counts: trailing months, then month M."""

    amounts: list[int]
    counts: list[int]

    @property
    def trailing_amounts(self) -> list[int]:
        """Spend of the trailing months, oldest first (month M left out)."""
        return self.amounts[:-1]

    @property
    def active_months(self) -> int:
        """How many trailing months had at least one purchase."""
        return sum(1 for n in self.counts[:-1] if n > 0)


def monthly_history(uow: UnitOfWork, month: dt.date, trailing: int) -> dict[int, History]:
    """Every customer with purchases in ``month`` or the ``trailing`` months before it."""
    days = [add_months(month, k) for k in range(-trailing, 2)]
    instants = utc_instants(uow, days)
    at = col(Interaction.occurred_at)
    raw = (select(col(Interaction.customer_id).label("customer_id"),
                  bucket_of(at, instants).label("bucket"),
                  type_coerce(Interaction.revenue, BigInteger).label("revenue"),
                  col(Interaction.corrects_id).label("corrects_id"))
           .where(spend_condition(uow), within(at, instants)).subquery("spend"))
    # A correction takes money back but is no purchase of its own.
    purchases = func.sum(case((raw.c.corrects_id.is_(None), 1), else_=0))
    rows = uow.session.execute(
        select(raw.c.customer_id, raw.c.bucket, func.coalesce(func.sum(raw.c.revenue), 0),
               purchases)
        .group_by(raw.c.customer_id, raw.c.bucket)).all()
    found: dict[int, History] = {}
    for customer_id, bucket, amount, count in rows:
        history = found.setdefault(int(customer_id), History([0] * (trailing + 1),
                                                             [0] * (trailing + 1)))
        history.amounts[int(bucket)] = int(amount)
        history.counts[int(bucket)] = int(count or 0)
    return found


def _threshold_alert(history: History, own: SpendThreshold | None,
                     settings: ChurnSettings) -> dict[str, Any] | None:
    amount, count = history.amounts[-1], history.counts[-1]
    if own is not None:
        limit_amount = None if own.min_amount is None else int(own.min_amount * 100)
        limit_count = None if own.min_count is None else float(own.min_count)
        basis = "customer"
    elif settings.default_threshold and (
            history.active_months >= settings.threshold_min_active_months):
        months = len(history.trailing_amounts)
        limit_amount = round(settings.threshold_fraction
                                 * sum(history.trailing_amounts) / months)
        limit_count = round(settings.threshold_fraction * sum(history.counts[:-1]) / months, 4)
        basis = "default"
    else:
        return None
    below = ((limit_amount is not None and amount < limit_amount)
             or (limit_count is not None and count < limit_count))
    if not below:
        return None
    baseline = sum(history.trailing_amounts) / len(history.trailing_amounts)
    return {"threshold_amount": None if limit_amount is None else _money(limit_amount),
            "threshold_count": limit_count, "baseline": _money(baseline), "score": None,
            "basis": basis}


def drop_score(trailing: list[int], value: int, settings: ChurnSettings
               ) -> tuple[bool, float | None, float]:
    """(is a drop, score, median) of ``value`` against ``trailing`` monthly amounts.

    The score is the modified z-score (``robust_z``; None when the trailing months do not
    vary at all) or the ratio to the median (``ratio``).
    """
    median = statistics.median(trailing)
    if median <= 0:
        return False, None, median
    ratio = value / median
    if settings.drop_method == "ratio":
        return ratio < settings.drop_ratio, round(ratio, 4), median
    deviations = [abs(v - median) for v in trailing]
    mad = statistics.median(deviations)
    if mad > 0:
        score: float | None = MAD_FACTOR * (value - median) / mad
    else:
        mean_ad = sum(deviations) / len(deviations)
        score = (value - median) / (MEAN_AD_FACTOR * mean_ad) if mean_ad > 0 else None
    material = value <= median * (1 - settings.drop_min_fall)
    # With no variation at all, any material fall is an outlier.
    unusual = score is None or score <= -settings.drop_z
    return material and unusual, None if score is None else round(score, 4), median


def _drop_alert(history: History, settings: ChurnSettings) -> dict[str, Any] | None:
    if history.active_months < settings.drop_min_active_months:
        return None
    is_drop, score, median = drop_score(history.trailing_amounts, history.amounts[-1],
                                        settings)
    if not is_drop:
        return None
    return {"threshold_amount": None, "threshold_count": None, "baseline": _money(median),
            "score": score, "basis": settings.drop_method}


def raise_alerts(uow: UnitOfWork, month: dt.date) -> list[ChurnAlert]:
    """Check ``month`` (any day of it) for every customer the principal may see and store
    the new alerts; idempotent per customer, month and kind."""
    require(uow, ALERT, "create")
    month = month.replace(day=1)
    if month >= uow.today().replace(day=1):
        raise ValidationError("month", f"{month:%Y-%m} has not ended yet")
    settings = churn_settings(uow)
    histories = monthly_history(uow, month, settings.trailing_months)
    # Customers with a threshold of their own are watched even in a month without any
    # purchase, once they have bought at least once before it.
    first = first_purchases(uow)
    start = utc_instants(uow, [month])[0]
    owned = {t.customer_id: t for t in uow.session.execute(
        select(SpendThreshold).join(first, first.c.customer_id == SpendThreshold.customer_id)
        .where(first.c.first_at < start)).scalars()}
    empty = settings.trailing_months + 1
    for customer_id in owned:
        histories.setdefault(customer_id, History([0] * empty, [0] * empty))
    existing = {(a.customer_id, a.kind): a for a in uow.session.execute(
        select(ChurnAlert).where(or_(
            ChurnAlert.month == month,
            (col(ChurnAlert.status) != "closed") & (col(ChurnAlert.month) < month)))
    ).scalars() if a.month == month or not settings.repeat_while_open}
    made: list[ChurnAlert] = []
    for customer_id in sorted(histories):
        history = histories[customer_id]
        for kind in ALERT_KINDS:
            if (customer_id, kind) in existing:
                continue
            found = (_threshold_alert(history, owned.get(customer_id), settings)
                     if kind == "threshold" else _drop_alert(history, settings))
            if found is None:
                continue
            alert = ChurnAlert(customer_id=customer_id, kind=kind, month=month,
                               amount=_money(history.amounts[-1]), count=history.counts[-1],
                               raised_at=uow.now, **found)
            uow.session.add(alert)
            made.append(alert)
    uow.session.flush()
    if settings.follow_up_tasks and made:
        _follow_up_tasks(uow, made, settings)
    return made


def _follow_up_tasks(uow: UnitOfWork, alerts: list[ChurnAlert],
                     settings: ChurnSettings) -> None:
    """One task per alert, for the customer's owner (unassigned if none)."""
    from guanxi.services.tasks import create_task

    owners = dict(uow.session.execute(
        select(Customer.id, Customer.owner_id)
        .where(col(Customer.id).in_({a.customer_id for a in alerts}))).all())
    due = uow.now + dt.timedelta(days=settings.follow_up_days)
    for alert in alerts:
        what = "spend below threshold" if alert.kind == "threshold" else "sudden spend drop"
        task = create_task(
            uow, customer_id=alert.customer_id, due_at=due, assignee=owners.get(alert.customer_id),
            title=f"流失预警 churn alert: {what} in {alert.month:%Y-%m}",
            notes=f"spend {alert.amount} in {alert.count} purchases", source="analytics.churn")
        alert.task_id = task.id
    uow.session.flush()


def last_complete_month(uow: UnitOfWork, when: dt.datetime) -> dt.date:
    """The local month before the one holding ``when``."""
    local = when.astimezone(uow.app.tz).date()
    return add_months(local.replace(day=1), -1)


def run_job(uow: UnitOfWork, due_at: dt.datetime) -> int:
    """The ``analytics.churn_alerts`` job: check the month just ended (idempotent)."""
    return len(raise_alerts(uow, last_complete_month(uow, due_at)))


# --- working the alerts ----------------------------------------------------------------

def list_alerts(uow: UnitOfWork, *, status: str | None = None, kind: str | None = None,
                start: dt.date | None = None, end: dt.date | None = None,
                customer_id: int | None = None, limit: int = 100) -> list[ChurnAlert]:
    """Alerts the principal may see, newest month first; ``start``/``end`` bound the
    watched month (inclusive)."""
    from guanxi.inputs import parse_choice

    require(uow, ALERT, "read")
    query = select(ChurnAlert)
    if status is not None:
        query = query.where(ChurnAlert.status == parse_choice(status, ALERT_STATUSES, "status"))
    if kind is not None:
        query = query.where(ChurnAlert.kind == parse_choice(kind, ALERT_KINDS, "kind"))
    if start is not None:
        query = query.where(col(ChurnAlert.month) >= start.replace(day=1))
    if end is not None:
        query = query.where(col(ChurnAlert.month) <= end)
    if customer_id is not None:
        query = query.where(ChurnAlert.customer_id == customer_id)
    if limit < 1:
        raise ValidationError("limit", "must be at least 1")
    query = query.order_by(col(ChurnAlert.month).desc(), col(ChurnAlert.id).desc()).limit(limit)
    return list(uow.session.execute(query).scalars())


def get_alert(uow: UnitOfWork, alert_id: int) -> ChurnAlert:
    """One alert the principal may see, or :class:`NotFoundError`."""
    alert = uow.session.execute(
        select(ChurnAlert).where(ChurnAlert.id == alert_id)).scalars().first()
    if alert is None:
        raise NotFoundError(f"no churn alert {alert_id}")
    return alert


def acknowledge_alert(uow: UnitOfWork, alert_id: int) -> ChurnAlert:
    """Mark an open alert as being looked into."""
    require(uow, ALERT, "update")
    alert = get_alert(uow, alert_id)
    if alert.status != "open":
        raise ValidationError("status", f"alert {alert_id} is {alert.status}, not open")
    alert.status, alert.acknowledged_at = "acknowledged", uow.now
    uow.session.flush()
    return alert


def close_alert(uow: UnitOfWork, alert_id: int, *, outcome: str, cause: str | None = None,
                note: str | None = None) -> ChurnAlert:
    """Close an alert with its outcome; a churned customer needs the cause [S004:405]."""
    from guanxi.inputs import clean_text, parse_choice

    require(uow, ALERT, "update")
    alert = get_alert(uow, alert_id)
    if alert.status == "closed":
        raise ValidationError("status", f"alert {alert_id} is already closed")
    outcome = parse_choice(outcome, OUTCOMES, "outcome")
    if outcome == "churned":
        if cause is None:
            raise ValidationError("cause", f"a churned customer needs a cause: "
                                           f"{', '.join(CAUSES)}")
        cause = parse_choice(cause, CAUSES, "cause")
    elif cause is not None:
        raise ValidationError("cause", "only a churned customer has a churn cause")
    alert.status, alert.outcome, alert.cause = "closed", outcome, cause
    alert.note = clean_text(note, "note", 2000)
    alert.closed_at, alert.closed_by_id = uow.now, uow.actor_id
    uow.session.flush()
    return alert
