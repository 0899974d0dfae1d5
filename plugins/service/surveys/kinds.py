"""The interaction kinds the surveys area logs, with their payload models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SurveySentPayload(BaseModel):
    """``service.survey_sent``: an invitation went out."""

    model_config = ConfigDict(extra="forbid")
    survey_id: int
    ticket_id: int | None = None
    visit_id: int | None = None


class SurveyAnsweredPayload(BaseModel):
    """``service.survey_answered``: the customer answered (scores only, never the comment)."""

    model_config = ConfigDict(extra="forbid")
    survey_id: int
    csat: int | None = None
    nps: int | None = None
    ticket_id: int | None = None
    visit_id: int | None = None
    poor: bool = False


# kind → (payload model, default channel, description); the channel of an entry is the
# survey's own.
KINDS: dict[str, tuple[type[BaseModel], str | None, str]] = {
    "service.survey_sent": (
        SurveySentPayload, "email", "a satisfaction survey invitation was sent"),
    "service.survey_answered": (
        SurveyAnsweredPayload, "web", "a customer answered a satisfaction survey"),
}

