"""Settings of the campaigns area (``[marketing.campaigns]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AttributionModel = Literal["first_touch", "last_touch", "linear"]


class CampaignSettings(BaseModel):
    """How the campaigns area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    attribution_window_days: int = Field(
        default=90, ge=1, le=3650,
        description="a campaign touch counts for revenue up to this many days after it",
    )
    attribution_model: AttributionModel = Field(
        default="linear", description="the model ROI uses unless one is asked for",
    )
    revenue_kinds: list[str] = Field(
        default_factory=list,
        description="interaction kinds whose revenue is attributed (empty: every kind)",
    )
