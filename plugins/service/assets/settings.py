"""Settings of the assets (``[service.assets]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AssetSettings(BaseModel):
    """What an edition may configure in the assets area."""

    model_config = ConfigDict(extra="forbid")
