"""Settings of the churn area (``[analytics.churn]``).

Two alerts watch each customer's monthly purchases (REQUIREMENTS §7.3.1, §7.3.6,
[S002:449], [S004:833]): the *threshold* alert (a month's spend or count below the
customer's threshold: one set by hand, else a default derived from the customer's own
trailing months) and the *drop* alert (a month's spend far below the customer's own
history, an outlier test). See ``docs/plugins/analytics/churn.md``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ChurnSettings(BaseModel):
    """How the churn area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")

    # --- threshold alert (§7.3.1) -------------------------------------------------
    default_threshold: bool = Field(
        True, description="customers without a threshold of their own get one derived from "
                          "their trailing months")
    threshold_fraction: float = Field(
        0.5, gt=0, le=1, description="default threshold = this fraction of the customer's "
                                     "average monthly spend and count over the trailing months")
    trailing_months: int = Field(
        6, ge=2, le=36, description="months before the watched month that make a customer's "
                                    "own history (both alerts)")
    threshold_min_active_months: int = Field(
        6, ge=1, le=36, description="a default threshold watches only customers who bought in "
                                    "at least this many of the trailing months (regular buyers)")
    # --- drop alert (outlier analysis, §5.3 [S002:447-449]) -------------------------
    drop_method: Literal["robust_z", "ratio"] = Field(
        "robust_z", description="robust_z: modified z-score against the trailing median "
                                "(Iglewicz & Hoaglin); ratio: month / trailing median")
    drop_z: float = Field(
        3.5, gt=0, description="robust_z: a month is a drop when its modified z-score is at or "
                               "below minus this")
    drop_min_fall: float = Field(
        0.25, ge=0, lt=1, description="robust_z: and the month is at least this fraction below "
                                      "the trailing median (a material fall)")
    drop_ratio: float = Field(
        0.5, gt=0, lt=1, description="ratio: a month is a drop when month / trailing median is "
                                     "below this")
    drop_min_active_months: int = Field(
        4, ge=2, le=36, description="the drop alert watches customers who bought in at least "
                                    "this many of the trailing months")
    # --- both alerts --------------------------------------------------------------
    repeat_while_open: bool = Field(
        False, description="raise an alert of a kind again while an earlier one of that kind "
                           "is still open or acknowledged for the customer")
    follow_up_tasks: bool = Field(
        False, description="create a follow-up task for the customer's owner with each alert")
    follow_up_days: int = Field(3, ge=0, le=90, description="the task is due this many days "
                                                            "after the alert is raised")
    # --- risk list ----------------------------------------------------------------
    risk_limit: int = Field(50, ge=1, le=10000, description="rows of the churn-risk list")
