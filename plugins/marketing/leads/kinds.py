"""The interaction kinds the leads area logs.

A lead is not a customer, so most of its life is on the lead row. Two events concern a
customer: a lead captured whose email or phone is an existing customer's (the customer
showed interest again), and a lead converted to a customer (its history is summarised
on the customer's timeline).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LeadCapturedPayload(BaseModel):
    """``marketing.lead_captured``: an existing customer came in again as a lead."""

    model_config = ConfigDict(extra="forbid")
    lead_id: int
    source: str
    matched_on: str  # email or phone
    campaign_id: int | None = None
    interest: str | None = None


class LeadConvertedPayload(BaseModel):
    """``marketing.lead_converted``: a lead became this customer (with its history)."""

    model_config = ConfigDict(extra="forbid")
    lead_id: int
    source: str
    campaign_id: int | None = None
    score: int
    grade: str | None = None
    captured_at: str
    touches: int
    first_touch: str | None = None
    last_touch: str | None = None
    created_customer: bool
    results: list[dict] = []


KINDS = {
    "marketing.lead_captured": (
        LeadCapturedPayload, "web", "a lead was captured that matches this customer"),
    "marketing.lead_converted": (
        LeadConvertedPayload, "other", "a lead was converted to this customer"),
}
