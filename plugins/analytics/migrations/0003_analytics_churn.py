"""analytics: the churn area's tables

Revision ID: analytics_0003
Revises: analytics_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, Money, UTCDateTime

revision: str = "analytics_0003"
down_revision: str | Sequence[str] | None = "analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_spend_threshold",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("min_amount", Money(), nullable=True),
        sa.Column("min_count", sa.Integer(), nullable=True),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.Column("set_by_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["set_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "analytics_churn_alert",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("threshold_amount", Money(), nullable=True),
        sa.Column("threshold_count", sa.Float(), nullable=True),
        sa.Column("baseline", Money(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("basis", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", BigID, nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("cause", sa.String(length=12), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("task_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["closed_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "month", "kind", name="uq_analytics_churn_alert"),
    )
    op.create_index(
        "ix_analytics_churn_alert_month", "analytics_churn_alert", ["month"]
    )
    op.create_index(
        "ix_analytics_churn_alert_status", "analytics_churn_alert", ["status", "month"]
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_churn_alert_month", "analytics_churn_alert")
    op.drop_index("ix_analytics_churn_alert_status", "analytics_churn_alert")
    op.drop_table("analytics_churn_alert")
    op.drop_table("analytics_spend_threshold")
