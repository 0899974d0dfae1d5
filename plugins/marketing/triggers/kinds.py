"""The interaction kinds the triggers area logs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class TriggerFiredPayload(BaseModel):
    """``marketing.trigger_fired``: a trigger chose the customer for a message."""

    model_config = ConfigDict(extra="forbid")
    trigger: str
    type: str
    occurrence: str
    campaign_id: int
    reason: dict[str, Any] = {}


KINDS = {
    "marketing.trigger_fired": (
        TriggerFiredPayload,
        "other",
        "a triggered campaign (birthday, occasion reminder, re-engagement) chose the customer",
    ),
}
