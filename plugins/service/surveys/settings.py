"""Settings of the surveys (``[service.surveys]``) area: the questionnaire, when it goes
out, and what counts as a poor answer.

An edition rewords the questions (a hospital asks about 护理 instead of 维修) and names its
own factors; the answers are stored by factor key, so labels may change without touching
earlier answers.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The interaction kinds a survey can follow, and what the survey is then about.
TRIGGER_SOURCES = {"service.ticket_closed": "ticket", "service.return_visit": "visit"}

DEFAULT_FACTORS = {
    "speed": "响应速度",
    "attitude": "服务态度",
    "professionalism": "专业水平",
    "result": "解决效果",
}


class SurveySettings(BaseModel):
    """What an edition may configure in the surveys area; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    send_after: list[str] = Field(
        default_factory=lambda: list(TRIGGER_SOURCES),
        description="interaction kinds that start a survey (one per ticket or visit)",
    )
    delay_hours: int = Field(
        default=24, ge=0, le=24 * 60,
        description="how long after the closing or the visit the invitation goes out",
    )
    channel: str = Field(default="email", description="the channel invitations are sent on")
    expire_after_days: int = Field(
        default=14, ge=1, le=365, description="an unanswered survey expires after this long")
    visit_outcomes: list[str] = Field(
        default_factory=lambda: ["reached"],
        description="return-visit outcomes that get a survey (not a call nobody took)")
    skip_ticket_types: list[str] = Field(
        default_factory=list, description="ticket types that get no survey when closed")
    csat_question: str = Field(default="您对本次服务的总体满意程度如何？(1–5 分)")
    nps_question: str = Field(default="您有多大可能向亲友推荐我们？(0–10 分)")
    ask_nps: bool = Field(default=True, description="ask the NPS question too")
    factors: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_FACTORS),
        description="factor key → label; each factor is rated 1–5",
    )
    comment_question: str = Field(default="还有什么想告诉我们的吗？")
    poor_csat_at_most: int = Field(
        default=2, ge=1, le=5, description="a CSAT at or below this is a poor answer")
    poor_nps_at_most: int | None = Field(
        default=6, ge=0, le=10, description="an NPS at or below this is a poor answer (None: off)")
    satisfied_csat_at_least: int = Field(
        default=4, ge=1, le=5, description="a CSAT at or above this counts as satisfied")
    reopen_within_days: int = Field(
        default=7, ge=0, le=365,
        description="a poor answer reopens a ticket resolved or closed this recently; "
                    "otherwise it opens a complaint",
    )
    form_url: str = Field(
        default="https://survey.example.cn/s/{token}",
        description="the web form's address; {token} is the survey's token",
    )
    template: str = Field(
        default="service/survey/invitation",
        description="the invitation's templates: <template>.<lang>.txt and "
                    "<template>.<lang>.subject.txt",
    )
    default_language: str = Field(default="zh", description="for customers without one")

    @field_validator("send_after")
    @classmethod
    def _known_triggers(cls, kinds: list[str]) -> list[str]:
        for kind in kinds:
            if kind not in TRIGGER_SOURCES:
                raise ValueError(f"{kind!r} is not one of {', '.join(TRIGGER_SOURCES)}")
        return kinds

    @field_validator("factors")
    @classmethod
    def _factor_keys(cls, factors: dict[str, str]) -> dict[str, str]:
        for key in factors:
            if not key.isidentifier() or len(key) > 40:
                raise ValueError(f"factor key {key!r} must be a short identifier")
        return factors

    @field_validator("form_url")
    @classmethod
    def _token_in_url(cls, url: str) -> str:
        if "{token}" not in url:
            raise ValueError("the form address must contain {token}")
        return url
