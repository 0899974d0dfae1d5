"""Settings of the events area (``[marketing.events]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventSettings(BaseModel):
    """How the events area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
