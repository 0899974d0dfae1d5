"""analytics: the value area's tables

Revision ID: analytics_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, Money, UTCDateTime

revision: str = "analytics_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    op.create_table(
        "analytics_customer_value",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("revenue", Money(), nullable=False),
        sa.Column("cost", Money(), nullable=False),
        sa.Column("margin", Money(), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("last_purchase_at", UTCDateTime(), nullable=True),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("abc", sa.String(length=1), nullable=True),
        sa.Column("quadrant", sa.String(length=20), nullable=True),
        sa.Column("member_class", sa.String(length=20), nullable=True),
        sa.Column("recency_score", sa.Integer(), nullable=True),
        sa.Column("frequency_score", sa.Integer(), nullable=True),
        sa.Column("monetary_score", sa.Integer(), nullable=True),
        sa.Column("rfm_segment", sa.String(length=30), nullable=True),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index(
        "ix_analytics_customer_value_tier", "analytics_customer_value", ["tier"]
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_customer_value_tier", "analytics_customer_value")
    op.drop_table("analytics_customer_value")
