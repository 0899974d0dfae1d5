"""Settings of the scorecard area (``[analytics.scorecard]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ScorecardSettings(BaseModel):
    """How the scorecard area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
