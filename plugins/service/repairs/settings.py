"""Settings of the repairs (``[service.repairs]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RepairSettings(BaseModel):
    """What an edition may configure in the repairs area."""

    model_config = ConfigDict(extra="forbid")
