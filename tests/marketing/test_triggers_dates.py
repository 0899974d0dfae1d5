"""The triggers' date arithmetic: occasions, look-ahead windows, year ends, 29 February."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError as PydanticError

from guanxi_marketing.triggers.occasions import (
    celebrated_on,
    local_day_bounds,
    next_occurrence,
    nth_weekday,
    occasion_date,
    period_key,
    previous_occurrences,
    window,
)
from guanxi_marketing.triggers.settings import (
    OccasionSpec,
    TriggerSettings,
    TriggerSpec,
    default_occasions,
)

MOTHERS_DAY = OccasionSpec(month=5, weekday="sun", nth=2)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2010, "2010-05-09"), (2011, "2011-05-08"), (2012, "2012-05-13"), (2026, "2026-05-10")],
)
def test_mothers_day_is_the_second_sunday_of_may(year: int, expected: str) -> None:
    assert occasion_date(MOTHERS_DAY, year) == dt.date.fromisoformat(expected)


def test_nth_weekday_last_and_missing() -> None:
    assert nth_weekday(2026, 5, 0, -1) == dt.date(2026, 5, 25)  # last Monday of May
    assert nth_weekday(2026, 2, 0, 5) is None  # February 2026 has four Mondays
    assert nth_weekday(2026, 6, 6, 3) == dt.date(2026, 6, 21)  # Father's Day


def test_fixed_and_table_occasions() -> None:
    feb29 = OccasionSpec(fixed="02-29")
    assert occasion_date(feb29, 2028) == dt.date(2028, 2, 29)
    assert occasion_date(feb29, 2027) == dt.date(2027, 2, 28)
    mid_autumn = default_occasions()["mid_autumn"]
    assert occasion_date(mid_autumn, 2026) == dt.date(2026, 9, 25)
    assert occasion_date(mid_autumn, 2031) is None  # the table ends in 2030
    assert next_occurrence(mid_autumn, dt.date(2030, 9, 13)) is None


def test_next_occurrence_crosses_the_year() -> None:
    christmas = OccasionSpec(fixed="12-25")
    assert next_occurrence(christmas, dt.date(2026, 12, 25)) == dt.date(2026, 12, 25)
    assert next_occurrence(christmas, dt.date(2026, 12, 26)) == dt.date(2027, 12, 25)
    spring = default_occasions()["spring_festival"]
    assert next_occurrence(spring, dt.date(2026, 12, 30)) == dt.date(2027, 2, 6)


def test_previous_occurrences_are_the_years_before() -> None:
    assert previous_occurrences(MOTHERS_DAY, dt.date(2012, 5, 13), 2) == [
        dt.date(2010, 5, 9),
        dt.date(2011, 5, 8),
    ]
    spring = default_occasions()["spring_festival"]
    assert previous_occurrences(spring, dt.date(2025, 1, 29), 2) == [dt.date(2024, 2, 10)]


def test_window_crosses_the_year_end() -> None:
    days = window(dt.date(2026, 12, 30), 3)
    assert [d.day.isoformat() for d in days] == [
        "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02",
    ]
    assert [d.month_days for d in days][2] == ("01-01",)


def test_feb29_is_celebrated_on_feb28_in_common_years() -> None:
    assert celebrated_on(dt.date(2027, 2, 28)) == ("02-28", "02-29")
    assert celebrated_on(dt.date(2028, 2, 28)) == ("02-28",)
    assert celebrated_on(dt.date(2028, 2, 29)) == ("02-29",)
    assert celebrated_on(dt.date(2027, 3, 1), "03-01") == ("03-01", "02-29")
    assert celebrated_on(dt.date(2027, 2, 28), "03-01") == ("02-28",)


def test_local_day_bounds_are_local_midnights_in_utc() -> None:
    may_day = dt.date(2026, 5, 1)
    start, end = local_day_bounds(may_day, may_day, ZoneInfo("Asia/Shanghai"))
    assert start == dt.datetime(2026, 4, 30, 16, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 5, 1, 16, tzinfo=dt.UTC)


def test_period_keys() -> None:
    day = dt.date(2026, 5, 13)
    assert [period_key(day, p) for p in ("day", "month", "year")] == [
        "2026-05-13", "2026-05", "2026",
    ]


def test_settings_refuse_inconsistent_triggers() -> None:
    with pytest.raises(PydanticError, match="exactly one"):
        OccasionSpec(fixed="05-01", month=5, weekday="sun", nth=1)
    with pytest.raises(PydanticError, match="not MM-DD"):
        OccasionSpec(fixed="13-01")
    with pytest.raises(PydanticError, match="needs an occasion"):
        TriggerSpec(name="x", type="repeat_purchase", template="t")
    with pytest.raises(PydanticError, match="cool_down_days"):
        TriggerSpec(name="x", type="lapsed", template="t", cool_down_days=7)
    with pytest.raises(PydanticError, match="announcement"):
        TriggerSpec(name="x", type="product_match", template="t", tags=["tea"])
    birthday = TriggerSpec(name="x", type="special_date", template="t")
    with pytest.raises(PydanticError, match="unique"):
        TriggerSettings(triggers=[birthday, birthday])
    with pytest.raises(PydanticError, match="unknown occasion"):
        TriggerSettings(
            triggers=[TriggerSpec(name="y", type="repeat_purchase", template="t", occasion="no")]
        )
