"""Settings of the return visits (``[service.visits]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class VisitSettings(BaseModel):
    """What an edition may configure in the visits area."""

    model_config = ConfigDict(extra="forbid")
