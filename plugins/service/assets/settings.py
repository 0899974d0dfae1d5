"""Settings of the assets (``[service.assets]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DefaultWarranty(BaseModel):
    """The warranty an asset of a product (or model) gets when it is handed over."""

    model_config = ConfigDict(extra="forbid")
    months: int = Field(ge=1, le=240, description="length from the handover date")
    terms: str = Field(default="", max_length=120,
                       description="the terms' name; empty: 'standard warranty N months'")
    coverage: str | None = Field(default=None, description="what is covered")


class AssetSettings(BaseModel):
    """What an edition may configure in the assets area; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    reminder_days: int = Field(
        default=30, ge=1, le=365,
        description="days before a warranty ends that the expiry job tasks the owner",
    )
    dealer_role: str | None = Field(
        default="dealer",
        description="the customer role an asset's dealer must hold (empty: any customer)",
    )
    default_warranties: dict[str, DefaultWarranty] = Field(
        default_factory=dict,
        description="by model or product ('*': any other): the warranty given at handover",
    )
