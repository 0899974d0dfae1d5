"""marketing: the triggers area's tables (trigger fires, social posts)

Revision ID: marketing_0007
Revises: marketing_0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, UTCDateTime

revision: str = "marketing_0007"
down_revision: str | Sequence[str] | None = "marketing_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "marketing_trigger_fire",
        sa.Column("id", BigID, nullable=False),
        sa.Column("trigger", sa.String(length=60), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("occurrence", sa.String(length=80), nullable=False),
        sa.Column("period", sa.String(length=80), nullable=False),
        sa.Column("campaign_id", BigID, nullable=False),
        sa.Column("fired_on", sa.Date(), nullable=False),
        sa.Column("fired_at", UTCDateTime(), nullable=False),
        sa.Column("reason", JSONType, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "trigger", "customer_id", "occurrence", name="uq_marketing_trigger_fire"
        ),
    )
    op.create_index(
        "ix_marketing_trigger_fire_customer_id", "marketing_trigger_fire", ["customer_id"]
    )
    op.create_index(
        "ix_marketing_trigger_fire_period", "marketing_trigger_fire", ["trigger", "period"]
    )
    op.create_table(
        "marketing_social_post",
        sa.Column("id", BigID, nullable=False),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("commercial", sa.Boolean(), nullable=False),
        sa.Column("classified_by", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("planned_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("override_reason", sa.String(), nullable=True),
        sa.Column("violations", JSONType, nullable=False),
        sa.Column("created_by_id", BigID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_marketing_social_post_account_time",
        "marketing_social_post",
        ["account", "planned_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_marketing_social_post_account_time", table_name="marketing_social_post")
    op.drop_table("marketing_social_post")
    op.drop_index("ix_marketing_trigger_fire_period", table_name="marketing_trigger_fire")
    op.drop_index("ix_marketing_trigger_fire_customer_id", table_name="marketing_trigger_fire")
    op.drop_table("marketing_trigger_fire")
