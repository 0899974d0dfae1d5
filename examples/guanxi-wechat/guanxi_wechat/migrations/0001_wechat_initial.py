"""wechat: followers and the outbox

Revision ID: wechat_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, UTCDateTime

revision: str = "wechat_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("wechat",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    op.create_table(
        "wechat_follower",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("subscribed_at", UTCDateTime(), nullable=True),
        sa.Column("unsubscribed_at", UTCDateTime(), nullable=True),
        sa.Column("last_message_at", UTCDateTime(), nullable=True),
        sa.Column("last_msg_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("openid"),
    )
    op.create_index("ix_wechat_follower_customer", "wechat_follower", ["customer_id"])
    op.create_table(
        "wechat_outbox",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("msg_type", sa.String(length=10), nullable=False),
        sa.Column("content", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wechat_outbox_status", "wechat_outbox", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_wechat_outbox_status", table_name="wechat_outbox")
    op.drop_table("wechat_outbox")
    op.drop_index("ix_wechat_follower_customer", table_name="wechat_follower")
    op.drop_table("wechat_follower")
