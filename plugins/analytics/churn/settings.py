"""Settings of the churn area (``[analytics.churn]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ChurnSettings(BaseModel):
    """How the churn area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
