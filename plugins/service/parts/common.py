"""What the parts modules share: entity names, lookups and input parsing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.parts.models import Part, StockLocation
from guanxi_service.parts.settings import PartSettings

PART = "service.part"
LOCATION = "service.stock_location"
STOCK = "service.stock"
MOVEMENT = "service.stock_movement"
ADJUSTMENT = "service.stock_adjustment"
RESERVATION = "service.part_reservation"
STOCKOUT = "service.stockout"
MAX_QUANTITY = 1_000_000_000


def part_settings(app: App) -> PartSettings:
    """The resolved ``[service.parts]`` settings."""
    return app.settings_for("service").parts


def get_part(uow: UnitOfWork, ref: int | str, field_name: str = "part") -> Part:
    """A part by part number (or ``#id``/id when no part has that number); bad input of
    ``field_name`` when there is none."""
    require(uow, PART, "read")
    text = str(ref).strip()
    found = uow.session.exec(select(Part).where(Part.number == text.upper())).scalars().first()
    if found is None and text.lstrip("#").isdigit():
        found = uow.session.get(Part, int(text.lstrip("#")))
    if found is None:
        raise ValidationError(field_name, f"no part {ref!r}")
    return found


def get_location(uow: UnitOfWork, ref: int | str, field_name: str = "location") -> StockLocation:
    """A stock location by code (or id); bad input of ``field_name`` when there is none."""
    require(uow, LOCATION, "read")
    text = str(ref).strip()
    found = uow.session.exec(
        select(StockLocation).where(StockLocation.code == text.upper())).scalars().first()
    if found is None and text.lstrip("#").isdigit():
        found = uow.session.get(StockLocation, int(text.lstrip("#")))
    if found is None:
        raise ValidationError(field_name, f"no stock location {ref!r}")
    return found


def parse_quantity(value: Any, field_name: str = "quantity", *, allow_zero: bool = False,
                   allow_negative: bool = False) -> int:
    """A whole number of units (parts are counted, not weighed)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(field_name, f"not a whole number: {value!r}") from None
    if abs(number) >= MAX_QUANTITY:
        raise ValidationError(field_name, f"{number} is too large")
    if number < 0 and not allow_negative:
        raise ValidationError(field_name, "must not be negative")
    if number == 0 and not allow_zero:
        raise ValidationError(field_name, "must be more than zero")
    return number


def parse_day(value: Any, field_name: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def not_found_as(field_name: str, exc: NotFoundError) -> ValidationError:
    """A lookup that found nothing, as bad input of ``field_name``."""
    return ValidationError(field_name, str(exc))
