"""nps: the initial schema (nps_summary)

Revision ID: nps_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from guanxi.db.types import BigID, UTCDateTime

# The first revision of the plugin's own branch: labelled with the plugin's name, after
# the core's tables (customer.id). `guanxi db upgrade` applies it; `guanxi db downgrade
# nps@base` removes it. A later change is a new file with down_revision = "nps_0001".
revision: str = "nps_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("nps",)
depends_on: str | Sequence[str] | None = "core"


# [tutorial: migration]
def upgrade() -> None:
    op.create_table(
        "nps_summary",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("last_score", sa.Integer(), nullable=True),
        sa.Column("last_answer_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )


def downgrade() -> None:
    op.drop_table("nps_summary")
# [/tutorial: migration]
