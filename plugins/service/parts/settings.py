"""Settings of the spare parts (``[service.parts]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PartSettings(BaseModel):
    """What an edition may configure in the parts area."""

    model_config = ConfigDict(extra="forbid")
    turnover_days: int = Field(
        default=90, ge=1, le=3650,
        description="the period turnover covers when no start is given (days before the end)",
    )
    default_unit: str = Field(default="pc", max_length=20, description="unit of a new part")
