"""Lifetime figures of every customer, from the core's rollups instead of the log.

The core keeps one :class:`~guanxi.models.CustomerRollup` row per customer, updated by
every write of interactions (docs/interaction-log.md, "Rollups"): revenue and cost sums,
interaction counts per kind and the latest time per kind. A lifetime analysis reads that
row instead of aggregating the interaction log, so it costs one pass over a table of one
row per customer rather than a ``GROUP BY`` of every interaction:

* revenue, cost: the rollup sums (corrections included, as the log path nets them);
* purchases: ``counts_by_kind`` summed over the ``purchase_kinds`` setting — a
  correction logged with a purchase kind counts here, unlike the log path;
* spend: the rollups keep no revenue per kind, so lifetime spend is *all* revenue;
* last purchase: the latest ``last_by_kind`` over the purchase kinds (to the second);
* unit costs: ``counts_by_kind[kind] × cost`` for rules naming only a kind. A rule naming
  a channel, or ``unit_cost_when = "no_cost_logged"`` with unit costs configured, needs
  each interaction: :func:`collect_lifetime` refuses them (:func:`rollup_limitation`
  says why) and :func:`guanxi_analytics.value.service.analyse_lifetime` then reads the
  log over the whole history instead.

The SELECTs are ORM statements of registered entities (``customer_rollup`` and
``customer``), so the acting user's record policies apply; without a policy to apply
they run on the connection and read the driver's rows, as :func:`figures.collect` does.
"""

from __future__ import annotations

import datetime as dt
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, String, func, literal, select
from sqlalchemy import type_coerce as coerce
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.db.types import to_minor
from guanxi.errors import ValidationError
from guanxi.models import Customer, CustomerRollup
from guanxi_analytics.common import Period
from guanxi_analytics.settings import analytics_settings
from guanxi_analytics.value.figures import Figures, fetch, merge_ids, widen
from guanxi_analytics.value.settings import ValueSettings

UNIT_COSTS = "analytics.value.unit_costs"
UNIT_COST_WHEN = "analytics.value.unit_cost_when"


def rollup_limitation(settings: ValueSettings) -> tuple[str, str] | None:
    """``(setting, reason)`` when the unit costs cannot be evaluated from rollups (which
    count interactions per kind, not per channel, and do not know which had a logged
    cost); None when they can."""
    if not settings.unit_costs:
        return None
    for rule in settings.unit_costs:
        if rule.channel is not None:
            return (UNIT_COSTS, f"the rule for channel {rule.channel!r} cannot be evaluated "
                    "from the rollups (they count interactions per kind, not per channel)")
    if settings.unit_cost_when == "no_cost_logged":
        return (UNIT_COST_WHEN, "'no_cost_logged' cannot be evaluated from the rollups "
                "(they do not know which interactions had a logged cost); set 'always'")
    return None


def kind_unit_costs(settings: ValueSettings) -> dict[str, int]:
    """Unit cost in hundredths per kind; the first rule for a kind wins, as in the log."""
    costs: dict[str, int] = {}
    for rule in settings.unit_costs:
        if rule.kind is not None and rule.channel is None:
            costs.setdefault(rule.kind, to_minor(rule.cost))
    return costs


def _count(kind: str) -> ColumnElement[Any]:
    """``counts_by_kind[kind]`` as an integer, 0 when absent (json_extract / ->>)."""
    return func.coalesce(col(CustomerRollup.counts_by_kind)[kind].as_integer(), 0)


def _latest(kinds: list[str], dialect: str) -> ColumnElement[Any]:
    """The latest ``last_by_kind`` stamp over ``kinds``, as ``YYYY-MM-DDTHH:MM:SS``
    (numpy parses it; the stamps are UTC and compare as text); NULL when none."""
    values = [col(CustomerRollup.last_by_kind)[kind].as_string() for kind in kinds]
    if not values:
        return coerce(literal(None), String)
    if len(values) == 1:
        latest = values[0]
    elif dialect == "sqlite":  # scalar max() is NULL when any argument is
        latest = func.nullif(func.max(*[func.coalesce(v, "") for v in values]), "")
    else:  # GREATEST ignores NULLs
        latest = func.greatest(*values)
    return func.substr(latest, 1, 19)


def collect_lifetime(uow: UnitOfWork) -> Figures:
    """Every visible customer's lifetime figures from the rollups (same arrays as
    :func:`guanxi_analytics.value.figures.collect`; ``spend`` is all revenue).

    Raises :class:`ValidationError` naming the setting when unit costs need the log.
    """
    settings = analytics_settings(uow)
    limitation = rollup_limitation(settings.value)
    if limitation is not None:
        raise ValidationError(*limitation)
    dialect = uow.session.get_bind().dialect.name
    kinds = list(dict.fromkeys(settings.purchase_kinds))
    purchases: ColumnElement[Any] = literal(0)
    for kind in kinds:
        purchases = purchases + _count(kind)
    unit: ColumnElement[Any] = literal(0)
    for kind, cost in kind_unit_costs(settings.value).items():
        unit = unit + _count(kind) * cost
    key = col(CustomerRollup.customer_id)
    # Money columns hold integer hundredths: read them raw (no Decimal per row).
    query = select(
        key,
        coerce(col(CustomerRollup.revenue), BigInteger),
        coerce(col(CustomerRollup.cost), BigInteger) + unit,
        coerce(purchases, BigInteger),
        coerce(col(CustomerRollup.interaction_count), BigInteger),
        _latest(kinds, dialect),
    ).order_by(key)
    customers = select(col(Customer.id)).order_by(col(Customer.id))
    rows, known = fetch(uow, query, customers)
    return _widen(rows, known)


def _widen(rows: list[Any], known: np.ndarray) -> Figures:
    """The rollup rows as arrays over every known customer (zeros without a rollup)."""
    n = len(rows)
    # Column by column with itemgetter rather than zip(*rows): no million transient
    # tuples for the garbage collector to walk (a second saved at a million rollups).
    columns = [map(itemgetter(i), rows) for i in range(6)]
    # Both sorted: a rollup whose customer the listing misses (none should) still counts.
    ids, where = merge_ids(known, np.fromiter(columns[0], dtype=np.int64, count=n))

    def spread(values: Any) -> np.ndarray:
        return widen(values, ids.size, where)

    revenue = spread(columns[1])
    last = np.full(ids.size, np.datetime64("NaT"), dtype="datetime64[us]")
    if n:
        last[where] = np.array(list(columns[5]), dtype="datetime64[us]")
    return Figures(ids, revenue, spread(columns[2]), spread(columns[3]), revenue.copy(),
                   spread(columns[4]), last)


def history_period(uow: UnitOfWork) -> Period:
    """Local days from the earliest interaction the user sees (by the rollups' first_at)
    through today: the period a lifetime analysis stands for."""
    first = uow.session.execute(select(func.min(col(CustomerRollup.first_at)))).scalar()
    today = uow.today()
    if first is None:
        return Period(today, today + dt.timedelta(days=1))
    if first.tzinfo is None:
        first = first.replace(tzinfo=dt.UTC)
    start = min(first.astimezone(uow.app.tz).date(), today)
    return Period(start, today + dt.timedelta(days=1))
