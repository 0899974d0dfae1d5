"""Settings of the messages area (``[marketing.messages]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class MessageSettings(BaseModel):
    """How the messages area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
