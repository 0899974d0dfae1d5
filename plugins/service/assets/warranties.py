"""Warranty terms of an asset (保修): add them, list them, and say whether one covers a day.

A term is valid ``starts_on``..``ends_on`` inclusive. It starts at the handover by
default and not before it unless the caller says so (a dealer's pre-delivery warranty).
An asset may hold several terms (the standard one, an extended one, a component's);
it is *in warranty* on a day one of them covers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi.services.interactions import log_interaction
from guanxi_service.assets.common import (
    ASSET,
    WARRANTY,
    asset_settings,
    get_asset,
    parse_text,
    record_event,
)
from guanxi_service.assets.models import Asset, Warranty
from guanxi_service.assets.settings import DefaultWarranty

MAX_MONTHS = 240


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: dt.date, months: int) -> dt.date:
    """The last day of a term of ``months`` months starting on ``start``."""
    return add_months(start, months) - dt.timedelta(days=1)


def _months(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        months = int(str(value).strip())
    except ValueError:
        raise ValidationError("months", f"not a whole number: {value!r}") from None
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError("months", f"must be 1 to {MAX_MONTHS}")
    return months


def add_warranty(
    uow: UnitOfWork, asset_id: int | str, *, terms: str, starts_on: dt.date | str | None = None,
    ends_on: dt.date | str | None = None, months: int | str | None = None,
    coverage: str | None = None, before_handover: bool = False, is_default: bool = False,
) -> Warranty:
    """Add a warranty term to an active asset: ``ends_on`` or ``months`` (from the start).

    The start defaults to the handover date (today if not handed over yet). A term that
    ended before today is stored as already expired: the expiry job does not announce it.
    """
    require(uow, WARRANTY, "create")
    asset = get_asset(uow, asset_id)
    if asset.status != "active":
        raise ValidationError("asset", f"asset {asset.serial_number} is {asset.status}")
    name = parse_text(terms, "terms", 120, required=True)
    start = parse_date(starts_on, "starts_on") or asset.handed_over_on or uow.today()
    end = parse_date(ends_on, "ends_on")
    length = _months(months)
    if end is not None and length is not None:
        raise ValidationError("months", "give either ends_on or months, not both")
    if end is None and length is None:
        raise ValidationError("ends_on", "is required (or months)")
    if end is None:
        assert length is not None
        end = term_end(start, length)
    if end < start:
        raise ValidationError("ends_on", f"{end} is before the start {start}")
    if (asset.handed_over_on is not None and start < asset.handed_over_on
            and not before_handover):
        raise ValidationError(
            "starts_on", f"{start} is before the handover on {asset.handed_over_on} "
                         "(say so to allow it)")
    covered = parse_text(coverage, "coverage")
    warranty = Warranty(
        asset_id=asset.id, customer_id=asset.customer_id, terms=name, starts_on=start,
        ends_on=end, coverage=covered, is_default=is_default,
        expired_logged=end < uow.today(), created_at=uow.now)
    uow.session.add(warranty)
    uow.session.flush()
    record_event(uow, asset, "warranty_added", to_value=f"{start}..{end}", body=name)
    log_interaction(
        uow, customer_id=asset.customer_id, kind="service.warranty_added", direction="internal",
        actor=uow.actor_id, subject=f"{name} {asset.serial_number}"[:500],
        payload=warranty_payload(asset, warranty))
    return warranty


def warranty_payload(asset: Asset, warranty: Warranty) -> dict[str, object]:
    """The payload of ``service.warranty_added`` / ``_expired``."""
    return {"asset_id": asset.id, "warranty_id": warranty.id, "serial": asset.serial_number,
            "terms": warranty.terms, "starts_on": warranty.starts_on,
            "ends_on": warranty.ends_on}


def default_warranty_for(uow: UnitOfWork, asset: Asset) -> DefaultWarranty | None:
    """The settings' default warranty of the asset's model, else its product, else ``*``."""
    defaults = asset_settings(uow.app).default_warranties
    for key in (asset.model, asset.product, "*"):
        if key and key in defaults:
            return defaults[key]
    return None


def apply_default_warranty(uow: UnitOfWork, asset: Asset) -> Warranty | None:
    """Give a handed-over asset its product's default warranty, once (None: none configured,
    not handed over, or it already has it)."""
    default = default_warranty_for(uow, asset)
    if default is None or asset.handed_over_on is None:
        return None
    has = uow.session.exec(select(Warranty.id).where(
        Warranty.asset_id == asset.id, Warranty.is_default.is_(True))).first()  # type: ignore[union-attr]
    if has is not None:
        return None
    terms = default.terms or f"standard warranty {default.months} months"
    return add_warranty(uow, asset.id, terms=terms, months=default.months,
                        coverage=default.coverage, is_default=True)


def list_warranties(uow: UnitOfWork, asset_id: int | str) -> list[Warranty]:
    """The warranty terms of an asset the principal may see, by start date."""
    require(uow, WARRANTY, "read")
    asset = get_asset(uow, asset_id)
    return list(uow.session.exec(select(Warranty).where(Warranty.asset_id == asset.id)
                                 .order_by(Warranty.starts_on, Warranty.id)).scalars())


def status_of(terms: Iterable[tuple[dt.date, dt.date]], on: dt.date) -> str:
    """``in_warranty`` if a (start, end) term covers ``on``, ``expired`` if there are terms
    but none covers it, ``none`` without terms."""
    spans = list(terms)
    if not spans:
        return "none"
    return "in_warranty" if any(s <= on <= e for s, e in spans) else "expired"


def warranty_status(uow: UnitOfWork, asset_id: int, on: dt.date) -> str:
    """``in_warranty`` (a term covers ``on``), ``expired`` (terms, none covering) or ``none``.

    NotFoundError when the principal may not see the asset. A term that starts after
    ``on`` (an extended warranty not yet begun) counts as not covering it.
    """
    require(uow, ASSET, "read")
    asset = get_asset(uow, asset_id)
    spans = uow.session.exec(select(Warranty.starts_on, Warranty.ends_on).where(
        Warranty.asset_id == asset.id)).all()
    return status_of([(s, e) for s, e in spans], on)
