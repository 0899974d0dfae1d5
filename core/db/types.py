"""Column types shared by the core and plugins.

* :data:`BigID` — 64-bit keys on PostgreSQL (room for a distributed deployment), the
  ``INTEGER PRIMARY KEY`` rowid alias on SQLite (which is already 64-bit).
* :class:`UTCDateTime` — timezone-aware datetimes, stored in UTC. SQLite has no time
  zone type, so values are stored naive-in-UTC there and made aware again on read.
* :class:`Money` — ``Decimal`` in Python, an integer count of hundredths in the
  database, so sums are exact in SQL on every backend (SQLite has no DECIMAL).
  :class:`Quantity` does the same with four places, for quantities and rates.
  See docs/decisions/0002-money-as-integer-hundredths.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

BigID = BigInteger().with_variant(Integer(), "sqlite")

MONEY_PLACES = 2
QUANTITY_PLACES = 4


def to_scaled(amount: Decimal | int | str | float, places: int) -> int:
    """``amount`` as an integer count of 10^-places; more decimals than that is an error.

    Floats are accepted only through their shortest decimal repr, so ``0.1`` means
    exactly one tenth and never 0.1000000000000000055….
    """
    try:
        value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    step = Decimal(1).scaleb(-places)
    if value != value.quantize(step, rounding=ROUND_HALF_EVEN):
        raise ValueError(f"{amount} has more than {places} decimal places")
    return int(value.scaleb(places))


def from_scaled(scaled: int | None, places: int) -> Decimal | None:
    """An integer count of 10^-places back as a ``Decimal`` with that many places."""
    if scaled is None:
        return None
    return Decimal(int(scaled)).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def to_minor(amount: Decimal | int | str | float) -> int:
    """An amount of money as integer hundredths; more than two decimals is an error."""
    return to_scaled(amount, MONEY_PLACES)


def from_minor(minor: int | None) -> Decimal | None:
    """Integer hundredths back to a ``Decimal`` with two places."""
    return from_scaled(minor, MONEY_PLACES)


class Money(TypeDecorator[Decimal]):
    """A ``Decimal`` amount stored as integer hundredths (exact sums in SQL)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return to_minor(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return from_minor(value)

    def bulk_bind_processor(self, dialect: Dialect) -> Any:
        """A faster equivalent of the bind processor, for bulk inserts.

        A ``Decimal`` with at most two places, or an ``int``, is scaled directly; any
        other value takes :func:`to_minor` (which also raises the errors).
        """
        inner = self.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        if inner is None:
            return bulk_minor
        return lambda value: inner(bulk_minor(value))


# Beyond this to_minor's own arithmetic hits the decimal context's precision; leave
# such amounts (and its errors) to it.
_BULK_LIMIT = 10**20


def bulk_minor(value: Any) -> int:
    """``to_minor(value)`` with a fast path for the common exact cases."""
    kind = type(value)
    if kind is Decimal:
        # Exact, without the decimal context's rounding: value = n/d in lowest terms
        # has at most two decimals exactly when d divides 100.
        if value.is_finite() and -_BULK_LIMIT < value < _BULK_LIMIT:
            numerator, denominator = value.as_integer_ratio()
            if 100 % denominator == 0:
                return numerator * (100 // denominator)
    elif kind is int and -_BULK_LIMIT < value < _BULK_LIMIT:
        return value * 100
    return to_minor(value)


class Quantity(TypeDecorator[Decimal]):
    """A ``Decimal`` quantity or rate with four places, stored as an integer (exact)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return to_scaled(value, QUANTITY_PLACES)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return from_scaled(value, QUANTITY_PLACES)


def to_utc(value: dt.datetime) -> dt.datetime:
    """Return ``value`` in UTC; a naive datetime is refused (its zone is unknown)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"datetime {value.isoformat()} has no time zone")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01 00:00+08:00 is before the first UTC datetime
        raise ValueError(f"datetime {value.isoformat()} is out of range in UTC") from None


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetime stored in UTC (naive UTC on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        utc = to_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def bulk_bind_processor(self, dialect: Dialect) -> Any:
        """A faster equivalent of the bind processor, for bulk inserts (SQLite only).

        SQLAlchemy's SQLite ``DATETIME`` stores ``YYYY-MM-DD HH:MM:SS.ffffff``; for a
        datetime already in UTC that is its ``isoformat`` cut before the offset. Other
        values go through the full processor (which converts, or refuses naive ones).
        """
        full = self.dialect_impl(dialect).bind_processor(dialect)
        if dialect.name != "sqlite" or full is None:
            return full
        utc = dt.UTC

        def process(value: Any) -> Any:
            if type(value) is dt.datetime and value.tzinfo is utc:
                return value.isoformat(" ", "microseconds")[:26]
            return full(value)

        return process


# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")
