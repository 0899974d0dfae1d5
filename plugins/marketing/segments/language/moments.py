"""Turning date values of an expression into dates and instants.

A relative value (``90 days ago``, ``today``) is resolved against the unit of work's
``now``, in the edition's display time zone: "today" is the local calendar day, and a
date written without a time means that local day (``created_at = 2026-03-01`` is every
instant of that day in Asia/Shanghai, not in UTC).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from guanxi_marketing.segments.language.syntax import TODAY, Literal, RelativeTime, Value


@dataclass(frozen=True)
class Clock:
    """The moment an expression is evaluated at, and the zone its dates are read in."""

    now: dt.datetime  # aware
    tz: ZoneInfo

    def today(self) -> dt.date:
        """The local calendar day of ``now``."""
        return self.now.astimezone(self.tz).date()

    def start_of(self, day: dt.date) -> dt.datetime:
        """The first instant of the local ``day``, in UTC."""
        return dt.datetime.combine(day, dt.time(), self.tz).astimezone(dt.UTC)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """A naive date-time read as local time, in UTC (an aware one is kept)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(dt.UTC)


def shift_back(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """``moment`` minus ``amount`` units; months and years are calendar ones (31 March
    minus one month is 28 or 29 February)."""
    if unit == "day":
        return moment - dt.timedelta(days=amount)
    if unit == "week":
        return moment - dt.timedelta(weeks=amount)
    months = amount * (12 if unit == "year" else 1)
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def as_day(value: Value, clock: Clock) -> dt.date | None:
    """The calendar day ``value`` names, or None when it names an instant."""
    if isinstance(value, RelativeTime):
        if value.anchor != TODAY:
            return None
        midnight = dt.datetime.combine(clock.today(), dt.time())
        return shift_back(midnight, value.amount, value.unit).date()
    if isinstance(value.value, dt.datetime):
        return None
    if isinstance(value.value, dt.date):
        return value.value
    return None


def as_date(value: Value, clock: Clock) -> dt.date:
    """A value as a calendar date (for date fields): ``90 days ago`` is a local day."""
    if isinstance(value, RelativeTime):
        local_now = clock.now.astimezone(clock.tz)
        return shift_back(local_now, value.amount, value.unit).date()
    assert isinstance(value, Literal) and isinstance(value.value, dt.date)
    return value.value if not isinstance(value.value, dt.datetime) else value.value.date()


def as_instant(value: Value, clock: Clock) -> dt.datetime:
    """A value as an aware UTC instant (for date-time fields); a day is its first instant."""
    if isinstance(value, RelativeTime):
        base = clock.start_of(clock.today()) if value.anchor == TODAY else clock.now
        local = base.astimezone(clock.tz)
        return shift_back(local, value.amount, value.unit).astimezone(dt.UTC)
    assert isinstance(value, Literal) and isinstance(value.value, dt.date)
    if isinstance(value.value, dt.datetime):
        return clock.local(value.value)
    return clock.start_of(value.value)
