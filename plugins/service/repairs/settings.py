"""Settings of the repairs (``[service.repairs]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_STEPS = ["received", "diagnosed", "waiting_parts", "repairing", "testing", "ready",
                 "delivered"]


class RepairSettings(BaseModel):
    """What an edition may configure in the repairs area."""

    model_config = ConfigDict(extra="forbid")
    steps: list[str] = Field(
        default_factory=lambda: list(DEFAULT_STEPS),
        description="progress steps in order; the first is where an order starts, "
                    "'ready' (if listed) stamps ready_at, the last must be 'delivered'",
    )
    default_promise_hours: int = Field(
        default=72, ge=1, le=24 * 365,
        description="promised completion when an order is opened without one",
    )
    number_prefix: str = Field(default="RO-", max_length=8, description="order number prefix")

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[str]) -> list[str]:
        cleaned = [s.strip().lower() for s in steps]
        if len(cleaned) < 2 or cleaned[-1] != "delivered":
            raise ValueError("needs at least two steps, the last one 'delivered'")
        if len(set(cleaned)) != len(cleaned) or any(not s or len(s) > 30 for s in cleaned):
            raise ValueError("steps must be distinct names of 1 to 30 characters")
        return cleaned
