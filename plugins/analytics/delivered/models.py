"""The delivered area's table: manual assessments of a customer's value components.

Some components of customer delivered value have no trace in the log (how a customer
perceives the staff, the brand, the effort it takes them): a person assesses them, in
money, and the ``assessment`` source reads the latest assessment per customer and
component. The note is free text about a person, so it is personal data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, Money, UTCDateTime


class CdvAssessment(SQLModel, table=True):
    """One assessment of one component (value or cost) of a customer's delivered value."""

    __tablename__ = "analytics_cdv_assessment"
    __table_args__ = (
        Index("ix_analytics_cdv_assessment_customer", "customer_id", "component", "assessed_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    component: str = Field(max_length=40)  # a component name of the settings
    value: Decimal = Field(sa_type=Money)  # in money, as perceived by the customer
    assessed_at: dt.datetime = Field(sa_type=UTCDateTime)
    assessed_by: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    note: str | None = Field(default=None, max_length=2000)  # personal


TABLES = (CdvAssessment,)
