"""The ``[webhooks]`` settings section."""

from __future__ import annotations

from pydantic import BaseModel, Field

SECTION = "webhooks"


class WebhookSettings(BaseModel):
    """Outbound webhooks (section ``[webhooks]``)."""

    max_attempts: int = Field(
        8, ge=1, le=50, description="Attempts of one delivery before it is marked dead"
    )
    timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="How long one delivery attempt waits for the receiver"
    )
    batch_size: int = Field(
        100, ge=1, le=10000, description="Deliveries claimed and sent per batch"
    )
    cache_seconds: float = Field(
        10.0,
        ge=0,
        description="How long a process reuses its list of active endpoints before a re-read",
    )
    keep_days: int = Field(
        30, ge=1, description="Days delivered deliveries stay in the delivery log"
    )
