"""Business-time arithmetic: add business time to an instant, count it between two.

A calendar turns each local date into its working intervals as UTC instants (cached per
date), so both operations walk day by day and touch only the days they span: a target
of a few business days costs a handful of steps, whatever the time of day.

On the day a DST zone changes its clocks, an interval counts the real time that passes
between its two ends; an end that falls in the skipped or repeated hour is read at its
first occurrence (``fold=0``). Working hours rarely start between 01:00 and 03:00.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

from guanxi.errors import ConfigError
from guanxi_service.sla.settings import (
    ALWAYS,
    WEEKDAYS,
    CalendarSettings,
    SlaSettings,
    parse_intervals,
)

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)
ZERO = dt.timedelta(0)
# No calendar needs more than this many days to find its next working minute; a walk
# beyond it means a configuration no target can be met in (refused, not looped on).
HORIZON_DAYS = 3 * 366

Interval = tuple[dt.datetime, dt.datetime]


class Calendar(Protocol):
    """What policies need of a calendar."""

    name: str

    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The first instant by which ``amount`` of business time has passed since ``start``."""
        ...

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time in ``[start, end)`` (zero if ``end`` is not after ``start``)."""
        ...


class AlwaysCalendar:
    """``24x7``: every instant is business time."""

    name = ALWAYS

    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        return start + max(amount, ZERO)

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return max(end - start, ZERO)

    def intervals(self, day: dt.date) -> tuple[Interval, ...]:
        return ((_utc(day, 0, UTC), _utc(day, 1440, UTC)),)


def _utc(day: dt.date, minute: int, tz: dt.tzinfo) -> dt.datetime:
    """Local ``day`` at ``minute`` of the day (1440: the next midnight) in UTC."""
    if minute == 1440:
        day, minute = day + ONE_DAY, 0
    local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
    return local.astimezone(UTC)


class BusinessCalendar:
    """Working hours per weekday, holidays and make-up working days, in one time zone."""

    def __init__(
        self,
        name: str,
        tz: dt.tzinfo,
        week: tuple[tuple[tuple[int, int], ...], ...],
        holidays: frozenset[dt.date] = frozenset(),
        workdays: frozenset[dt.date] = frozenset(),
        workday_hours: tuple[tuple[int, int], ...] = (),
    ):
        if not any(week):
            raise ConfigError(f"calendar {name!r} has no working interval on any weekday")
        self.name = name
        self.tz = tz
        self.week = week
        self.holidays = holidays
        self.workdays = workdays
        self.workday_hours = workday_hours or week[0]
        self._days: dict[dt.date, tuple[Interval, ...]] = {}

    def hours_of(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        """The working intervals of a local date, in minutes of the day."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.workday_hours
        return self.week[day.weekday()]

    def intervals(self, day: dt.date) -> tuple[Interval, ...]:
        """The working intervals of a local date as UTC instants (cached)."""
        found = self._days.get(day)
        if found is None:
            found = tuple(
                (_utc(day, start, self.tz), _utc(day, end, self.tz))
                for start, end in self.hours_of(day)
            )
            self._days[day] = found
        return found

    def _first_day(self, instant: dt.datetime) -> dt.date:
        # The day before too: its last interval may end after a DST fold.
        return instant.astimezone(self.tz).date() - ONE_DAY

    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        if amount <= ZERO:
            return start
        remaining = amount
        day = self._first_day(start)
        for _ in range(HORIZON_DAYS):
            for begin, end in self.intervals(day):
                if end <= start:
                    continue
                if begin < start:
                    begin = start
                span = end - begin
                if remaining <= span:
                    return begin + remaining
                remaining -= span
            day += ONE_DAY
        raise ConfigError(f"calendar {self.name!r}: no business time within {HORIZON_DAYS} days")

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        if end <= start:
            return ZERO
        total = ZERO
        day = self._first_day(start)
        last = end.astimezone(self.tz).date()
        while day <= last:
            for begin, stop in self.intervals(day):
                if stop <= start or begin >= end:
                    continue
                total += min(stop, end) - max(begin, start)
            day += ONE_DAY
        return total


def build_calendar(name: str, settings: CalendarSettings, default_tz: str) -> BusinessCalendar:
    """A calendar from its settings; ``default_tz`` when it names no zone of its own."""
    week = tuple(parse_intervals(settings.hours.get(day, [])) for day in WEEKDAYS)
    workday_hours = parse_intervals(settings.workday_hours) if settings.workday_hours else ()
    return BusinessCalendar(
        name,
        ZoneInfo(settings.timezone or default_tz),
        week,
        frozenset(settings.holidays),
        frozenset(settings.workdays),
        workday_hours,
    )


# Calendars built once per settings object (an app keeps its settings for its lifetime);
# the settings object is kept with them so its id is not reused while cached.
_BUILT: dict[int, tuple[SlaSettings, str, dict[str, Calendar]]] = {}


def calendars(settings: SlaSettings, default_tz: str) -> dict[str, Calendar]:
    """Every calendar of ``settings`` by name, ``24x7`` included."""
    cached = _BUILT.get(id(settings))
    if cached is not None and cached[0] is settings and cached[1] == default_tz:
        return cached[2]
    built: dict[str, Calendar] = {ALWAYS: AlwaysCalendar()}
    for name, calendar_settings in settings.calendars.items():
        built[name] = build_calendar(name, calendar_settings, default_tz)
    _BUILT[id(settings)] = (settings, default_tz, built)
    return built


def calendar_named(settings: SlaSettings, default_tz: str, name: str) -> Calendar:
    """One calendar by name; :class:`ConfigError` if there is none."""
    found = calendars(settings, default_tz).get(name)
    if found is None:
        known = ", ".join(sorted(calendars(settings, default_tz)))
        raise ConfigError(f"no SLA calendar {name!r} (known: {known})")
    return found
