"""marketing: the messages area's tables

Revision ID: marketing_0004
Revises: marketing_0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, UTCDateTime

revision: str = "marketing_0004"
down_revision: str | Sequence[str] | None = "marketing_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "marketing_message",
        sa.Column("id", BigID, nullable=False),
        sa.Column("campaign_id", BigID, nullable=False),
        sa.Column("member_id", BigID, nullable=True),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["marketing_campaign_member.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "customer_id"),
    )
    op.create_index(
        "ix_marketing_message_campaign_status", "marketing_message", ["campaign_id", "status"]
    )
    op.create_index("ix_marketing_message_customer_id", "marketing_message", ["customer_id"])
    op.create_table(
        "marketing_outbox",
        sa.Column("id", BigID, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("campaign_id", BigID, nullable=True),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("picked_up_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_marketing_outbox_channel_picked", "marketing_outbox", ["channel", "picked_up_at"]
    )
    op.create_index("ix_marketing_outbox_customer_id", "marketing_outbox", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_marketing_outbox_customer_id", "marketing_outbox")
    op.drop_index("ix_marketing_outbox_channel_picked", "marketing_outbox")
    op.drop_table("marketing_outbox")
    op.drop_index("ix_marketing_message_customer_id", "marketing_message")
    op.drop_index("ix_marketing_message_campaign_status", "marketing_message")
    op.drop_table("marketing_message")
