"""Settings of the SLA (``[service.sla]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SlaSettings(BaseModel):
    """What an edition may configure in the sla area."""

    model_config = ConfigDict(extra="forbid")
