"""The whole-vehicle archive (整车档案) fed by the dealers' exports.

A sale imported from a dealer's DMS registers the vehicle as a service asset keyed by
its VIN, with the selling dealer and the sale day as handover (which gives it the
edition's default warranty); a repair order from any dealer on a VIN the archive does
not know yet registers the vehicle without a sale. The vehicle's history then joins
the service plugin's asset history with the dealers' and the 800 centre's interactions
on that VIN, so it reads across dealers in time order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, Interaction
from guanxi.models.customer import ExternalIdentity
from guanxi.records import InteractionRecord
from guanxi.services.lookup import customer_names, get_customer
from guanxi.services.updates import update_customer
from guanxi_editions.automotive.kinds import (
    CALL,
    MAINTENANCE_DUE,
    REGISTRATION,
    REPAIR,
    SALE,
    normalize_vin,
)
from guanxi_service.assets.history import asset_history
from guanxi_service.assets.models import Asset, AssetEvent
from guanxi_service.assets.service import get_asset, hand_over, register_asset, update_asset

# A dealer organisation carries its code as an identity of this source (dealer:dealer_a);
# the code is also the source name of its DMS exports and the name of its staff's team.
DEALER_SOURCE = "dealer"
VEHICLE_KINDS = (SALE, REPAIR, CALL, REGISTRATION, MAINTENANCE_DUE)
# Lifecycle stages a sale moves on to ``owner``.
PROSPECT_STAGES = ("lead", "test_drive")


def local_day(uow: UnitOfWork, moment: dt.datetime) -> dt.date:
    """The day of ``moment`` in the edition's time zone."""
    return moment.astimezone(uow.app.tz).date()


def dealer_ids(uow: UnitOfWork, codes: Iterable[str]) -> dict[str, int]:
    """Dealer organisations by code, read through the record policies."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    query = select(ExternalIdentity.external_id, ExternalIdentity.customer_id).where(
        ExternalIdentity.source == DEALER_SOURCE, ExternalIdentity.external_id.in_(wanted)
    )
    return {code: customer_id for code, customer_id in uow.session.execute(query)}


def assets_by_vin(uow: UnitOfWork, vins: Iterable[str]) -> dict[str, Asset]:
    """The archived vehicles among ``vins`` (serial numbers are stored upper-cased)."""
    wanted = sorted(set(vins))
    if not wanted:
        return {}
    query = select(Asset).where(Asset.serial_number.in_(wanted))
    return {asset.serial_number: asset for asset in uow.session.scalars(query)}


def archive_vehicles(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> None:
    """Register the vehicles of a batch's sales and repair orders, once per VIN."""
    entries = sorted(
        (i for i in interactions if i.kind in (SALE, REPAIR) and i.corrects_id is None),
        key=lambda i: i.occurred_at,
    )
    if not entries:
        return
    settings = uow.app.settings_for("automotive")
    assets = assets_by_vin(uow, (i.payload["vin"] for i in entries))
    dealers = dealer_ids(uow, (i.payload["dealer"] for i in entries if i.kind == SALE))
    for entry in entries:
        vin, day = entry.payload["vin"], local_day(uow, entry.occurred_at)
        asset = assets.get(vin)
        if entry.kind == SALE and (asset is None or asset.handed_over_on is None):
            dealer = dealers.get(entry.payload["dealer"])
            if asset is None:
                asset = register_asset(
                    uow,
                    customer_id=entry.customer_id,
                    serial_number=vin,
                    product=settings.vehicle_product,
                    model=entry.payload["model"],
                    dealer_id=dealer,
                    handed_over_on=day,
                    attributes={"sale_mileage": entry.payload["mileage"]},
                )
            else:  # serviced before its sale record arrived: complete it now
                update_asset(uow, asset.id, {"model": entry.payload["model"], "dealer_id": dealer})
                asset = hand_over(uow, asset.id, on=day)
        elif asset is None:
            # A car sold outside the network (or before the archive) comes in for service.
            asset = register_asset(
                uow,
                customer_id=entry.customer_id,
                serial_number=vin,
                product=settings.vehicle_product,
            )
        assets[vin] = asset
    _record_mileage(uow, [i for i in entries if i.kind == REPAIR])
    _promote_buyers(uow, {i.customer_id for i in entries if i.kind == SALE})


def _promote_buyers(uow: UnitOfWork, buyers: set[int]) -> None:
    """A lead or test-drive prospect who bought a car is an owner now (stage ``owner``);
    later stages (loyal, at risk) are the analytics' and the sales team's to set."""
    if "owner" not in uow.app.settings.lifecycle_stages:
        return
    query = select(Customer.id).where(
        Customer.id.in_(sorted(buyers)), Customer.lifecycle_stage.in_(PROSPECT_STAGES)
    )
    for customer_id in uow.session.scalars(query).all():
        update_customer(uow, customer_id, {"lifecycle_stage": "owner"})


def _record_mileage(uow: UnitOfWork, repairs: Sequence[InteractionRecord]) -> None:
    """Keep each owner's ``mileage`` field at the highest reading a dealer took."""
    highest: dict[int, int] = {}
    for repair in repairs:
        km = repair.payload["mileage"]
        highest[repair.customer_id] = max(km, highest.get(repair.customer_id, 0))
    for customer_id, km in highest.items():
        stored = get_customer(uow, customer_id).custom.get("mileage")
        if stored is None or stored < km:
            update_customer(uow, customer_id, {"custom": {"mileage": km}})


@dataclass(frozen=True)
class HistoryLine:
    """One line of a vehicle's history across dealers."""

    at: dt.datetime
    where: str  # the dealer, 800客服, 网站, or the archive itself
    what: str  # the interaction kind or the service history's kind
    ref: str | None
    detail: str | None


def vehicle_interactions(uow: UnitOfWork, asset: Asset) -> list[Interaction]:
    """The edition's interactions that name this VIN, of every owner it had."""
    owners = {asset.customer_id}
    owners |= {e.customer_id for e in _events(uow, asset)}
    query = select(Interaction).where(
        Interaction.customer_id.in_(sorted(owners)), Interaction.kind.in_(VEHICLE_KINDS)
    )
    return [
        i for i in uow.session.scalars(query) if (i.payload or {}).get("vin") == asset.serial_number
    ]


def _events(uow: UnitOfWork, asset: Asset) -> list[AssetEvent]:
    return list(uow.session.scalars(select(AssetEvent).where(AssetEvent.asset_id == asset.id)))


def find_vehicle(uow: UnitOfWork, vin: str) -> Asset:
    """The archived vehicle of ``vin``; a malformed VIN is bad input of field 'vin'."""
    try:
        serial = normalize_vin(vin)
    except ValueError as exc:
        raise ValidationError("vin", str(exc)) from None
    try:
        return get_asset(uow, serial)
    except NotFoundError:
        raise NotFoundError(f"no vehicle {serial} in the archive") from None


def vehicle_history(uow: UnitOfWork, asset: Asset) -> list[HistoryLine]:
    """The vehicle's archive and its dealers' and 800 centre's records, oldest first."""
    assert asset.id is not None
    entries = vehicle_interactions(uow, asset)
    codes = {e.payload.get("dealer") for e in entries if e.payload.get("dealer")}
    dealers = dealer_ids(uow, codes)
    names = customer_names(uow, dealers.values())
    lines = [
        HistoryLine(
            at=e.occurred_at,
            where=_where(e, dealers, names),
            what=e.kind,
            ref=e.payload.get("ro_number") or e.payload.get("sale_no") or e.payload.get("call_id"),
            detail=_detail(e),
        )
        for e in entries
    ]
    lines += [
        HistoryLine(
            at=h.at,
            where="档案 archive" if h.source == "asset" else h.source,
            what=f"service.{h.kind}" if h.source == "asset" else str(h.kind),
            ref=h.ref,
            detail=h.summary,
        )
        for h in asset_history(uow, asset.id)
    ]
    return sorted(lines, key=lambda line: line.at)


def _where(entry: Interaction, dealers: dict[str, int], names: dict[int, str]) -> str:
    code = entry.payload.get("dealer")
    if code:
        return names.get(dealers.get(code, 0), code)
    return {CALL: "800客服", REGISTRATION: "网站 website"}.get(entry.kind, "档案 archive")


def _detail(entry: Interaction) -> str:
    payload = entry.payload
    parts = [
        entry.subject or payload.get("service_type") or payload.get("topic") or "",
        payload.get("description") or payload.get("summary") or "",
    ]
    if "mileage" in payload and entry.kind != SALE:
        parts.append(f"{payload['mileage']} km")
    if entry.kind == MAINTENANCE_DUE:
        parts.append(f"due {payload['due_on']} ({payload['reason']})")
    return " · ".join(p for p in parts if p)
