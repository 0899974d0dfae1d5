"""The interaction kinds the events area logs, with their payload models.

Every payload names the campaign (``campaign_id``), so attribution reads an event
registration or a telemarketing call as a touch of its campaign.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventRegistrationPayload(BaseModel):
    """``marketing.event_*``: a registration for an event changed."""

    model_config = ConfigDict(extra="forbid")
    event_id: int
    campaign_id: int
    event: str
    kind: str
    registration_id: int
    status: str
    walk_in: bool = False


class CallPayload(BaseModel):
    """``marketing.call_made``: an agent phoned a customer from a call list."""

    model_config = ConfigDict(extra="forbid")
    call_list_id: int
    entry_id: int
    campaign_id: int | None = None
    outcome: str
    attempt: int
    callback_at: str | None = None  # ISO time the customer asked to be called back


# kind → (payload model, default channel, description)
KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "marketing.event_registered": (
        EventRegistrationPayload, "event", "a customer registered for an event (or waitlisted)"),
    "marketing.event_confirmed": (
        EventRegistrationPayload, "event", "a customer confirmed an event registration"),
    "marketing.event_promoted": (
        EventRegistrationPayload, "event", "a waitlisted customer got a place at an event"),
    "marketing.event_cancelled": (
        EventRegistrationPayload, "event", "an event registration was cancelled"),
    "marketing.event_attended": (
        EventRegistrationPayload, "event", "a customer checked in at an event"),
    "marketing.event_no_show": (
        EventRegistrationPayload, "event", "a registered customer did not come to an event"),
    "marketing.call_made": (
        CallPayload, "phone", "an agent phoned a customer from a call list, with the outcome"),
}
