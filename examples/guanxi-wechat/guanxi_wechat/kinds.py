"""The interaction kinds the plugin logs, with their payload models.

The text of a message is the entry's *subject*, not part of its payload: the core's
erasure and retention clear subjects, and a payload should hold what reports read
(who, what type, which message), never what a person wrote.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MSG_TYPES = ("text", "image", "event")


class MessageInPayload(BaseModel):
    """``wechat.message_in``: a message or event a follower sent to the account."""

    model_config = ConfigDict(extra="forbid")
    openid: str = Field(min_length=1, max_length=64)
    msg_type: Literal["text", "image", "event"]
    msg_id: str | None = Field(None, max_length=64)
    event: str | None = Field(None, max_length=40)  # subscribe, unsubscribe, CLICK …
    pic_url: str | None = None


class MessageOutPayload(BaseModel):
    """``wechat.message_out``: a message the account sent to a follower."""

    model_config = ConfigDict(extra="forbid")
    openid: str = Field(min_length=1, max_length=64)
    msg_type: Literal["text"] = "text"
    # What the sender that took it answered ("outbox:12" for the default outbox).
    delivery: str | None = None


# kind -> (payload model, description)
KINDS: dict[str, tuple[type[BaseModel], str]] = {
    "wechat.message_in": (MessageInPayload, "a follower wrote to (or followed) the WeChat account"),
    "wechat.message_out": (MessageOutPayload, "the WeChat account sent a follower a message"),
}
