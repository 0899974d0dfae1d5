"""The interaction kinds the messages area logs: sends, failures, skips, opt-outs.

The channel of each logged interaction is the message's own (email, sms, letter), so the
kinds carry no default channel of their own beyond ``email``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class MessagePayload(BaseModel):
    """``marketing.message_sent`` / ``_failed`` / ``_skipped``: one campaign message."""

    model_config = ConfigDict(extra="forbid")
    campaign_id: int
    message_id: int | None = None  # the marketing_message row
    template: str | None = None
    reason: str | None = None  # why it failed or was skipped


class UnsubscribedPayload(BaseModel):
    """``marketing.unsubscribed``: the customer followed an unsubscribe link."""

    model_config = ConfigDict(extra="forbid")
    campaign_id: int | None = None
    purpose: str


SENT = "marketing.message_sent"
FAILED = "marketing.message_failed"
SKIPPED = "marketing.message_skipped"
UNSUBSCRIBED = "marketing.unsubscribed"

KINDS = {
    SENT: (MessagePayload, "email", "a campaign message was accepted by the sender"),
    FAILED: (MessagePayload, "email", "a campaign message was refused for this recipient"),
    SKIPPED: (MessagePayload, "email", "a campaign message was not sent (no consent or address)"),
    UNSUBSCRIBED: (UnsubscribedPayload, "email", "the customer unsubscribed through a link"),
}
