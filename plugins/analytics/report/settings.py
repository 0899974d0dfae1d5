"""Settings of the report area (``[analytics.report]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ReportSettings(BaseModel):
    """How the report area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
