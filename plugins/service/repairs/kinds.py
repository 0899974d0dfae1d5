"""The interaction kinds the repairs area logs, with their payload models.

``service.repair_completed`` is trigger-worthy: the visits area may schedule a return
visit after it, and analytics counts on-time deliveries from its ``on_time``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RepairOpenedPayload(BaseModel):
    """``service.repair_opened``: a repair order was opened on an asset (or without one)."""

    model_config = ConfigDict(extra="forbid")
    repair_id: int
    number: str
    asset_id: int | None = None
    ticket_id: int | None = None
    location: str
    billing: str
    warranty_status: str | None = None
    promised_at: str  # ISO 8601, UTC


class RepairStepPayload(BaseModel):
    """``service.repair_step``: the order reached a progress step."""

    model_config = ConfigDict(extra="forbid")
    repair_id: int
    number: str
    asset_id: int | None = None
    step: str


class RepairCompletedPayload(BaseModel):
    """``service.repair_completed``: the asset was delivered back (按时交车 or late)."""

    model_config = ConfigDict(extra="forbid")
    repair_id: int
    number: str
    asset_id: int | None = None
    on_time: bool
    promised_at: str  # the promise in force at delivery (ISO 8601, UTC)
    delivered_at: str
    parts_cost: str  # decimal text


# kind → (payload model, default channel, description)
KINDS: dict[str, tuple[type[BaseModel], str | None, str]] = {
    "service.repair_opened": (
        RepairOpenedPayload, "other", "a repair / field-service order was opened"),
    "service.repair_step": (
        RepairStepPayload, "other", "a repair order reached a progress step"),
    "service.repair_completed": (
        RepairCompletedPayload, "other", "a repaired asset was delivered (on time or late)"),
}

# Field service happens at the customer's site; workshop repairs are internal work.
CHANNEL_BY_LOCATION = {"field": "visit", "workshop": "other"}
