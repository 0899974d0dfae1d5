"""Settings of the value area (``[analytics.value]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ValueSettings(BaseModel):
    """How the value area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
