"""Settings of the segments area (``[marketing.segments]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SegmentSettings(BaseModel):
    """How the segments area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
