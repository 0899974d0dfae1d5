"""Settings of the tickets (``[service.tickets]``) area.

.. code-block:: toml

    [service.tickets]
    number_prefix = "SR"          # ticket numbers SR-000123
    auto_close_after_days = 7     # resolved tickets close themselves after a week (0: never)
    section_recent_closed = 5     # closed tickets shown in the customer 360 view
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TicketSettings(BaseModel):
    """What an edition may configure in the tickets area."""

    model_config = ConfigDict(extra="forbid")
    number_prefix: str = Field(
        default="SR", pattern=r"^[A-Z]{1,6}$",
        description="Prefix of ticket numbers (SR-000123); capital letters only")
    auto_close_after_days: int = Field(
        default=7, ge=0, le=365,
        description="Days after which a resolved ticket is closed by the job "
                    "service.tickets_auto_close (0: never)")
    section_recent_closed: int = Field(
        default=5, ge=0, le=50,
        description="How many recently closed tickets the customer 360 view shows")
