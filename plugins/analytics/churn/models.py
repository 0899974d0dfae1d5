"""The churn area's tables: spend thresholds set per customer, and the churn alerts.

A :class:`SpendThreshold` is the credit-card rule's per-customer threshold (REQUIREMENTS
§7.3.1, [S002:449]): a minimum monthly spend and/or a minimum monthly number of purchases.
A :class:`ChurnAlert` is one customer's flagged month (a ``threshold`` or a ``drop``
alert), with the figures that raised it and, once closed, the outcome and the churn
cause of [S004:405] for the cause breakdown.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, Money, UTCDateTime

ALERT_KINDS = ("threshold", "drop")
ALERT_STATUSES = ("open", "acknowledged", "closed")
# How a closed alert ended: the customer stayed (or came back), left, or was never at risk.
OUTCOMES = ("retained", "churned", "false_alarm")
# Why a customer left [S004:405]: competition, the customer's own factors, the firm's errors.
CAUSES = ("competition", "customer", "firm", "unknown")


class SpendThreshold(SQLModel, table=True):
    """A customer's own monthly threshold: spend below ``min_amount`` or fewer than
    ``min_count`` purchases in a month raises a threshold alert."""

    __tablename__ = "analytics_spend_threshold"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    min_amount: Decimal | None = Field(default=None, sa_type=Money)
    min_count: int | None = None
    set_at: dt.datetime = Field(sa_type=UTCDateTime)
    set_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class ChurnAlert(SQLModel, table=True):
    """One flagged customer-month: a threshold or a sudden-drop alert."""

    __tablename__ = "analytics_churn_alert"
    __table_args__ = (
        # One alert per customer, month and kind: the job is idempotent through this.
        UniqueConstraint("customer_id", "month", "kind", name="uq_analytics_churn_alert"),
        Index("ix_analytics_churn_alert_status", "status", "month"),
        Index("ix_analytics_churn_alert_month", "month"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    kind: str = Field(max_length=10)  # one of ALERT_KINDS
    month: dt.date  # first day of the watched month (local)
    # The month's figures and what they were measured against.
    amount: Decimal = Field(sa_type=Money)  # net spend in the month
    count: int  # purchases in the month
    threshold_amount: Decimal | None = Field(default=None, sa_type=Money)
    threshold_count: float | None = None
    baseline: Decimal | None = Field(default=None, sa_type=Money)  # trailing average or median
    score: float | None = None  # modified z-score or ratio (drop alerts)
    basis: str = Field(max_length=12)  # customer | default | robust_z | ratio
    status: str = Field(default="open", max_length=12)  # one of ALERT_STATUSES
    raised_at: dt.datetime = Field(sa_type=UTCDateTime)
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    outcome: str | None = Field(default=None, max_length=12)  # one of OUTCOMES
    cause: str | None = Field(default=None, max_length=12)  # one of CAUSES (when churned)
    note: str | None = None  # free text about the customer: cleared on erasure
    task_id: int | None = Field(default=None, foreign_key="task.id", sa_type=BigID)


TABLES = (SpendThreshold, ChurnAlert)
