"""analytics: the delivered area's tables

Revision ID: analytics_0004
Revises: analytics_0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, Money, UTCDateTime

revision: str = "analytics_0004"
down_revision: str | Sequence[str] | None = "analytics_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_cdv_assessment",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("component", sa.String(length=40), nullable=False),
        sa.Column("value", Money(), nullable=False),
        sa.Column("assessed_at", UTCDateTime(), nullable=False),
        sa.Column("assessed_by", BigID, nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["assessed_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_analytics_cdv_assessment_customer", "analytics_cdv_assessment",
        ["customer_id", "component", "assessed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_cdv_assessment_customer", "analytics_cdv_assessment")
    op.drop_table("analytics_cdv_assessment")
