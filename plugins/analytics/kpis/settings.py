"""Settings of the kpis area (``[analytics.kpis]``).

The area reads what the marketing and service plugins log; kind and payload field names
are theirs by default and can name an edition's own kinds instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_RESOLUTION_HOURS = {"urgent": 4.0, "high": 24.0, "normal": 72.0, "low": 120.0}


class KpisSettings(BaseModel):
    """How the kpis area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    # --- campaigns
    sent_kind: str = Field("marketing.campaign_sent", description="a campaign reached someone")
    responded_kind: str = Field("marketing.campaign_responded", description="a response")
    converted_kind: str = Field("marketing.campaign_converted", description="a conversion")
    campaign_field: str = Field("campaign_id", description="payload field: the campaign id")
    campaign_name_field: str = Field("campaign", description="payload field: its name")
    touch_kinds: list[str] = Field(
        default_factory=lambda: ["marketing.campaign_responded", "marketing.campaign_converted"],
        description="campaign entries that count as touches for attribution",
    )
    cost_field: str = Field("cost", description="payload field with a cost (decimal text), "
                            "added to the entries' own cost column")
    campaign_costs: dict[str, Decimal] = Field(
        default_factory=dict,
        description="cost by campaign id, for campaigns whose cost is not in the log",
    )
    attribution_window_days: int = Field(30, ge=1, le=3650, description="a touch counts for "
                                          "purchases up to this many days after it")
    roi_model: Literal["first_touch", "last_touch", "linear"] = Field(
        "linear", description="the attribution model campaign ROI uses")
    # --- service
    ticket_opened_kind: str = Field("service.ticket_opened", description="a ticket was opened")
    resolved_kinds: list[str] = Field(
        default_factory=lambda: ["service.ticket_resolved", "service.ticket_closed"],
        description="entries that settle a ticket (the first one is its resolution)",
    )
    reopened_kind: str = Field("service.ticket_reopened", description="a ticket was reopened")
    customer_reply_kind: str = Field("service.ticket_customer_reply",
                                     description="the customer wrote back on a ticket")
    ticket_field: str = Field("ticket_id", description="payload field: the ticket id")
    type_field: str = Field("type", description="payload field: the ticket type")
    priority_field: str = Field("priority", description="payload field: the ticket priority")
    sla_met_field: str = Field("sla_met", description="payload field of a resolution entry "
                               "saying whether its SLA was met (used when present)")
    resolution_hours: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_RESOLUTION_HOURS),
        description="resolution target in elapsed hours by priority, for resolutions whose "
        "entry does not say whether the SLA was met",
    )
    complaint_types: list[str] = Field(default_factory=lambda: ["complaint"],
                                       description="ticket types that are complaints")
    repair_completed_kind: str = Field("service.repair_completed",
                                       description="a repaired asset was delivered")
    on_time_field: str = Field("on_time", description="payload field: delivered on time")
    survey_kind: str = Field("service.survey_answered", description="a survey was answered")
    csat_field: str = Field("csat", description="payload field: the CSAT score (1–5)")
    poor_field: str = Field("poor", description="payload field: the answer was flagged poor")
    satisfied_csat: int = Field(4, ge=1, le=10, description="lowest CSAT that is satisfied")

    @field_validator("campaign_costs")
    @classmethod
    def _costs_not_negative(cls, costs: dict[str, Decimal]) -> dict[str, Decimal]:
        for campaign, cost in costs.items():
            if not campaign.strip().isdigit():
                raise ValueError(f"{campaign!r} is not a campaign id")
            if cost < 0:
                raise ValueError(f"campaign {campaign}: a cost cannot be negative ({cost})")
        return costs

    @field_validator("resolution_hours")
    @classmethod
    def _hours_positive(cls, hours: dict[str, float]) -> dict[str, float]:
        for priority, limit in hours.items():
            if not limit > 0:
                raise ValueError(f"{priority}: a resolution target must be positive ({limit})")
        return hours
