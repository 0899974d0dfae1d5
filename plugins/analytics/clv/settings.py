"""Settings of the clv area (``[analytics.clv]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ClvSettings(BaseModel):
    """How the clv area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
