"""Parsers for the fields plugins take from people: dates, choices, amounts of money.

Each returns the clean value or raises :class:`guanxi.errors.ValidationError` naming the
field, so a command line or an API reports one line and stores nothing. Plugins never
import each other; what they all need to read the same way lives here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from guanxi.db.types import to_minor
from guanxi.errors import ValidationError

MAX_AMOUNT = Decimal("1e13")  # far below what integer hundredths in a BIGINT hold


def parse_date(value: dt.date | str | None, field_name: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` text; a datetime gives its date; None and empty text
    give None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def parse_choice(value: str | None, allowed: Sequence[str], field_name: str) -> str:
    """``value`` if it is one of ``allowed`` (case, spaces around it and ``-`` for ``_``
    forgiven); a ValidationError listing the choices otherwise."""
    text = (value or "").strip().lower().replace("-", "_")
    if text not in allowed:
        raise ValidationError(field_name, f"{value!r} is not one of {', '.join(allowed)}")
    return text


def clean_text(value: str | None, field_name: str, limit: int | None = None) -> str | None:
    """Stripped free text (None when empty); longer than ``limit`` characters is refused."""
    text = (value or "").strip()
    if limit is not None and len(text) > limit:
        raise ValidationError(field_name, f"at most {limit} characters")
    return text or None


def parse_money(value: Decimal | int | str, field_name: str) -> Decimal:
    """A non-negative amount of money with at most two decimals."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        to_minor(amount)
    except (InvalidOperation, ValueError):
        raise ValidationError(field_name, f"not an amount of money: {value!r}") from None
    if amount < 0:
        raise ValidationError(field_name, "must not be negative")
    if amount >= MAX_AMOUNT:
        raise ValidationError(field_name, f"{amount} is too large")
    return amount
