"""What every analytics area shares: the period an analysis covers and its options.

An analysis runs over a :class:`Period` of calendar days in the edition's time zone
(``--from`` and ``--to`` on the command line, both inclusive there). Interactions carry
UTC timestamps, so :meth:`Period.utc_bounds` turns the days into the instants the SQL
compares against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError

F = TypeVar("F", bound=Callable[..., Any])

# An analysis without --from covers the twelve months up to and including today.
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class Period:
    """Calendar days ``start`` (inclusive) to ``end`` (exclusive), in local time."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError(
                "to", f"the period ends ({self.last}) before it starts ({self.start})"
            )

    @property
    def last(self) -> dt.date:
        """The last day in the period (what a person would write as ``--to``)."""
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days

    def utc_bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The period's first and past-the-end instants, as UTC datetimes."""
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(self.end, dt.time(), tzinfo=tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def months(self) -> Iterator[dt.date]:
        """The first day of every calendar month the period touches."""
        month = self.start.replace(day=1)
        while month < self.end:
            yield month
            month = add_months(month, 1)

    def label(self) -> str:
        """``2026-01-01 – 2026-12-31``, for headings."""
        return f"{self.start.isoformat()} – {self.last.isoformat()}"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (the day of month clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def default_period(uow: UnitOfWork) -> Period:
    """The :data:`DEFAULT_MONTHS` months up to and including today (local time)."""
    today = uow.today()
    start = add_months(today.replace(day=1), -(DEFAULT_MONTHS - 1))
    return Period(start, today + dt.timedelta(days=1))


def resolve_period(uow: UnitOfWork, start: dt.date | None, last: dt.date | None) -> Period:
    """The period from the ``--from`` / ``--to`` options (``last`` inclusive).

    Either may be omitted: ``--to`` defaults to today, ``--from`` to
    :data:`DEFAULT_MONTHS` months before ``--to``.
    """
    last = last or uow.today()
    if start is None:
        start = add_months(last.replace(day=1), -(DEFAULT_MONTHS - 1))
    return Period(start, last + dt.timedelta(days=1))


def period_options(func: F) -> F:
    """``--from DATE`` and ``--to DATE`` (inclusive, local days) as ``start`` / ``last``."""
    func = click.option(
        "--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None,
        callback=_to_date, help="Last day of the period (default: today).",
    )(func)
    return click.option(
        "--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
        callback=_to_date, help="First day of the period (default: 12 months back).",
    )(func)


def _to_date(
    ctx: click.Context, param: click.Parameter, value: dt.datetime | None
) -> dt.date | None:
    return value.date() if value is not None else None
