"""The tables of guanxi_nps (created by the Alembic branch in migrations/)."""

from __future__ import annotations

import datetime as dt

import sqlmodel
from guanxi.db.types import BigID, UTCDateTime


# [tutorial: model]
class NpsSummary(sqlmodel.SQLModel, table=True):
    """Each customer's latest answer, kept up to date by the interactions_logged hook."""

    # Prefix table names with the plugin's name: every plugin shares one database.
    __tablename__ = "nps_summary"

    customer_id: int = sqlmodel.Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    answers: int = 0
    last_score: int | None = None
    last_answer_at: dt.datetime | None = sqlmodel.Field(default=None, sa_type=UTCDateTime)
# [/tutorial: model]
