"""The interaction kinds the assets area logs, with their payload models.

``service.asset_handed_over`` and ``service.warranty_expired`` are what the visits area
may schedule return visits from (its settings map a kind to a plan), so their payloads
name the asset.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class AssetPayload(BaseModel):
    """``service.asset_registered`` / ``_handed_over`` / ``_retired``."""

    model_config = ConfigDict(extra="forbid")
    asset_id: int
    serial: str
    product: str
    model: str | None = None
    dealer_id: int | None = None
    handed_over_on: dt.date | None = None


class TransferPayload(BaseModel):
    """``service.asset_transferred``: logged on both the previous and the new owner."""

    model_config = ConfigDict(extra="forbid")
    asset_id: int
    serial: str
    product: str
    from_customer_id: int
    to_customer_id: int


class WarrantyPayload(BaseModel):
    """``service.warranty_added`` / ``service.warranty_expired``."""

    model_config = ConfigDict(extra="forbid")
    asset_id: int
    warranty_id: int
    serial: str
    terms: str
    starts_on: dt.date
    ends_on: dt.date


# kind → (payload model, default channel, description).
KINDS: dict[str, tuple[type[BaseModel], str | None, str]] = {
    "service.asset_registered": (AssetPayload, "other", "an asset was registered to a customer"),
    "service.asset_handed_over": (
        AssetPayload, "visit", "an asset was handed over (installed, delivered) to its owner"),
    "service.asset_transferred": (TransferPayload, "other", "an asset changed owner"),
    "service.asset_retired": (AssetPayload, "other", "an asset was retired (scrapped, sold off)"),
    "service.warranty_added": (WarrantyPayload, "other", "a warranty term was added to an asset"),
    "service.warranty_expired": (WarrantyPayload, "other", "a warranty of an asset ended"),
}
