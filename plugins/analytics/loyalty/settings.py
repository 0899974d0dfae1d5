"""Settings of the loyalty area (``[analytics.loyalty]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LoyaltySettings(BaseModel):
    """How the loyalty area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
