"""Per-customer figures of a period, from one SQL ``GROUP BY`` over the interaction log.

Revenue and cost are summed in the database in integer hundredths (how
:class:`guanxi.db.types.Money` stores them), so every total is exact and the rows that
come back are one per active customer, not one per interaction. The SELECTs are ORM
statements of registered entities, so the acting user's record policies apply: a user
who cannot see a customer gets no figures for him.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    String,
    and_,
    case,
    func,
    literal_column,
    select,
)
from sqlalchemy import type_coerce as coerce
from sqlmodel import col

from guanxi.access.enforce import visible_customers
from guanxi.app import UnitOfWork
from guanxi.db.types import UTCDateTime, to_minor
from guanxi.models import Customer, Interaction
from guanxi_analytics.common import Period
from guanxi_analytics.settings import analytics_settings
from guanxi_analytics.value.settings import ValueSettings

IntArray = NDArray[np.int64]


@dataclass
class Figures:
    """Arrays aligned on ``customer_id`` (ascending); amounts in hundredths."""

    customer_id: IntArray
    revenue: IntArray  # sum of Interaction.revenue, every kind
    cost: IntArray  # logged cost plus unit costs
    purchases: IntArray  # purchase interactions (not corrections)
    spend: IntArray  # revenue of the purchase interactions
    interactions: IntArray
    last_purchase: NDArray[np.datetime64]  # UTC, microseconds; NaT without a purchase

    @property
    def margin(self) -> IntArray:
        """Revenue minus cost-to-serve."""
        return self.revenue - self.cost

    def __len__(self) -> int:
        return int(self.customer_id.size)


def unit_cost_expression(settings: ValueSettings) -> ColumnElement[Any] | None:
    """The unit cost of an interaction in hundredths, as a SQL CASE (first rule that
    matches wins); None when no unit cost is configured."""
    kind, channel = col(Interaction.kind), col(Interaction.channel)
    whens: list[tuple[ColumnElement[bool], int]] = []
    for rule in settings.unit_costs:
        parts = []
        if rule.kind is not None:
            parts.append(kind == rule.kind)
        if rule.channel is not None:
            parts.append(channel == rule.channel)
        whens.append((and_(*parts), to_minor(rule.cost)))
    if not whens:
        return None
    expression = case(*whens, else_=0)
    if settings.unit_cost_when == "no_cost_logged":
        expression = case((col(Interaction.cost).is_(None), expression), else_=0)
    return expression


def collect(uow: UnitOfWork, period: Period) -> Figures:
    """Every customer's figures over ``period``.

    The customers are those the acting user sees that existed before the period ended or
    had an interaction in it; a customer without any interaction has zeros.
    """
    settings = analytics_settings(uow)
    start, end = period.utc_bounds(uow.app.tz)
    dialect = uow.session.get_bind().dialect.name
    occurred = col(Interaction.occurred_at)
    purchase = col(Interaction.kind).in_(settings.purchase_kinds)
    not_correction = col(Interaction.corrects_id).is_(None)
    raw_money = col(Interaction.revenue), col(Interaction.cost)
    unit = unit_cost_expression(settings.value)
    instant = String() if dialect == "sqlite" else DateTime(timezone=True)
    # The period filters a table scan: with ANALYZE statistics SQLite would rather walk an
    # index (the (kind, occurred_at) one by skip-scan, or the (customer_id, occurred_at)
    # one to save the GROUP BY sort) and read every row it finds by rowid, several times
    # slower than reading the table in order once the period holds more than a small part
    # of the log (which an analysis period does). A unary + keeps a column out of
    # SQLite's choice of index.
    sqlite = dialect == "sqlite"
    when = literal_column("+interaction.occurred_at", UTCDateTime()) if sqlite else occurred
    key = (literal_column("+interaction.customer_id", BigInteger()) if sqlite
           else col(Interaction.customer_id))
    columns: list[Any] = [
        key,
        coerce(func.coalesce(func.sum(raw_money[0]), 0), BigInteger),
        coerce(func.coalesce(func.sum(raw_money[1]), 0), BigInteger),
        coerce(func.sum(case((and_(purchase, not_correction), 1), else_=0)), BigInteger),
        coerce(func.coalesce(func.sum(case((purchase, raw_money[0]), else_=0)), 0),
               BigInteger),
        coerce(func.count(), BigInteger),
        coerce(func.max(case((purchase, occurred))), instant),
    ]
    if unit is not None:
        columns.append(coerce(func.sum(unit), BigInteger))
    query = (select(*columns).where(when >= start, when < end)
             .group_by(key).order_by(key))
    # None of the columns needs a result conversion (integers, and the instant as the
    # driver returns it), so fetch may read the driver's own rows.
    customers = (select(col(Customer.id)).where(col(Customer.created_at) < end)
                 .order_by(col(Customer.id)))
    rows, known = fetch(uow, query, customers)
    return _assemble(rows, known, unit is not None, dialect)


def fetch(uow: UnitOfWork, query: Any, customers: Any) -> tuple[list[Any], IntArray]:
    """The rows of ``query`` and the ids ``customers`` selects, as a sorted array.

    With record policies to apply the ORM runs both; with none (a user who sees every
    customer, or the nightly job) they run on the connection, which returns the driver's
    tuples instead of building a million rows.
    """
    if visible_customers(uow) is not None:
        rows: list[Any] = uow.session.execute(query).all()
        known: list[Any] = uow.session.execute(customers).scalars().all()
    else:
        connection = uow.session.connection()
        rows = connection.execute(query).cursor.fetchall()
        known = [row[0] for row in connection.execute(customers).cursor.fetchall()]
    return rows, np.fromiter(known, dtype=np.int64, count=len(known))


def merge_ids(known: IntArray, active: IntArray) -> tuple[IntArray, IntArray]:
    """Every id of ``known`` and ``active`` (both sorted) once, and where each active id
    sits among them (np.union1d would hash a million ids; these are merged)."""
    ids = np.sort(np.concatenate([known, active]), kind="stable")
    if ids.size:
        ids = ids[np.concatenate([[True], ids[1:] != ids[:-1]])]
    return ids, np.searchsorted(ids, active)


def widen(values: Any, size: int, where: IntArray) -> IntArray:
    """``values`` (one per active id) placed at ``where`` in zeros of length ``size``."""
    out = np.zeros(size, dtype=np.int64)
    out[where] = np.fromiter(values, dtype=np.int64, count=where.size)
    return out


def _assemble(rows: list[Any], known: IntArray, with_unit: bool, dialect: str) -> Figures:
    """The arrays of the GROUP BY rows, widened to every known customer."""
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * (8 if with_unit else 7)
    ids, where = merge_ids(known, np.fromiter(columns[0], dtype=np.int64, count=n))

    def spread(values: Any) -> IntArray:
        return widen(values, ids.size, where)

    cost = spread(columns[2])
    if with_unit:
        cost += spread(columns[7])
    last = np.full(ids.size, np.datetime64("NaT"), dtype="datetime64[us]")
    if n and dialect == "sqlite":  # text: YYYY-MM-DD HH:MM:SS.ffffff, UTC
        last[where] = np.array(columns[6], dtype="datetime64[us]")
    elif n:
        last[where] = np.array(
            [None if v is None else v.astimezone(dt.UTC).replace(tzinfo=None)
             for v in columns[6]], dtype="datetime64[us]")
    return Figures(ids, spread(columns[1]), cost, spread(columns[3]), spread(columns[4]),
                   spread(columns[5]), last)


def instants(values: NDArray[np.datetime64], dialect: str) -> list[Any]:
    """UTC instants as the database takes them: SQLite's DATETIME text (formatted in one
    numpy pass), aware datetimes elsewhere; None for NaT."""
    missing = np.isnat(values)
    if dialect == "sqlite":
        text = np.datetime_as_string(values, unit="us").astype("S26")
        raw = text.view(np.uint8).reshape(-1, 26)
        raw[:, 10] = ord(" ")  # 2026-01-01T10:00 -> 2026-01-01 10:00, as SQLAlchemy stores
        out: list[Any] = raw.view("S26").ravel().astype("U26").tolist()
    else:
        out = [None if v is None else v.replace(tzinfo=dt.UTC) for v in values.astype(object)]
    for i in np.flatnonzero(missing).tolist():
        out[i] = None
    return out
