"""The stored classification: :func:`refresh_values` (the nightly job, the demo, the
``refresh`` command) replaces every customer's :class:`CustomerValue` row in bulk, and
:func:`stored_values` lists them under the acting user's record policies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice, repeat
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete
from sqlmodel import col, select

from guanxi.access.enforce import require, visible_customers
from guanxi.app import UnitOfWork
from guanxi.db.bulk import BulkInserter, bulk_bind_processor
from guanxi.errors import ValidationError
from guanxi.models import Customer
from guanxi_analytics.common import Period, default_period
from guanxi_analytics.value import classify
from guanxi_analytics.value.figures import instants
from guanxi_analytics.value.models import ENTITY, CustomerValue

if TYPE_CHECKING:
    from guanxi_analytics.value.service import ValueAnalysis

BATCH = 50_000


def refresh_values(uow: UnitOfWork, period: Period | None = None, *,
                   lifetime: bool = False) -> int:
    """Recompute every customer's value over ``period`` (default: the default analysis
    period; with ``lifetime``, the whole history from the core's rollups, stored with the
    history's first and last day as its period) and replace the stored
    :class:`CustomerValue` rows; returns how many.

    Tiers and scores are relative to the whole customer base, so a refresh needs a user
    who sees every customer (the nightly job runs as the system).
    """
    require(uow, ENTITY, "update")
    if visible_customers(uow) is not None:
        raise ValidationError(
            "user", "a value refresh classifies every customer; run it as a user who sees "
            "all customers (the nightly job analytics.value_refresh does)")
    from guanxi_analytics.value.service import analyse, analyse_lifetime

    if lifetime:
        if period is not None:
            raise ValidationError("period", "a lifetime refresh covers the whole history")
        return store(uow, analyse_lifetime(uow))
    return store(uow, analyse(uow, period or default_period(uow)))


def store(uow: UnitOfWork, analysis: ValueAnalysis) -> int:
    """Replace the stored rows by ``analysis`` (one bulk insert, in batches)."""
    connection = uow.session.connection()
    table = CustomerValue.__table__  # type: ignore[attr-defined]
    connection.execute(delete(table))
    figures = analysis.figures
    dialect = connection.dialect
    columns = ("customer_id", "period_start", "period_end", "revenue", "cost", "margin",
               "purchases", "last_purchase_at", "tier", "abc", "quadrant", "member_class",
               "recency_score", "frequency_score", "monetary_score", "rfm_segment",
               "computed_at")

    def bind(column: str, value: Any) -> Any:
        process = bulk_bind_processor(table.c[column].type, dialect)
        return process(value) if process else value

    start = bind("period_start", analysis.period.start)
    end = bind("period_end", analysis.period.end)
    computed = bind("computed_at", uow.now)
    last = instants(figures.last_purchase, dialect.name)
    if dialect.name != "sqlite":
        last = [None if v is None else bind("last_purchase_at", v) for v in last]
    buyers = figures.purchases > 0
    scores = [np.where(buyers, s, None).tolist() for s in (analysis.r, analysis.f,
                                                            analysis.m)]
    # Erased customers count in the cut-offs but get no stored profile.
    erased = set(uow.session.execute(select(col(Customer.id)).where(
        col(Customer.erased_at).is_not(None))).scalars().all())
    inserter = BulkInserter(connection, table, columns, bound=columns)
    rows = zip(figures.customer_id.tolist(), repeat(start), repeat(end),
               figures.revenue.tolist(), figures.cost.tolist(), figures.margin.tolist(),
               figures.purchases.tolist(), last, analysis.tier.tolist(),
               analysis.abc.tolist(), analysis.quadrant.tolist(), analysis.member.tolist(),
               *scores, analysis.segment.tolist(), repeat(computed), strict=False)
    if erased:
        rows = (row for row in rows if row[0] not in erased)
    # Every value is already what the driver takes (bound above); when the compiled
    # INSERT takes them in column order they go to executemany as they are.
    direct = inserter.positional and list(inserter._names) == list(columns)
    total = 0
    while batch := list(islice(rows, BATCH)):
        if direct:
            connection.exec_driver_sql(inserter.sql, batch)
            total += len(batch)
        else:
            total += inserter.insert(batch)
    return total


@dataclass
class StoredRow:
    """A stored classification with the customer's name."""

    customer_id: int
    name: str
    tier: str
    abc: str | None
    quadrant: str | None
    member_class: str | None
    rfm: str | None
    rfm_segment: str | None
    revenue: Decimal
    cost: Decimal
    margin: Decimal
    period: str
    computed_at: dt.datetime


def stored_values(uow: UnitOfWork, *, tier: str | None = None, limit: int = 50,
                  customer_id: int | None = None) -> list[StoredRow]:
    """The stored classifications the acting user may see, highest margin first."""
    if tier is not None and tier not in classify.TIERS:
        raise ValidationError("tier", f"unknown tier {tier!r} (one of "
                              f"{', '.join(classify.TIERS)})")
    query = (select(CustomerValue, col(Customer.name))
             .join(Customer, col(Customer.id) == col(CustomerValue.customer_id))
             .order_by(col(CustomerValue.margin).desc(), col(CustomerValue.customer_id))
             .limit(limit))
    if tier is not None:
        query = query.where(col(CustomerValue.tier) == tier)
    if customer_id is not None:
        query = query.where(col(CustomerValue.customer_id) == customer_id)
    rows = []
    for value, name in uow.session.execute(query).all():
        rfm = (None if value.recency_score is None else
               f"{value.recency_score}{value.frequency_score}{value.monetary_score}")
        rows.append(StoredRow(value.customer_id, name, value.tier, value.abc, value.quadrant,
                              value.member_class, rfm, value.rfm_segment, value.revenue,
                              value.cost, value.margin,
                              f"{value.period_start} – {value.period_end - dt.timedelta(1)}",
                              value.computed_at))
    return rows
