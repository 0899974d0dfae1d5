"""What the assets modules share: entity names, settings, lookups and input parsing.

Every lookup reads through ORM queries on ``uow.session``, so the record policies of the
acting principal decide what is found (an invisible asset or customer is "not found").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, CustomerRole
from guanxi_service.assets.models import Asset, AssetEvent
from guanxi_service.assets.settings import AssetSettings

ASSET = "service.asset"
WARRANTY = "service.warranty"
ASSET_EVENT = "service.asset_event"

# Letters, digits and the separators serial numbers, VINs and engine numbers use.
SERIAL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9\-_/.#]*$")
MAX_SERIAL = 80
MAX_ATTRIBUTES = 50


def asset_settings(app: App) -> AssetSettings:
    """The resolved ``[service.assets]`` settings."""
    return app.settings_for("service").assets


def get_asset(uow: UnitOfWork, asset_id: int | str) -> Asset:
    """The asset by id (or serial number) if the principal may see it; NotFoundError if not."""
    require(uow, ASSET, "read")
    text = str(asset_id).strip()
    asset = None
    if text.isdigit() and len(text) < 19:
        asset = uow.session.exec(select(Asset).where(Asset.id == int(text))).scalars().first()
    if asset is None and text:  # a serial number, also an all-digit one (engine numbers)
        asset = uow.session.exec(select(Asset).where(
            Asset.serial_number == normalize_serial(text))).scalars().first()
    if asset is None:
        raise NotFoundError(f"no asset {text!r}")
    return asset


def asset_field(uow: UnitOfWork, ref: int | str, field_name: str) -> Asset:
    """:func:`get_asset`, with "not found" reported as bad input of ``field_name``."""
    try:
        return get_asset(uow, ref)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None


def normalize_serial(value: str) -> str:
    """A serial number as stored: full-width forms folded (ＸＥ２１５ → XE215), upper-cased,
    every space removed."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(text.split()).upper()


def parse_serial(value: Any) -> str:
    """A valid, normalised serial number; ValidationError naming ``serial_number`` if not."""
    if not isinstance(value, str):
        raise ValidationError("serial_number", "is required")
    serial = normalize_serial(value)
    if not serial:
        raise ValidationError("serial_number", "is required")
    if len(serial) > MAX_SERIAL:
        raise ValidationError("serial_number", f"is longer than {MAX_SERIAL} characters")
    if not SERIAL_PATTERN.match(serial):
        raise ValidationError(
            "serial_number", f"{serial!r} may hold only letters, digits and - _ / . #")
    return serial


def parse_text(value: Any, field_name: str, max_length: int | None = None, *,
               required: bool = False) -> str | None:
    """Stripped text (None when empty and not required) of at most ``max_length`` characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field_name, "is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(field_name, f"must be text, not {type(value).__name__}")
    text = value.strip()
    if max_length is not None and len(text) > max_length:
        raise ValidationError(field_name, f"is longer than {max_length} characters")
    return text




def parse_attributes(value: Any, field_name: str = "attributes") -> dict[str, Any]:
    """Attributes: a mapping of short names to text, numbers, booleans (None removes)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(field_name, "must be a mapping of names to values")
    if len(value) > MAX_ATTRIBUTES:
        raise ValidationError(field_name, f"at most {MAX_ATTRIBUTES} attributes")
    parsed: dict[str, Any] = {}
    for key, item in value.items():
        name = key.strip() if isinstance(key, str) else ""
        if not name or len(name) > 40:
            raise ValidationError(field_name, f"attribute name {key!r} must be 1-40 characters")
        if item is not None and not isinstance(item, str | int | float | bool):
            raise ValidationError(field_name, f"attribute {name!r} must be text or a number")
        if isinstance(item, str) and len(item) > 200:
            raise ValidationError(field_name, f"attribute {name!r} is longer than 200 characters")
        parsed[name] = item.strip() if isinstance(item, str) else item
    return parsed


def customer_field(uow: UnitOfWork, customer_id: Any, field_name: str) -> Customer:
    """A customer the principal may see, by id; ValidationError naming ``field_name`` if not."""
    if isinstance(customer_id, bool) or not isinstance(customer_id, int | str):
        raise ValidationError(field_name, "must be a customer id")
    text = str(customer_id).strip()
    if not text.isdigit() or len(text) > 18:
        raise ValidationError(field_name, f"not a customer id: {customer_id!r}")
    row = uow.session.exec(select(Customer).where(Customer.id == int(text))).scalars().first()
    if row is None:
        raise ValidationError(field_name, f"no customer with id {text}")
    if row.erased_at is not None:
        raise ValidationError(field_name, f"customer {text} was erased")
    return row


def dealer_field(uow: UnitOfWork, dealer_id: Any) -> int | None:
    """The dealer's id: a visible customer holding the settings' dealer role."""
    if dealer_id is None or (isinstance(dealer_id, str) and not dealer_id.strip()):
        return None
    dealer = customer_field(uow, dealer_id, "dealer")
    role = asset_settings(uow.app).dealer_role
    if role:
        held = uow.session.exec(select(CustomerRole.role).where(
            CustomerRole.customer_id == dealer.id, CustomerRole.role == role)).first()
        if held is None:
            raise ValidationError("dealer", f"customer {dealer.id} ({dealer.name}) "
                                            f"does not hold the role {role!r}")
    return dealer.id


def record_event(uow: UnitOfWork, asset: Asset, kind: str, *, from_value: Any = None,
                 to_value: Any = None, body: str | None = None,
                 at: dt.datetime | None = None) -> AssetEvent:
    """Append an entry to the asset's own history, under its current owner."""
    event = AssetEvent(
        asset_id=asset.id, customer_id=asset.customer_id, at=at or uow.now,
        actor_id=uow.actor_id, kind=kind,
        from_value=None if from_value is None else str(from_value)[:200],
        to_value=None if to_value is None else str(to_value)[:200], body=body)
    uow.session.add(event)
    return event
