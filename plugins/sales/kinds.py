"""The interaction kinds the sales plugin logs (the bus other plugins read)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class OpportunityPayload(BaseModel):
    """``sales.opportunity_created`` / ``_won`` / ``_lost``."""

    model_config = ConfigDict(extra="forbid")
    opportunity_id: int
    name: str
    pipeline: str
    stage: str
    amount: str
    owner: str | None = None
    source: str | None = None
    reason: str | None = None  # why it was lost


class StageChangedPayload(BaseModel):
    """``sales.stage_changed``: an opportunity moved between stages."""

    model_config = ConfigDict(extra="forbid")
    opportunity_id: int
    pipeline: str
    from_stage: str | None
    to_stage: str
    probability: int


class OrderPayload(BaseModel):
    """``sales.order``: won business; the interaction's revenue is the amount."""

    model_config = ConfigDict(extra="forbid")
    opportunity_id: int | None = None
    quote_number: str | None = None
    lines: list[dict[str, str]] = []


class ActivityPayload(BaseModel):
    """``sales.activity``: a call, meeting, visit or task that took place."""

    model_config = ConfigDict(extra="forbid")
    activity_id: int
    type: str
    opportunity_id: int | None = None
    outcome: str | None = None


class QuotePayload(BaseModel):
    """``sales.quote_sent`` / ``sales.quote_accepted`` / ``sales.quote_rejected``."""

    model_config = ConfigDict(extra="forbid")
    quote_id: int
    number: str
    version: int
    total: str
    opportunity_id: int | None = None


KINDS = {
    "sales.opportunity_created": (OpportunityPayload, None, "an opportunity was opened"),
    "sales.stage_changed": (StageChangedPayload, None, "an opportunity moved to another stage"),
    "sales.opportunity_won": (OpportunityPayload, None, "an opportunity was won"),
    "sales.opportunity_lost": (OpportunityPayload, None, "an opportunity was lost"),
    "sales.order": (OrderPayload, None, "won business, with its revenue"),
    "sales.activity": (ActivityPayload, None, "a call, meeting, visit or task took place"),
    "sales.quote_sent": (QuotePayload, "email", "a quote was sent"),
    "sales.quote_accepted": (QuotePayload, None, "a quote was accepted"),
    "sales.quote_rejected": (QuotePayload, None, "a quote was rejected"),
}
