"""Settings of the pipeline area (``[analytics.pipeline]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PipelineSettings(BaseModel):
    """How the pipeline area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
