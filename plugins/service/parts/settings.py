"""Settings of the spare parts (``[service.parts]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PartSettings(BaseModel):
    """What an edition may configure in the parts area."""

    model_config = ConfigDict(extra="forbid")
