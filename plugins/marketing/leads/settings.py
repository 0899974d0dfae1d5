"""Settings of the leads area (``[marketing.leads]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LeadSettings(BaseModel):
    """How the leads area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
