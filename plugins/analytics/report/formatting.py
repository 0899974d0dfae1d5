"""How numbers read in the HTML report: thousands separators, percentages, money.

Areas hand the report plain values (:class:`guanxi_analytics.sections.Table` rows and
:class:`~guanxi_analytics.sections.Chart` series); this module decides how each reads:

* ``Decimal`` is money (the analytics convention: amounts people read stay ``Decimal``),
  shown with two decimals, thousands separators and the currency symbol;
* a ``float`` in a ratio column (its header names a rate, share, ratio, probability or
  ends in ``%``) or on a chart whose unit is ``"%"`` is a fraction, shown as a percentage;
* other numbers get thousands separators, floats at most two decimals;
* ``None``, NaN and infinities are shown as a dash, never as ``nan``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

DASH = "—"

# The symbols of the currencies a Chinese CRM meets; others are shown by their code.
CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "JPY": "¥", "USD": "$", "HKD": "HK$",
                    "EUR": "€", "GBP": "£", "TWD": "NT$"}

# Header words that make a column of fractions (0.25 → 25.0%). Chinese: 率 (rate),
# 占比 / 比例 (share), 概率 (probability). A header with "%" holds percentage points.
_RATIO_HEADER = re.compile(
    r"(rate|share|ratio|conversion|probability|p_alive|p\(alive\)|percent|率|占比|比例|概率)",
    re.IGNORECASE,
)
# Text that is a number already written out ("4794.00", "52.7%", "¥1,000"): right-aligned;
# a plain decimal gets thousands separators.
_NUMBER_TEXT = re.compile(r"^[-+]?[¥$€£]?\d[\d,]*(\.\d+)?%?$")
_PLAIN_DECIMAL = re.compile(r"^-?\d{4,}\.\d+$")
_MONEY_UNITS = set(CURRENCY_SYMBOLS) | {"money", "amount"}


def finite(value: Any) -> float | None:
    """``value`` as a float, or None for None, NaN, infinities and non-numbers."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def ratio_kind(header: str) -> str | None:
    """How a table column of floats holds ratios, judged by its header: ``"points"``
    when it says ``%`` (52.7 → 52.7%), ``"fraction"`` when it names a rate, share,
    ratio or probability (0.527 → 52.7%), None otherwise."""
    if "%" in header:
        return "points"
    return "fraction" if _RATIO_HEADER.search(header) else None


def percent(value: float, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.1234`` → ``12.3%``."""
    return f"{value * 100:,.{digits}f}%"


def number(value: float | int | Decimal, digits: int | None = None) -> str:
    """Thousands separators; integers without decimals, other values with up to two
    (trailing zeros dropped) unless ``digits`` is given."""
    if isinstance(value, int) or (digits is None and float(value).is_integer()
                                  and not isinstance(value, Decimal)):
        return f"{int(value):,}"
    if digits is not None:
        return f"{float(value):,.{digits}f}"
    text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money(value: float | Decimal, currency: str = "CNY") -> str:
    """``Decimal('12345.6')`` → ``¥12,345.60`` (a minus sign before the symbol)."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), f"{currency} ")
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


def cell(value: Any, *, ratio: str | None = None, currency: str = "CNY",
         yes_no: tuple[str, str] = ("yes", "no")) -> str:
    """One table cell as text (the template escapes it); ``ratio`` as
    :func:`ratio_kind` says for the column."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, Decimal):
        return money(value, currency) if value.is_finite() else DASH
    if isinstance(value, float):
        if not math.isfinite(value):
            return DASH
        if ratio == "fraction":
            return percent(value)
        return f"{value:,.1f}%" if ratio == "points" else number(value)
    if isinstance(value, int):
        return f"{value:,}%" if ratio == "points" else number(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if _PLAIN_DECIMAL.match(text):  # an amount an area passed as text: str(Decimal)
        whole, _, fraction = text.partition(".")
        return f"{int(whole):,}.{fraction}"
    return text


def is_numeric(value: Any) -> bool:
    """Whether a cell is a number, or text that is one (right-aligned in the table)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    return isinstance(value, str) and bool(_NUMBER_TEXT.match(value.strip()))


def value_text(value: float | None, unit: str, currency: str = "CNY") -> str:
    """A chart value as text for labels and tooltips, by the chart's ``unit``."""
    if value is None:
        return DASH
    if unit == "%":
        return percent(value)
    if unit.upper() in _MONEY_UNITS or unit == currency:
        return money(value, currency if unit.lower() in ("money", "amount") else unit)
    text = number(value)
    return f"{text} {unit}" if unit else text


def tick_text(value: float, step: float, unit: str) -> str:
    """An axis tick: as many decimals as the step needs, percentages for ``%``."""
    if unit == "%":
        digits = max(0, -math.floor(math.log10(step * 100) + 1e-9)) if step > 0 else 0
        return percent(value, digits)
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if abs(value) >= 10_000 and step >= 1_000:
        # 120,000 → 120k, 2,500,000 → 2.5M: axis labels stay short.
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= scale:
                return f"{value / scale:g}{suffix}"
    return f"{value:,.{digits}f}"
