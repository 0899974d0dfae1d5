"""Settings of the kpis area (``[analytics.kpis]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class KpisSettings(BaseModel):
    """How the kpis area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
