"""Settings of the loyalty area (``[analytics.loyalty]``).

The survey answers are read from the log by kind and payload field name, so an edition's
own survey kind works as well as the service plugin's ``service.survey_answered``::

    [analytics.loyalty]
    survey_kinds = ["service.survey_answered", "bank.branch_survey"]
    nps_field = "nps"            # 0–10, "would you recommend us?"
    csat_field = "csat"          # 1..csat_scale
    team_field = "branch"        # group answers by this payload field (--by team)

    [[analytics.loyalty.referrals]]
    kind = "marketing.lead_converted"
    field = "source"
    equals = "referral"          # only leads whose source was a referral

    [[analytics.loyalty.referrals]]
    kind = "bank.referral"
    referrer_field = "referrer_id"   # names the referring customer
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ReferralSource(BaseModel):
    """Logged interactions that are referrals: of ``kind``, optionally only those whose
    payload ``field`` equals ``equals``; the customer of the interaction is the one
    referred, and ``referrer_field`` (a payload field) names the referring customer's id
    when the log knows it."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    field: str | None = None
    equals: str | None = None
    referrer_field: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> ReferralSource:
        if (self.field is None) != (self.equals is None):
            raise ValueError("give both 'field' and 'equals', or neither")
        return self


def _default_referrals() -> list[ReferralSource]:
    # Marketing logs a converted lead with its source; "referral" is one of its sources.
    return [ReferralSource(kind="marketing.lead_converted", field="source", equals="referral")]


class LoyaltySettings(BaseModel):
    """How the loyalty area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    survey_kinds: list[str] = Field(
        default_factory=lambda: ["service.survey_answered"],
        description="interaction kinds whose payload holds survey scores",
    )
    nps_field: str = Field(default="nps", description="payload field of the 0–10 score")
    csat_field: str = Field(default="csat", description="payload field of the CSAT score")
    csat_scale: int = Field(default=5, ge=2, le=100, description="top of the CSAT scale")
    csat_satisfied_at_least: int = Field(
        default=4, ge=1, description="a CSAT answer at least this counts as satisfied")
    team_field: str | None = Field(
        default=None, description="payload field naming the team (for --by team)")
    referrals: list[ReferralSource] = Field(
        default_factory=_default_referrals,
        description="logged interactions that are referrals")
    referrer_custom_field: str | None = Field(
        default="referred_by",
        description="customer custom field holding the id of the customer who referred "
                    "them (a customer created in the period with it set is a referral)")
    membership_kinds: list[str] = Field(
        default_factory=lambda: ["marketing.member_enrolled"],
        description="kinds that start a loyalty-programme membership")
    membership_end_kinds: list[str] = Field(
        default_factory=lambda: ["marketing.member_cancelled"],
        description="kinds that end one")

    @model_validator(mode="after")
    def _scale(self) -> LoyaltySettings:
        if self.csat_satisfied_at_least > self.csat_scale:
            raise ValueError("csat_satisfied_at_least is above csat_scale")
        return self
