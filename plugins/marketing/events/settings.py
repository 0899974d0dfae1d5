"""Settings of the events area (``[marketing.events]``): events and telemarketing call lists."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class EventSettings(BaseModel):
    """How the events area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    checkin_opens_minutes: int = Field(
        120, ge=0, description="How long before an event starts check-in opens"
    )
    no_show_after_hours: int = Field(
        12,
        ge=0,
        description="Hours after an event ends when the job marks who did not come as no-shows",
    )
    max_attempts: int = Field(
        3, ge=1, le=20, description="Default calls per call-list entry before it is given up"
    )
    retry_after_minutes: int = Field(
        120, ge=0, description="How long after no answer / busy an entry comes up again"
    )
    do_not_call_from: dt.time = Field(
        dt.time(21, 0), description="Start of the nightly window without calls (display time)"
    )
    do_not_call_until: dt.time = Field(
        dt.time(9, 0), description="End of that window; equal to the start: no window"
    )
    calls_need_opt_in: bool = Field(
        False,
        description=(
            "True: a customer who made no consent choice is treated as the privacy purpose's "
            "default says (marketing: not called); False: only an explicit withdrawal excludes"
        ),
    )
