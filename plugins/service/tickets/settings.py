"""Settings of the tickets (``[service.tickets]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TicketSettings(BaseModel):
    """What an edition may configure in the tickets area."""

    model_config = ConfigDict(extra="forbid")
