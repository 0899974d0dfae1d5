"""Who is due for a trigger on a given day: one SQL query per trigger (per date source).

Every query runs as an ORM select on the unit of work's session, so the acting
principal's record policies apply (a preview by an agent lists only customers he may
see; the job runs as the system and sees everyone). Every query also leaves out erased
customers and those the trigger already fired for, for the same occurrence (or, for
lapsed customers, within the cool-down), so a rerun selects nobody twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.models import Customer, CustomerTag, Interaction, SpecialDate
from guanxi_marketing.triggers.models import TriggerFire
from guanxi_marketing.triggers.occasions import (
    local_day_bounds,
    next_occurrence,
    period_key,
    previous_occurrences,
    window,
)
from guanxi_marketing.triggers.settings import BIRTHDAY, TriggerSettings, TriggerSpec


@dataclass(frozen=True)
class Due:
    """A customer a trigger should fire for, for one occurrence, and why."""

    customer_id: int
    occurrence: str
    period: str
    reason: dict[str, Any] = field(default_factory=dict)


def due_customers(
    uow: UnitOfWork, trigger: TriggerSpec, settings: TriggerSettings, on: dt.date
) -> list[Due]:
    """The customers ``trigger`` fires for on the local day ``on``, by customer id."""
    finder = {
        "special_date": _special_dates,
        "repeat_purchase": _repeat_purchases,
        "lapsed": _lapsed,
        "product_match": _product_matches,
    }[trigger.type]
    found: dict[tuple[int, str], Due] = {}
    for due in finder(uow, trigger, settings, on):
        found.setdefault((due.customer_id, due.occurrence), due)
    return sorted(found.values(), key=lambda d: (d.customer_id, d.occurrence))


# ----------------------------------------------------------------------------- helpers


def _not_fired(trigger: TriggerSpec, occurrence: Any, customer: Any) -> ColumnElement[bool]:
    return ~exists().where(
        col(TriggerFire.trigger) == trigger.name,
        col(TriggerFire.customer_id) == customer,
        col(TriggerFire.occurrence) == occurrence,
    )


def _month_day(uow: UnitOfWork, column: Any) -> ColumnElement[str]:
    """``MM-DD`` of a date column, in the backend's own words."""
    if uow.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "MM-DD")
    return func.substr(column, 6, 5)  # SQLite keeps dates as YYYY-MM-DD text


def purchase_conditions(uow: UnitOfWork, trigger: TriggerSpec) -> list[ColumnElement[bool]]:
    """What makes an interaction a purchase for ``trigger``: kind, revenue, payload."""
    conditions: list[ColumnElement[bool]] = [col(Interaction.kind).in_(trigger.kinds)]
    if trigger.require_revenue:
        conditions.append(col(Interaction.revenue) > 0)
    for key, values in sorted(trigger.payload_filter.items()):
        payload: Any = Interaction.payload
        conditions.append(payload[key].as_string().in_(values))
    if trigger.products:
        conditions.append(_has_line_with_sku(uow, trigger.products))
    return conditions


def _has_line_with_sku(uow: UnitOfWork, skus: list[str]) -> ColumnElement[bool]:
    """The interaction's ``payload.lines`` has a line whose ``sku`` is one of ``skus``.

    Both ``sales.order`` and ``core.purchase`` keep their lines there; the array is
    unnested by the backend's own JSON function, correlated to the outer interaction.
    """
    payload: Any = Interaction.payload
    if uow.session.get_bind().dialect.name == "postgresql":
        lines = func.jsonb_array_elements(payload["lines"]).table_valued("value")
        sku = lines.c.value.op("->>")("sku")
    else:
        lines = func.json_each(payload, "$.lines").table_valued("value")
        sku = func.json_extract(lines.c.value, "$.sku")
    return exists(select(1).select_from(lines).where(sku.in_(skus)))


def _living() -> ColumnElement[bool]:
    return col(Customer.erased_at).is_(None)


# ----------------------------------------------------------------------- special dates


def _special_dates(
    uow: UnitOfWork, trigger: TriggerSpec, settings: TriggerSettings, on: dt.date
) -> list[Due]:
    """Birthdays and labelled special dates falling within ``lead_days`` of ``on``."""
    days = window(on, trigger.lead_days, settings.feb29_in_common_years)
    occurrence_of = {md: item.day.isoformat() for item in days for md in item.month_days}
    found: list[Due] = []
    if BIRTHDAY in trigger.dates:
        month_day = _month_day(uow, Customer.birth_date)
        occurrence = case(occurrence_of, value=month_day)
        query = select(col(Customer.id), col(Customer.birth_date), occurrence).where(
            col(Customer.birth_date).is_not(None),
            month_day.in_(sorted(occurrence_of)),
            _living(),
            _not_fired(trigger, occurrence, Customer.id),
        )
        for customer_id, born, when in uow.session.execute(query):
            day = dt.date.fromisoformat(when)
            reason = {"date": BIRTHDAY, "on": when, "age": day.year - born.year}
            found.append(Due(customer_id, when, period_key(on, trigger.campaign_period), reason))
    labels = [label for label in trigger.dates if label != BIRTHDAY]
    if labels:
        occurrence = case(occurrence_of, value=SpecialDate.month_day)
        query = (
            select(col(SpecialDate.customer_id), SpecialDate.label, SpecialDate.date, occurrence)
            .join(Customer, col(Customer.id) == SpecialDate.customer_id)
            .where(
                col(SpecialDate.label).in_(labels),
                col(SpecialDate.month_day).in_(sorted(occurrence_of)),
                _living(),
                _not_fired(trigger, occurrence, SpecialDate.customer_id),
            )
            .order_by(col(SpecialDate.id))
        )
        for customer_id, label, first, when in uow.session.execute(query):
            day = dt.date.fromisoformat(when)
            reason = {"date": label, "on": when, "years": day.year - first.year}
            found.append(Due(customer_id, when, period_key(on, trigger.campaign_period), reason))
    return found


# --------------------------------------------------------------------- repeat purchase


def _repeat_purchases(
    uow: UnitOfWork, trigger: TriggerSpec, settings: TriggerSettings, on: dt.date
) -> list[Due]:
    """Customers who bought around the occasion in each of the last ``years`` years,
    when its next occurrence is within ``lead_days`` of ``on``."""
    assert trigger.occasion is not None
    spec = settings.occasions[trigger.occasion]
    upcoming = next_occurrence(spec, on)
    if upcoming is None or upcoming > on + dt.timedelta(days=trigger.lead_days):
        return []
    past = previous_occurrences(spec, upcoming, trigger.years)
    if len(past) < trigger.years:  # a table of dates that does not reach back far enough
        return []
    tz = uow.app.tz
    bounds = [
        local_day_bounds(
            day - dt.timedelta(days=trigger.window_before),
            day + dt.timedelta(days=trigger.window_after),
            tz,
        )
        for day in past
    ]
    occurred = col(Interaction.occurred_at)
    inside = [and_(occurred >= start, occurred < end) for start, end in bounds]
    year_of_window = case(*[(cond, day.year) for cond, day in zip(inside, past, strict=True)])
    occurrence = upcoming.isoformat()
    query = (
        select(col(Interaction.customer_id))
        .join(Customer, col(Customer.id) == Interaction.customer_id)
        .where(
            *purchase_conditions(uow, trigger),
            or_(*inside),
            _living(),
            _not_fired(trigger, occurrence, Interaction.customer_id),
        )
        .group_by(col(Interaction.customer_id))
        .having(func.count(func.distinct(year_of_window)) == len(past))
    )
    reason = {
        "occasion": trigger.occasion,
        "on": occurrence,
        "bought_in": [day.year for day in past],
    }
    return [
        Due(customer_id, occurrence, occurrence, reason)
        for (customer_id,) in uow.session.execute(query)
    ]


# ----------------------------------------------------------------------------- lapsed


def _lapsed(
    uow: UnitOfWork, trigger: TriggerSpec, settings: TriggerSettings, on: dt.date
) -> list[Due]:
    """Customers whose last purchase is ``lapsed_days`` or more before ``on``, not
    reminded within the cool-down."""
    cutoff, _ = local_day_bounds(on - dt.timedelta(days=trigger.lapsed_days - 1), on, uow.app.tz)
    cooled = on - dt.timedelta(days=trigger.cool_down_days)
    last = func.max(col(Interaction.occurred_at))
    recently_reminded = exists().where(
        col(TriggerFire.trigger) == trigger.name,
        col(TriggerFire.customer_id) == Interaction.customer_id,
        col(TriggerFire.fired_on) > cooled,
    )
    query = (
        select(col(Interaction.customer_id), last)
        .join(Customer, col(Customer.id) == Interaction.customer_id)
        .where(*purchase_conditions(uow, trigger), _living(), ~recently_reminded)
        .group_by(col(Interaction.customer_id))
        .having(last < cutoff)
    )
    occurrence = on.isoformat()
    period = period_key(on, trigger.campaign_period)
    found = []
    for customer_id, last_at in uow.session.execute(query):
        bought = uow.app.local_time(_aware(last_at)).date()
        reason = {"last_purchase": bought.isoformat(), "days_since": (on - bought).days}
        found.append(Due(customer_id, occurrence, period, reason))
    return found


def _aware(value: dt.datetime) -> dt.datetime:
    # max() of a UTC column comes back without its type's processing on SQLite.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------------- product match


def _product_matches(
    uow: UnitOfWork, trigger: TriggerSpec, settings: TriggerSettings, on: dt.date
) -> list[Due]:
    """Customers with one of the tags or in the segment, once per announcement."""
    if (trigger.active_from and on < trigger.active_from) or (
        trigger.active_until and on > trigger.active_until
    ):
        return []
    announcement = trigger.announcement or ""
    found: set[int] = set()
    if trigger.tags:
        query = (
            select(col(CustomerTag.customer_id))
            .join(Customer, col(Customer.id) == CustomerTag.customer_id)
            .where(
                col(CustomerTag.tag).in_(trigger.tags),
                _living(),
                _not_fired(trigger, announcement, CustomerTag.customer_id),
            )
        )
        found |= {customer_id for (customer_id,) in uow.session.execute(query)}
    if trigger.segment:
        found |= _segment_not_fired(uow, trigger, announcement)
    reason = {"announcement": announcement, "tags": trigger.tags, "segment": trigger.segment}
    return [Due(cid, announcement, announcement, reason) for cid in sorted(found)]


def _segment_not_fired(uow: UnitOfWork, trigger: TriggerSpec, announcement: str) -> set[int]:
    """The segment's current members the announcement has not reached yet."""
    from guanxi_marketing.segments.service import get_segment, segment_customer_ids

    assert trigger.segment is not None
    members = segment_customer_ids(uow, get_segment(uow, trigger.segment).id)
    found: set[int] = set()
    for chunk in chunks(members):
        query = (
            select(col(Customer.id))
            .where(
                col(Customer.id).in_(chunk),
                _living(),
                _not_fired(trigger, announcement, Customer.id),
            )
        )
        found |= {customer_id for (customer_id,) in uow.session.execute(query)}
    return found

