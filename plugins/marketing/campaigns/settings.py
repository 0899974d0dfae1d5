"""Settings of the campaigns area (``[marketing.campaigns]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CampaignSettings(BaseModel):
    """How the campaigns area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
