"""Settings of the clv area (``[analytics.clv]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TimeUnit = Literal["days", "weeks", "months"]

# Days per time unit: a month is the mean Gregorian month (365.2425 / 12 days).
UNIT_DAYS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 365.2425 / 12}


class ClvSettings(BaseModel):
    """How the clv area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    time_unit: TimeUnit = Field(
        "weeks", description="unit of frequency/recency/age and of the fit (weeks = days / 7)")
    horizon_months: int = Field(
        12, ge=1, le=120, description="months ahead for expected purchases and CLV")
    margin: float = Field(
        1.0, gt=0, le=1,
        description="share of revenue that is profit (1.0: CLV in revenue, not profit)")
    monthly_discount_rate: float = Field(
        0.01, ge=0, lt=1, description="discount rate per month for the CLV sum")
    holdout_months: int = Field(
        3, ge=0, le=60,
        description="months before the end of observation held out to check the fit "
                    "(0: fit on everything, no holdout check)")
    min_customers: int = Field(
        20, ge=5, description="customers with a purchase needed before fitting")
    min_repeat_buyers: int = Field(
        10, ge=3, description="customers with a repeat purchase needed before fitting")
    frequency_groups: int = Field(
        7, ge=2, le=30,
        description="holdout by frequency: groups 0 … n−1 repeat purchases, then n+")
