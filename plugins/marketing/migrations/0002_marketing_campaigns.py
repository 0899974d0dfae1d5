"""marketing: the campaigns area's tables

Revision ID: marketing_0002
Revises: marketing_0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime

revision: str = "marketing_0002"
down_revision: str | Sequence[str] | None = "marketing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "marketing_campaign",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("parent_id", BigID, nullable=True),
        sa.Column("segment_id", BigID, nullable=True),
        sa.Column("budget", Money(), nullable=False),
        sa.Column("actual_cost", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("template", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("settings", JSONType, nullable=False),
        sa.Column("owner_id", BigID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["parent_id"], ["marketing_campaign.id"]),
        sa.ForeignKeyConstraint(["segment_id"], ["marketing_segment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_marketing_campaign_status_type", "marketing_campaign", ["status", "type"]
    )
    op.create_table(
        "marketing_campaign_member",
        sa.Column("id", BigID, nullable=False),
        sa.Column("campaign_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("responded_at", UTCDateTime(), nullable=True),
        sa.Column("converted_at", UTCDateTime(), nullable=True),
        sa.Column("response", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "customer_id"),
    )
    op.create_index(
        "ix_marketing_campaign_member_status",
        "marketing_campaign_member",
        ["campaign_id", "status"],
    )
    op.create_index(
        "ix_marketing_campaign_member_customer_id", "marketing_campaign_member", ["customer_id"]
    )
    op.create_table(
        "marketing_campaign_cost",
        sa.Column("id", BigID, nullable=False),
        sa.Column("campaign_id", BigID, nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("recorded_by_id", BigID, nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_marketing_campaign_cost_campaign_id", "marketing_campaign_cost", ["campaign_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_marketing_campaign_cost_campaign_id", "marketing_campaign_cost")
    op.drop_table("marketing_campaign_cost")
    op.drop_index("ix_marketing_campaign_member_customer_id", "marketing_campaign_member")
    op.drop_index("ix_marketing_campaign_member_status", "marketing_campaign_member")
    op.drop_table("marketing_campaign_member")
    op.drop_index("ix_marketing_campaign_status_type", "marketing_campaign")
    op.drop_table("marketing_campaign")
