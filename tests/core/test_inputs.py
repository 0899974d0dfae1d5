"""The shared field parsers plugins use for what people type (guanxi.inputs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.errors import ValidationError
from guanxi.inputs import clean_text, parse_choice, parse_date, parse_money


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-05", dt.date(2026, 3, 5)),
    (" 2026-03-05 ", dt.date(2026, 3, 5)),
    (dt.date(2026, 3, 5), dt.date(2026, 3, 5)),
    (dt.datetime(2026, 3, 5, 23, 59), dt.date(2026, 3, 5)),
    (None, None),
    ("  ", None),
])
def test_parse_date_reads_dates_and_lets_nothing_through_as_nothing(
    value: object, expected: dt.date | None,
) -> None:
    assert parse_date(value, "due_on") == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["2026-02-30", "05/03/2026", "tomorrow"])
def test_parse_date_names_the_field(value: str) -> None:
    with pytest.raises(ValidationError, match=r"due_on.*not a date \(YYYY-MM-DD\)"):
        parse_date(value, "due_on")


def test_parse_choice_forgives_case_spaces_and_dashes_but_nothing_else() -> None:
    allowed = ("on_hold", "open")
    assert parse_choice(" On-Hold ", allowed, "status") == "on_hold"
    with pytest.raises(ValidationError, match="status.*'closed' is not one of on_hold, open"):
        parse_choice("closed", allowed, "status")
    with pytest.raises(ValidationError, match="status"):
        parse_choice(None, allowed, "status")


@pytest.mark.parametrize(("value", "expected"), [
    ("12.50", Decimal("12.50")), (0, Decimal(0)), (Decimal("3.1"), Decimal("3.1")),
])
def test_parse_money_reads_amounts(value: object, expected: Decimal) -> None:
    assert parse_money(value, "fee") == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "reason"), [
    ("1.234", "not an amount of money"), ("abc", "not an amount of money"),
    ("-1", "must not be negative"), ("1e13", "too large"),
])
def test_parse_money_refuses_what_cannot_be_stored(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=f"fee.*{reason}"):
        parse_money(value, "fee")


def test_clean_text_strips_empties_to_none_and_bounds_the_length() -> None:
    assert clean_text("  回访  ", "notes") == "回访"
    assert clean_text("   ", "notes") is None and clean_text(None, "notes") is None
    assert clean_text("x" * 50, "notes") == "x" * 50  # no bound unless asked
    with pytest.raises(ValidationError, match="notes.*at most 3 characters"):
        clean_text("四个字符", "notes", 3)
