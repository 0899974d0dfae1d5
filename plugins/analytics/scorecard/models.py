"""The scorecard area's table: the scorecard as it stood at the end of each period.

A snapshot (the monthly job, or ``guanxi analytics scorecard snapshot``) stores one row per
perspective and KPI for a period, so the trend of every line over months can be shown
without recomputing months whose data may since have been corrected. The rows are
company-wide figures (no customer column): they are taken by a principal who sees every
customer, and read back only by one (see :mod:`guanxi_analytics.scorecard.snapshots`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime


class ScorecardSnapshot(SQLModel, table=True):
    """One scorecard line of one period."""

    __tablename__ = "analytics_scorecard_snapshot"
    __table_args__ = (
        UniqueConstraint("period_start", "period_end", "perspective", "kpi",
                         name="uq_analytics_scorecard_snapshot_line"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    period_start: dt.date = Field(index=True)
    period_end: dt.date  # exclusive
    perspective: str = Field(max_length=20)  # learning | process | customer | financial
    kpi: str = Field(max_length=80)
    value: float | None = None  # None: no data in the period
    target: float | None = None
    status: str = Field(max_length=10)  # green | amber | red | none | no data
    attainment: float | None = None  # value against target, 1.0 = on target
    computed_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES = (ScorecardSnapshot,)
