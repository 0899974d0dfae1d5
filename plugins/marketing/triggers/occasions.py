"""Date arithmetic of the triggers: yearly occasions, special dates, look-ahead windows.

Everything here works on local calendar dates (the edition's time zone); the queries
turn the windows into UTC instants. Pure functions, so the tricky cases (year ends,
29 February, movable and lunar dates) are tested without a database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from guanxi_marketing.triggers.settings import WEEKDAYS, OccasionSpec

FEB29 = "02-29"


def occasion_date(spec: OccasionSpec, year: int) -> dt.date | None:
    """The occasion's date in ``year``; None when a table of dates has no entry for it."""
    if spec.dates:
        return next((day for day in spec.dates if day.year == year), None)
    if spec.fixed is not None:
        month, day = (int(part) for part in spec.fixed.split("-"))
        if (month, day) == (2, 29) and not calendar.isleap(year):
            return dt.date(year, 2, 28)
        return dt.date(year, month, day)
    assert spec.month is not None and spec.weekday is not None and spec.nth is not None
    return nth_weekday(year, spec.month, WEEKDAYS.index(spec.weekday), spec.nth)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date | None:
    """The ``nth`` ``weekday`` (0 = Monday) of a month; ``nth = -1`` is the last one.

    None when the month has no such day (a fifth Monday in a short month).
    """
    days = [
        dt.date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if dt.date(year, month, d).weekday() == weekday
    ]
    index = nth - 1 if nth > 0 else nth
    return days[index] if -len(days) <= index < len(days) else None


def next_occurrence(spec: OccasionSpec, on: dt.date) -> dt.date | None:
    """The first occurrence on or after ``on`` (None if a date table has run out)."""
    for year in (on.year, on.year + 1):
        day = occasion_date(spec, year)
        if day is not None and day >= on:
            return day
    return None


def previous_occurrences(spec: OccasionSpec, before: dt.date, count: int) -> list[dt.date]:
    """The ``count`` occurrences in the years before ``before``'s year, oldest first.

    An occurrence missing from a date table is left out, so the caller can tell the
    history is incomplete by the length.
    """
    days = [occasion_date(spec, before.year - back) for back in range(count, 0, -1)]
    return [day for day in days if day is not None]


@dataclass(frozen=True)
class DayInWindow:
    """A calendar day in the look-ahead window and the ``MM-DD`` values celebrated on it."""

    day: dt.date
    month_days: tuple[str, ...]


def celebrated_on(day: dt.date, feb29_in_common_years: str = "02-28") -> tuple[str, ...]:
    """The ``MM-DD`` values whose yearly occurrence falls on ``day``.

    In a common year a 29 February date is celebrated on 28 February (or 1 March, as
    configured); in a leap year it has its own day.
    """
    month_day = day.strftime("%m-%d")
    if not calendar.isleap(day.year) and month_day == feb29_in_common_years:
        return (month_day, FEB29)
    return (month_day,)


def window(on: dt.date, lead_days: int, feb29_in_common_years: str = "02-28") -> list[DayInWindow]:
    """The days from ``on`` to ``on + lead_days``: dates due to be greeted on ``on``.

    A date is greeted ``lead_days`` ahead; taking the whole window (not only the day
    exactly ``lead_days`` ahead) means a day the job did not run is caught up on the next
    run, and the fire table keeps anyone from being greeted twice.
    """
    return [
        DayInWindow(day, celebrated_on(day, feb29_in_common_years))
        for day in _days(on, on + dt.timedelta(days=lead_days))
    ]


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def local_day_bounds(
    day_from: dt.date, day_to: dt.date, tz: dt.tzinfo
) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants from local midnight of ``day_from`` to local midnight after ``day_to``."""
    start = dt.datetime.combine(day_from, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def period_key(day: dt.date, period: str) -> str:
    """The campaign period a day belongs to: ``2026-05-13``, ``2026-05`` or ``2026``."""
    if period == "day":
        return day.isoformat()
    if period == "month":
        return day.strftime("%Y-%m")
    return str(day.year)

