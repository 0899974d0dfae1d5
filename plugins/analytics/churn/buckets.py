"""Local calendar buckets (months, quarters, years) of UTC timestamps, in SQL.

Interactions are stored in UTC, but a customer's cohort is the *local* month of the first
purchase. Rather than a dialect's time-zone functions (SQLite has none for named zones),
each bucket boundary is turned into its UTC instant in Python and the bucket number is a
``CASE`` over those instants: the same SQL on SQLite and PostgreSQL, right across
daylight-saving changes. The buckets of a query are few (months of a period), so the
``CASE`` stays short.

PostgreSQL refuses ``GROUP BY`` on an expression whose bound parameters differ from the
SELECT's copy, so callers compute the bucket in a subquery and group by its column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, literal_column
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Interaction
from guanxi_analytics.common import add_months
from guanxi_analytics.settings import analytics_settings

Grain = Literal["month", "quarter", "year"]
GRAINS: tuple[str, ...] = ("month", "quarter", "year")
STEP = {"month": 1, "quarter": 3, "year": 12}


def grain_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the month, quarter or year holding ``day``."""
    if grain not in STEP:
        raise ValidationError("by", f"{grain!r} is not one of {', '.join(GRAINS)}")
    month = day.month - (day.month - 1) % STEP[grain]
    return dt.date(day.year, month, 1)


def grain_label(day: dt.date, grain: str) -> str:
    """``2026-03``, ``2026-Q1`` or ``2026`` for the bucket starting on ``day``."""
    if grain == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if grain == "year":
        return f"{day.year}"
    return f"{day.year:04d}-{day.month:02d}"


def boundaries(first: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    """Bucket starts from ``first`` (a bucket start) while before ``end``, then ``end``."""
    days = [first]
    while (following := add_months(days[-1], STEP[grain])) < end:
        days.append(following)
    return [*days, end]


def utc_instants(uow: UnitOfWork, days: Sequence[dt.date]) -> list[dt.datetime]:
    """The local midnights of ``days`` as UTC datetimes."""
    tz = uow.app.tz
    return [dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC) for day in days]


def bucket_of(column: Any, instants: Sequence[dt.datetime]) -> ColumnElement[int]:
    """0 for ``column`` in ``[instants[0], instants[1])``, 1 for the next, … (callers keep
    ``column`` inside ``[instants[0], instants[-1])``)."""
    inner = instants[1:-1]
    if not inner:
        return literal_column("0")
    whens = [(column < instant, literal_column(str(number)))
             for number, instant in enumerate(inner)]
    return case(*whens, else_=literal_column(str(len(inner))))


def within(column: Any, instants: Sequence[dt.datetime]) -> ColumnElement[bool]:
    """``column`` lies in ``[instants[0], instants[-1])``."""
    return and_(column >= instants[0], column < instants[-1])


def purchase_condition(uow: UnitOfWork) -> ColumnElement[bool]:
    """Purchases as the analytics settings define them (``purchase_kinds``), corrections
    excluded (a correction names the purchase it corrects and is no new purchase)."""
    kinds = analytics_settings(uow).purchase_kinds
    return and_(col(Interaction.kind).in_(kinds), col(Interaction.corrects_id).is_(None))


def spend_condition(uow: UnitOfWork) -> ColumnElement[bool]:
    """Rows whose revenue counts towards spend: purchases and their corrections (which
    carry negated amounts), so a month's spend is net of what was taken back."""
    return col(Interaction.kind).in_(analytics_settings(uow).purchase_kinds)


def parse_month(value: dt.date | str | None, field: str = "month") -> dt.date | None:
    """``YYYY-MM`` (or a date) as the month's first day; ``ValidationError`` naming
    ``field`` otherwise."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a month (YYYY-MM)") from None
