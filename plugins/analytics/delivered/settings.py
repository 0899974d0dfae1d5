"""Settings of the delivered area (``[analytics.delivered]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DeliveredSettings(BaseModel):
    """How the delivered area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
