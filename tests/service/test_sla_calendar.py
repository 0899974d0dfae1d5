"""Business-time arithmetic against a minute-by-minute oracle, weekends, holidays, 调休,
DST zones, and the settings that describe calendars."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticError

from guanxi_service.sla.calendar import AlwaysCalendar, BusinessCalendar, build_calendar
from guanxi_service.sla.settings import CalendarSettings, SlaSettings

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
LUNCH_WEEK = (((540, 720), (780, 1080)),) * 5 + ((), ())

# China 2026 (国务院办公厅 notice): the Spring Festival 2/15–2/23, make-up Saturdays 2/14, 2/28.
SPRING = CalendarSettings(
    hours={day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    holidays=[dt.date(2026, 2, 15) + dt.timedelta(days=n) for n in range(9)],
    workdays=[dt.date(2026, 2, 14), dt.date(2026, 2, 28)],
)


def local(text: str, tz: dt.tzinfo = SHANGHAI) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz).astimezone(UTC)


def shown(value: dt.datetime, tz: dt.tzinfo = SHANGHAI) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def minutes(value: int) -> dt.timedelta:
    return dt.timedelta(minutes=value)


@pytest.fixture
def office() -> BusinessCalendar:
    return BusinessCalendar("office", SHANGHAI, LUNCH_WEEK)


def test_adding_inside_a_working_day_skips_lunch(office: BusinessCalendar) -> None:
    assert shown(office.add(local("2026-03-02 10:00"), minutes(150))) == "2026-03-02 13:30"
    assert shown(office.add(local("2026-03-02 12:30"), minutes(30))) == "2026-03-02 13:30"
    # Exactly the rest of a morning ends at 12:00, not after lunch.
    assert shown(office.add(local("2026-03-02 11:00"), minutes(60))) == "2026-03-02 12:00"
    assert office.add(local("2026-03-07 10:00"), minutes(0)) == local("2026-03-07 10:00")


def test_a_target_runs_across_the_weekend(office: BusinessCalendar) -> None:
    # Friday 17:00 + 4 business hours: one hour on Friday, three on Monday morning.
    due = office.add(local("2026-03-06 17:00"), minutes(240))
    assert shown(due) == "2026-03-09 12:00"
    assert office.between(local("2026-03-06 17:00"), due) == minutes(240)
    # Opened on Saturday: the clock starts on Monday at 09:00.
    assert shown(office.add(local("2026-03-07 11:00"), minutes(60))) == "2026-03-09 10:00"
    assert office.between(local("2026-03-06 18:00"), local("2026-03-09 09:00")) == minutes(0)


def test_a_target_runs_across_the_spring_festival_and_its_make_up_days() -> None:
    calendar = build_calendar("cn", SPRING, "Asia/Shanghai")
    # Friday 13 Feb 17:00 + 16 business hours: 1 h on Friday, 8 h on Saturday 14 Feb (调休),
    # the holiday 15–23 Feb, then 7 h on Tuesday 24 Feb.
    due = calendar.add(local("2026-02-13 17:00"), minutes(16 * 60))
    assert shown(due) == "2026-02-24 17:00"
    assert calendar.between(local("2026-02-13 17:00"), due) == minutes(16 * 60)
    # Saturday 28 Feb is worked, Sunday 1 March is not.
    assert calendar.between(local("2026-02-28 00:00"), local("2026-03-02 00:00")) == minutes(480)
    assert calendar.hours_of(dt.date(2026, 2, 14)) == ((540, 720), (780, 1080))
    assert calendar.hours_of(dt.date(2026, 2, 16)) == ()


def test_24x7_counts_every_minute() -> None:
    always = AlwaysCalendar()
    start = local("2026-02-14 23:30")
    assert always.add(start, minutes(90)) == start + minutes(90)
    assert always.between(start, start + minutes(90)) == minutes(90)
    assert always.between(start + minutes(90), start) == minutes(0)


def test_dst_days_count_the_real_time_that_passes() -> None:
    york = ZoneInfo("America/New_York")
    night = BusinessCalendar("night", york, (((0, 1440),),) * 7)
    # 8 March 2026 has 23 hours in New York, 1 November 25.
    assert night.between(local("2026-03-08 00:00", york), local("2026-03-09 00:00", york)) \
        == dt.timedelta(hours=23)
    assert night.between(local("2026-11-01 00:00", york), local("2026-11-02 00:00", york)) \
        == dt.timedelta(hours=25)
    office = BusinessCalendar("office", york, LUNCH_WEEK)
    # Friday 17:00 EST + 2 h: Monday 10:00 EDT, over the spring-forward weekend.
    due = office.add(local("2026-03-06 17:00", york), minutes(120))
    assert shown(due, york) == "2026-03-09 10:00"


# ----------------------------------------------------------------------------- property

def _oracle_is_working(calendar: BusinessCalendar, instant: dt.datetime) -> bool:
    """Is the minute starting at ``instant`` business time? (local wall clock, by hand)"""
    seen = instant.astimezone(calendar.tz)
    minute = seen.hour * 60 + seen.minute
    return any(start <= minute < end for start, end in calendar.hours_of(seen.date()))


def _oracle_between(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> int:
    total, instant = 0, start
    while instant < end:
        total += _oracle_is_working(calendar, instant)
        instant += minutes(1)
    return total


def _oracle_add(calendar: BusinessCalendar, start: dt.datetime, amount: int) -> dt.datetime:
    instant = start
    while amount > 0:
        amount -= _oracle_is_working(calendar, instant)
        instant += minutes(1)
    return instant


# Interval ends on the half hour, away from 01:00–04:00 where DST zones change clocks.
ENDS = [0, *range(240, 1441, 30)]
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Sydney"]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    week = []
    for _ in range(7):
        ends = sorted(draw(st.sets(st.sampled_from(ENDS), max_size=4)))
        pairs = tuple((ends[i], ends[i + 1]) for i in range(0, len(ends) - 1, 2))
        week.append(pairs)
    if not any(week):
        week[0] = ((540, 1080),)
    base = dt.date(2026, 3, 1)
    days = st.integers(0, 60).map(lambda n: base + dt.timedelta(days=n))
    holidays = draw(st.frozensets(days, max_size=6))
    workdays = draw(st.frozensets(days, max_size=3)) - holidays
    return BusinessCalendar("drawn", zone, tuple(week), holidays, workdays,
                            ((600, 960),) if draw(st.booleans()) else ())


starts = st.integers(0, 40 * 24 * 60).map(
    lambda n: dt.datetime(2026, 2, 28, tzinfo=UTC) + minutes(n))


@settings(max_examples=60, deadline=None)
@given(calendars(), starts, st.integers(0, 3 * 24 * 60))
def test_between_matches_the_minute_by_minute_oracle(
    calendar: BusinessCalendar, start: dt.datetime, span: int
) -> None:
    end = start + minutes(span)
    assert calendar.between(start, end) == minutes(_oracle_between(calendar, start, end))


@settings(max_examples=60, deadline=None)
@given(calendars(), starts, st.integers(0, 2000))
def test_add_matches_the_minute_by_minute_oracle(
    calendar: BusinessCalendar, start: dt.datetime, amount: int
) -> None:
    due = calendar.add(start, minutes(amount))
    assert due == _oracle_add(calendar, start, amount)
    assert calendar.between(start, due) == minutes(amount)


# ----------------------------------------------------------------------------- settings

@pytest.mark.parametrize(("values", "message"), [
    ({"calendars": {"x": {"hours": {"mon": ["09:00-25:00"]}}}}, "not a time of day"),
    ({"calendars": {"x": {"hours": {"mon": ["18:00-09:00"]}}}}, "ends before it starts"),
    ({"calendars": {"x": {"hours": {"mon": ["09:00-13:00", "12:00-18:00"]}}}}, "overlap"),
    ({"calendars": {"x": {"hours": {"monday": ["09:00-18:00"]}}}}, "unknown weekday"),
    ({"calendars": {"x": {"hours": {"mon": ["9-18"]}}}}, "is not HH:MM-HH:MM"),
    ({"calendars": {"x": {"hours": {"mon": []}}}}, "no working interval"),
    ({"calendars": {"x": {"hours": {"mon": ["09:00-18:00"]}, "timezone": "Mars/Base"}}},
     "unknown time zone"),
    ({"calendars": {"x": {"hours": {"mon": ["09:00-18:00"]}, "holidays": ["2026-10-10"],
                          "workdays": ["2026-10-10"]}}}, "both a holiday and a make-up"),
    ({"calendars": {"24x7": {"hours": {"mon": ["09:00-18:00"]}}}}, "built in"),
    ({"policies": [{"name": "p", "first_response_minutes": 30, "calendar": "nowhere"}]},
     "unknown calendar 'nowhere'"),
    ({"policies": [{"name": "p"}]}, "neither a first-response nor a resolution target"),
    ({"policies": [{"name": "p", "resolution_minutes": 0}]}, "greater than 0"),
    ({"policies": [{"name": "p", "resolution_minutes": 60, "priorities": ["asap"]}]},
     "unknown priority 'asap'"),
    ({"policies": [{"name": "p", "resolution_minutes": 60, "types": ["gripe"]}]},
     "unknown ticket type 'gripe'"),
    ({"policies": [{"name": "p", "resolution_minutes": 60},
                   {"name": "p", "resolution_minutes": 90}]}, "defined twice"),
    ({"warn_at_percent": 80, "warn_before_minutes": 30}, "not both"),
    ({"warn_at_percent": 120}, "less than 100"),
    ({"escalation": {"every_minutes": 0}}, "greater than 0"),
    ({"escalation": {"levels": 2}}, "Extra inputs are not permitted"),
])
def test_bad_settings_are_refused_with_a_clear_reason(values: dict, message: str) -> None:
    with pytest.raises(PydanticError) as caught:
        SlaSettings.model_validate(values)
    assert message in str(caught.value)


def test_the_default_settings_are_a_working_generic_setup() -> None:
    defaults = SlaSettings()
    assert [p.name for p in defaults.policies] == ["urgent", "vip", "complaint", "high",
                                                   "standard"]
    calendar = build_calendar("default", defaults.calendars["default"], "Asia/Shanghai")
    assert calendar.between(local("2026-03-02 00:00"), local("2026-03-09 00:00")) == \
        minutes(5 * 8 * 60)
