"""Assets (整车档案): register, update, hand over, transfer, retire, list and show.

An asset belongs to a customer (its owner), has a unique serial number (stored upper-cased
without spaces), a product and model, an optional dealer (a customer holding the dealer
role), a handover date, a location and free attributes. Every change is kept in the
asset's own history (:class:`AssetEvent`) and logged on the owner's timeline
(``service.asset_*`` interactions). Warranties are in
:mod:`guanxi_service.assets.warranties`, the service history in
:mod:`guanxi_service.assets.history`; the contract other areas use (``get_asset``,
``warranty_status``, ``asset_history``) is re-exported here.

Every function checks the acting principal's permission and reads through the ORM, so
record policies apply. Bad input raises :class:`~guanxi.errors.ValidationError` naming
the field before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi.services.interactions import log_interaction
from guanxi.services.lookup import customer_names
from guanxi_service.assets.common import (
    ASSET,
    asset_settings,
    customer_field,
    dealer_field,
    get_asset,
    parse_attributes,
    parse_serial,
    parse_text,
    record_event,
)
from guanxi_service.assets.history import asset_history
from guanxi_service.assets.models import ASSET_STATUSES, Asset, Warranty
from guanxi_service.assets.warranties import (
    add_warranty,
    apply_default_warranty,
    list_warranties,
    status_of,
    warranty_status,
)

__all__ = [
    "add_warranty", "asset_detail", "asset_history", "get_asset", "hand_over",
    "list_assets", "list_warranties", "register_asset", "retire_asset", "transfer_asset",
    "update_asset", "warranty_status",
]

UPDATABLE = ("serial_number", "product", "model", "dealer_id", "handed_over_on", "location",
             "attributes", "notes")


def _unique_serial(uow: UnitOfWork, serial: str, asset_id: int | None = None) -> None:
    """Refuse a serial number another asset has (checked over every asset, visible or not;
    the other asset's id is named only when the principal may see it)."""
    table = Asset.__table__  # type: ignore[attr-defined]
    query = select(table.c.id).where(table.c.serial_number == serial)
    if asset_id is not None:
        query = query.where(table.c.id != asset_id)
    other = uow.session.connection().execute(query).scalar()
    if other is None:
        return
    seen = uow.session.exec(select(Asset.id).where(Asset.id == other)).first()
    where = f" (asset {other})" if seen is not None else ""
    raise ValidationError("serial_number", f"{serial} is already registered{where}")


def _handover_day(uow: UnitOfWork, value: dt.date | str | None, field_name: str) -> dt.date | None:
    day = parse_date(value, field_name)
    if day is not None and day > uow.today():
        raise ValidationError(field_name, f"{day} is in the future")
    return day


def _at(uow: UnitOfWork, day: dt.date) -> dt.datetime:
    """When to log something that happened on ``day``: now if today, else local noon."""
    if day >= uow.today():
        return uow.now
    return dt.datetime.combine(day, dt.time(12), tzinfo=uow.app.tz).astimezone(dt.UTC)


def _payload(asset: Asset) -> dict[str, Any]:
    return {"asset_id": asset.id, "serial": asset.serial_number, "product": asset.product,
            "model": asset.model, "dealer_id": asset.dealer_id,
            "handed_over_on": asset.handed_over_on}


def _log(uow: UnitOfWork, asset: Asset, kind: str, subject: str, *,
         customer_id: int | None = None, payload: dict[str, Any] | None = None,
         at: dt.datetime | None = None) -> None:
    log_interaction(uow, customer_id=customer_id or asset.customer_id, kind=kind,
                    direction="internal", actor=uow.actor_id, occurred_at=at or uow.now,
                    subject=subject[:500], payload=payload or _payload(asset))


def _label(asset: Asset) -> str:
    return " ".join(p for p in (asset.product, asset.model, asset.serial_number) if p)


def register_asset(
    uow: UnitOfWork, *, customer_id: int | str, serial_number: str, product: str,
    model: str | None = None, dealer_id: int | str | None = None,
    handed_over_on: dt.date | str | None = None, location: str | None = None,
    attributes: Mapping[str, Any] | None = None, notes: str | None = None,
) -> Asset:
    """Register an asset to its owner; logs ``service.asset_registered``.

    With a handover date (not in the future) the asset is handed over at once: logged as
    ``service.asset_handed_over`` and given its product's default warranty, if configured.
    """
    require(uow, ASSET, "create")
    owner = customer_field(uow, customer_id, "customer")
    serial = parse_serial(serial_number)
    name = parse_text(product, "product", 200, required=True)
    model_name = parse_text(model, "model", 120)
    dealer = dealer_field(uow, dealer_id)
    handed = _handover_day(uow, handed_over_on, "handed_over_on")
    place = parse_text(location, "location", 200)
    attrs = {k: v for k, v in parse_attributes(attributes).items() if v is not None}
    note = parse_text(notes, "notes")
    _unique_serial(uow, serial)
    asset = Asset(customer_id=owner.id, serial_number=serial, product=name, model=model_name,
                  dealer_id=dealer, handed_over_on=handed, location=place, attributes=attrs,
                  notes=note, status="active", created_at=uow.now, updated_at=uow.now)
    uow.session.add(asset)
    uow.session.flush()
    record_event(uow, asset, "registered", to_value=serial)
    _log(uow, asset, "service.asset_registered", f"登记 {_label(asset)}")
    if handed is not None:
        _handed_over(uow, asset, handed, None)
    return asset


def _handed_over(uow: UnitOfWork, asset: Asset, day: dt.date, note: str | None) -> None:
    record_event(uow, asset, "handed_over", to_value=day.isoformat(), body=note,
                 at=_at(uow, day))
    _log(uow, asset, "service.asset_handed_over", f"交车 {_label(asset)}", at=_at(uow, day))
    apply_default_warranty(uow, asset)


def _active(asset: Asset) -> None:
    if asset.status != "active":
        raise ValidationError("asset", f"asset {asset.serial_number} is {asset.status}")


def hand_over(uow: UnitOfWork, asset_id: int | str, *, on: dt.date | str | None = None,
              location: str | None = None, note: str | None = None) -> Asset:
    """Record the handover (delivery, installation) of an active asset, by default today;
    logs ``service.asset_handed_over`` and applies the default warranty."""
    require(uow, ASSET, "update")
    asset = get_asset(uow, asset_id)
    _active(asset)
    day = _handover_day(uow, on, "on") or uow.today()
    place = parse_text(location, "location", 200)
    text = parse_text(note, "note")
    if asset.handed_over_on is not None:
        raise ValidationError("on", f"asset {asset.serial_number} was already handed over on "
                                    f"{asset.handed_over_on} (correct it with update)")
    asset.handed_over_on = day
    if place is not None:
        asset.location = place
    asset.updated_at = uow.now
    uow.session.flush()
    _handed_over(uow, asset, day, text)
    return asset


def update_asset(uow: UnitOfWork, asset_id: int | str, changes: Mapping[str, Any]) -> Asset:
    """Change an active asset's fields (:data:`UPDATABLE`); attributes are merged (a None
    value removes one). The owner changes by :func:`transfer_asset`, the status by
    :func:`retire_asset`, the first handover date by :func:`hand_over`."""
    require(uow, ASSET, "update")
    asset = get_asset(uow, asset_id)
    _active(asset)
    unknown = [k for k in changes if k not in UPDATABLE]
    if unknown:
        raise ValidationError(unknown[0], "cannot be changed here (see transfer, retire)")
    if not changes:
        raise ValidationError(None, "nothing to change")
    new: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "serial_number":
            new[key] = parse_serial(value)
        elif key == "product":
            new[key] = parse_text(value, key, 200, required=True)
        elif key == "model":
            new[key] = parse_text(value, key, 120)
        elif key == "location":
            new[key] = parse_text(value, key, 200)
        elif key == "notes":
            new[key] = parse_text(value, key)
        elif key == "dealer_id":
            new[key] = dealer_field(uow, value)
        elif key == "handed_over_on":
            if asset.handed_over_on is None:
                raise ValidationError(key, "the asset was not handed over yet (use handover)")
            new[key] = _handover_day(uow, value, key)
            if new[key] is None:
                raise ValidationError(key, "is required")
        elif key == "attributes":
            merged = {**asset.attributes, **parse_attributes(value)}
            new[key] = {k: v for k, v in merged.items() if v is not None}
    if "serial_number" in new:
        _unique_serial(uow, new["serial_number"], asset.id)
    changed = [k for k, v in new.items() if getattr(asset, k) != v]
    if not changed:
        return asset
    described = []
    for key in changed:
        before = getattr(asset, key)
        setattr(asset, key, new[key])
        if key not in ("notes", "attributes"):
            described.append(f"{key}: {before} → {new[key]}")
        else:
            described.append(key)
    asset.updated_at = uow.now
    uow.session.flush()
    record_event(uow, asset, "updated", body="; ".join(described))
    return asset


def transfer_asset(uow: UnitOfWork, asset_id: int | str, *, to_customer_id: int | str,
                   note: str | None = None) -> Asset:
    """Give an active asset to another owner (二手转让); warranties follow the asset.

    The history keeps who owned it (a ``transferred`` event naming both); the transfer is
    logged as ``service.asset_transferred`` on both owners' timelines.
    """
    require(uow, ASSET, "update")
    asset = get_asset(uow, asset_id)
    _active(asset)
    new_owner = customer_field(uow, to_customer_id, "to_customer")
    text = parse_text(note, "note")
    if new_owner.id == asset.customer_id:
        raise ValidationError("to_customer", f"customer {new_owner.id} already owns the asset")
    previous = asset.customer_id
    asset.customer_id = new_owner.id
    asset.updated_at = uow.now
    # Through the ORM (audited, and the loaded rows stay current); an asset has few terms.
    for warranty in uow.session.exec(select(Warranty).where(
            Warranty.asset_id == asset.id)).scalars():
        warranty.customer_id = new_owner.id
    uow.session.flush()
    record_event(uow, asset, "transferred", from_value=previous, to_value=new_owner.id,
                 body=text)
    payload = {"asset_id": asset.id, "serial": asset.serial_number, "product": asset.product,
               "from_customer_id": previous, "to_customer_id": new_owner.id}
    for customer in (previous, new_owner.id):
        _log(uow, asset, "service.asset_transferred", f"转让 {_label(asset)}",
             customer_id=customer, payload=payload)
    return asset


def retire_asset(uow: UnitOfWork, asset_id: int | str, *, reason: str | None = None) -> Asset:
    """Retire an active asset (scrapped, exported, sold outside our network): it stays in
    the archive with its history; no more reminders or changes."""
    require(uow, ASSET, "update")
    asset = get_asset(uow, asset_id)
    _active(asset)
    text = parse_text(reason, "reason")
    asset.status = "retired"
    asset.updated_at = uow.now
    uow.session.flush()
    record_event(uow, asset, "retired", from_value="active", to_value="retired", body=text)
    _log(uow, asset, "service.asset_retired", f"报废 {_label(asset)}")
    return asset


@dataclass(frozen=True)
class AssetRow:
    """An asset as listed: with owner and dealer names and its warranty today."""

    id: int
    serial_number: str
    product: str
    model: str | None
    customer_id: int
    customer: str | None
    dealer_id: int | None
    dealer: str | None
    handed_over_on: dt.date | None
    location: str | None
    status: str
    warranty: str  # in_warranty | expired | none, on the principal's today
    warranty_ends_on: dt.date | None  # the latest end among the asset's terms


def asset_rows(uow: UnitOfWork, assets: list[Asset]) -> list[AssetRow]:
    """Listing rows for stored assets (one query for all their warranty terms)."""
    ids = [a.id for a in assets if a.id is not None]
    spans: dict[int, list[tuple[dt.date, dt.date]]] = {i: [] for i in ids}
    if ids:
        for asset_id, start, end in uow.session.exec(select(
                Warranty.asset_id, Warranty.starts_on, Warranty.ends_on).where(
                Warranty.asset_id.in_(ids))):  # type: ignore[attr-defined]
            spans[asset_id].append((start, end))
    names = customer_names(uow, [*(a.customer_id for a in assets),
                                 *(a.dealer_id for a in assets)])
    today = uow.today()
    return [AssetRow(
        id=a.id, serial_number=a.serial_number, product=a.product, model=a.model,
        customer_id=a.customer_id, customer=names.get(a.customer_id), dealer_id=a.dealer_id,
        dealer=names.get(a.dealer_id) if a.dealer_id else None, handed_over_on=a.handed_over_on,
        location=a.location, status=a.status, warranty=status_of(spans.get(a.id, []), today),
        warranty_ends_on=max((e for _, e in spans.get(a.id, [])), default=None),
    ) for a in assets if a.id is not None]


def list_assets(
    uow: UnitOfWork, *, customer_id: int | str | None = None, dealer_id: int | str | None = None,
    product: str | None = None, status: str | None = None, search: str | None = None,
    limit: int = 100, after_id: int | None = None,
) -> list[AssetRow]:
    """Assets the principal may see, in id order, filtered; page on with ``after_id``.

    ``search`` matches part of the serial number or the model.
    """
    require(uow, ASSET, "read")
    if not 1 <= limit <= 10_000:
        raise ValidationError("limit", "must be 1 to 10000")
    query = select(Asset)
    if customer_id is not None:
        query = query.where(Asset.customer_id == customer_field(uow, customer_id, "customer").id)
    if dealer_id is not None:
        query = query.where(Asset.dealer_id == customer_field(uow, dealer_id, "dealer").id)
    if product is not None:
        query = query.where(Asset.product == product.strip())
    if status is not None:
        if status not in ASSET_STATUSES:
            raise ValidationError("status", f"{status!r} is not one of "
                                            f"{', '.join(ASSET_STATUSES)}")
        query = query.where(Asset.status == status)
    if search:
        text = search.strip()
        query = query.where(Asset.serial_number.contains(text.upper().replace(" ", ""))  # type: ignore[attr-defined]
                            | Asset.model.icontains(text))  # type: ignore[union-attr]
    if after_id is not None:
        query = query.where(Asset.id > after_id)
    assets = list(uow.session.exec(query.order_by(Asset.id).limit(limit)).scalars())
    return asset_rows(uow, assets)


@dataclass
class AssetDetail:
    """One asset with its attributes, notes and warranty terms."""

    asset: AssetRow
    attributes: dict[str, Any]
    notes: str | None
    created_at: dt.datetime
    warranties: list[dict[str, Any]]


def asset_detail(uow: UnitOfWork, asset_id: int | str) -> AssetDetail:
    """Everything about one asset (for ``service assets show``)."""
    asset = get_asset(uow, asset_id)
    today = uow.today()
    terms = [{"id": w.id, "terms": w.terms, "starts_on": w.starts_on, "ends_on": w.ends_on,
              "coverage": w.coverage, "default": w.is_default,
              "covers_today": w.starts_on <= today <= w.ends_on}
             for w in list_warranties(uow, asset.id)]
    return AssetDetail(asset=asset_rows(uow, [asset])[0], attributes=dict(asset.attributes),
                       notes=asset.notes, created_at=asset.created_at, warranties=terms)


def reminder_days(uow: UnitOfWork) -> int:
    """The settings' days of warning before a warranty ends."""
    return asset_settings(uow.app).reminder_days
