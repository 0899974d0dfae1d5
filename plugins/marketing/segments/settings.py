"""Settings of the segments area (``[marketing.segments]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SegmentSettings(BaseModel):
    """How the segments area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    preview_limit: int = Field(
        default=20, ge=0, le=10_000, description="Customers a preview lists (the count is all)"
    )
