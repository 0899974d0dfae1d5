"""SQL building blocks the analytics areas share (the pipeline and kpis areas use them).

Everything here builds portable SQLAlchemy expressions (SQLite ≥ 3.25 and PostgreSQL):
durations between two timestamps, a period cut into local calendar months, medians by
window functions, and the payload fields of logged interactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Integer, case, cast, extract, func, literal_column, select
from sqlalchemy.sql import ColumnElement, Subquery

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi.models import Interaction
from guanxi_analytics.common import Period, add_months, resolve_period


def days_between(uow: UnitOfWork, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in days (fractional), as SQL for the session's database.

    SQLite stores UTC timestamps as ISO text, which ``julianday`` reads; PostgreSQL
    subtracts and takes the seconds of the interval.
    """
    if uow.session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return cast(extract("epoch", later - earlier), Float) / literal_column("86400.0")


def month_bucket(uow: UnitOfWork, column: Any, period: Period) -> tuple[Any, list[str]]:
    """A CASE giving the index of the local calendar month ``column`` falls in, and the
    month labels (``2026-03``) by index.

    The bounds are computed here in the edition's time zone and compared as UTC
    instants, so a purchase at 23:30 on 31 March in Shanghai is March's on every
    database, without time-zone functions in SQL.
    """
    labels: list[str] = []
    whens = []
    for index, month in enumerate(period.months()):
        start = max(month, period.start)
        end = min(add_months(month, 1), period.end)
        low, high = Period(start, end).utc_bounds(uow.app.tz)
        whens.append(((column >= low) & (column < high), index))
        labels.append(month.strftime("%Y-%m"))
    return case(*whens, else_=None), labels


def median_by(source: Subquery, keys: Sequence[str], value: str) -> Any:
    """``SELECT keys…, median(value) … GROUP BY keys`` with window functions only.

    Rows are numbered within their group by value; the median is the average of the
    middle one (odd count n) or two (even n): the rows whose number r has n ≤ 2r ≤ n + 2.
    """
    groups = [source.c[key] for key in keys]
    amount = source.c[value]
    ranked = select(
        *[group.label(f"k{i}") for i, group in enumerate(groups)], amount.label("value"),
        func.row_number().over(partition_by=groups or None, order_by=amount).label("rn"),
        func.count().over(partition_by=groups or None).label("n"),
    ).where(amount.isnot(None)).subquery("ranked")
    two_r = ranked.c.rn * literal_column("2", Integer)
    columns = [ranked.c[f"k{i}"] for i in range(len(groups))]
    query = (select(*columns, func.avg(ranked.c.value))
             .where(two_r >= ranked.c.n, two_r <= ranked.c.n + literal_column("2", Integer)))
    return query.group_by(*columns) if columns else query


def text_field(name: str) -> ColumnElement[str]:
    """A payload field of an interaction as text (NULL when absent)."""
    return Interaction.payload[name].as_string()


def int_field(name: str) -> ColumnElement[int]:
    """A payload field of an interaction as an integer (NULL when absent)."""
    return Interaction.payload[name].as_integer()


def bool_field(name: str) -> ColumnElement[bool]:
    """A payload field of an interaction as a boolean (NULL when absent)."""
    return Interaction.payload[name].as_boolean()


def kinds_in(kinds: Sequence[str]) -> ColumnElement[bool]:
    """``interaction.kind IN (…)`` (the kind index serves it)."""
    return Interaction.kind.in_(list(kinds))


def period_from_options(uow: UnitOfWork, options: dict[str, Any],
                        extra: Sequence[str] = ()) -> Period:
    """The period of a report's ``from`` / ``to`` options (text dates, both optional);
    an option other than those and ``extra`` is refused, naming it."""
    allowed = ["from", "to", *extra]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValidationError(unknown[0], "is not an option of this report "
                              f"(options: {', '.join(allowed)})")
    return resolve_period(uow, parse_date(options.get("from"), "from"),
                          parse_date(options.get("to"), "to"))


def ratio(part: int | float, whole: int | float) -> float | None:
    """``part / whole`` rounded to 4 places; None when ``whole`` is 0 (no data)."""
    return round(part / whole, 4) if whole else None


def rounded(value: Any, places: int = 2) -> float | None:
    """A number from SQL rounded for people; None stays None."""
    return None if value is None else round(float(value), places)
