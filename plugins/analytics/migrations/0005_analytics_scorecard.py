"""analytics: the scorecard area's tables

Revision ID: analytics_0005
Revises: analytics_0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, UTCDateTime

revision: str = "analytics_0005"
down_revision: str | Sequence[str] | None = "analytics_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_scorecard_snapshot",
        sa.Column("id", BigID, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("perspective", sa.String(length=20), nullable=False),
        sa.Column("kpi", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attainment", sa.Float(), nullable=True),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "period_start", "period_end", "perspective", "kpi",
            name="uq_analytics_scorecard_snapshot_line",
        ),
    )
    op.create_index(
        "ix_analytics_scorecard_snapshot_period_start", "analytics_scorecard_snapshot",
        ["period_start"],
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_scorecard_snapshot_period_start", "analytics_scorecard_snapshot")
    op.drop_table("analytics_scorecard_snapshot")
