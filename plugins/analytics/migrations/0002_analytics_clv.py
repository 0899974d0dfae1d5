"""analytics: the clv area's tables

Revision ID: analytics_0002
Revises: analytics_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime

revision: str = "analytics_0002"
down_revision: str | Sequence[str] | None = "analytics_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_model_fit",
        sa.Column("id", BigID, nullable=False),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
        sa.Column("calibration_start", sa.Date(), nullable=False),
        sa.Column("calibration_end", sa.Date(), nullable=False),
        sa.Column("observation_end", sa.Date(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("repeat_buyers", sa.Integer(), nullable=False),
        sa.Column("params", JSONType, nullable=False),
        sa.Column("holdout", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "analytics_customer_clv",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("fit_id", BigID, nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("recency", sa.Float(), nullable=False),
        sa.Column("age", sa.Float(), nullable=False),
        sa.Column("monetary", Money(), nullable=True),
        sa.Column("expected_purchases", sa.Float(), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=False),
        sa.Column("clv", Money(), nullable=True),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["fit_id"], ["analytics_model_fit.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index(
        "ix_analytics_customer_clv_alive", "analytics_customer_clv", ["p_alive"]
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_customer_clv_alive", "analytics_customer_clv")
    op.drop_table("analytics_customer_clv")
    op.drop_table("analytics_model_fit")
