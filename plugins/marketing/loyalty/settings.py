"""Settings of the loyalty area (``[marketing.loyalty]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LoyaltySettings(BaseModel):
    """How the loyalty area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
