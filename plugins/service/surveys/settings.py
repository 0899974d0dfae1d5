"""Settings of the surveys (``[service.surveys]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SurveySettings(BaseModel):
    """What an edition may configure in the surveys area."""

    model_config = ConfigDict(extra="forbid")
