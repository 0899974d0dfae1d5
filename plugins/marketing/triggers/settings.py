"""Settings of the triggers area (``[marketing.triggers]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TriggerSettings(BaseModel):
    """How the triggers area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
