"""marketing: the segments area's tables

Revision ID: marketing_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, UTCDateTime

revision: str = "marketing_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("marketing",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    op.create_table(
        "marketing_segment",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("expression", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("owner_id", BigID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "marketing_segment_member",
        sa.Column("segment_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["segment_id"], ["marketing_segment.id"]),
        sa.PrimaryKeyConstraint("segment_id", "customer_id"),
    )
    op.create_index(
        "ix_marketing_segment_member_customer_id", "marketing_segment_member", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_marketing_segment_member_customer_id", "marketing_segment_member")
    op.drop_table("marketing_segment_member")
    op.drop_table("marketing_segment")
