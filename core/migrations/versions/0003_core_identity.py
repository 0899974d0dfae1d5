"""core: identity resolution and data exchange (match keys, duplicate pairs, merges, import runs)

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, UTCDateTime

revision: str = "core_0003"
down_revision: str | Sequence[str] | None = "core_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_match_key",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "customer_id"),
        # One B-tree for the keys: "who shares this key?" is a range seek.
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_customer_match_key_customer", "customer_match_key", ["customer_id"]
    )
    op.create_table(
        "duplicate_pair",
        sa.Column("id", BigID, nullable=False),
        sa.Column("left_id", BigID, nullable=False),
        sa.Column("right_id", BigID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("passes", JSONType, nullable=False),
        sa.Column("fields", JSONType, nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", BigID, nullable=True),
        sa.Column("merge_id", BigID, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("left_id", "right_id", name="uq_duplicate_pair"),
    )
    op.create_index(
        "ix_duplicate_pair_right", "duplicate_pair", ["right_id"]
    )
    op.create_index(
        "ix_duplicate_pair_state", "duplicate_pair", ["state", "score"]
    )
    op.create_table(
        "customer_merge",
        sa.Column("id", BigID, nullable=False),
        sa.Column("survivor_id", BigID, nullable=False),
        sa.Column("merged_ids", JSONType, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("choices", JSONType, nullable=False),
        sa.Column("journal", JSONType, nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.Column("undone_by_id", BigID, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_customer_merge_survivor_id", "customer_merge", ["survivor_id"]
    )
    op.create_table(
        "merged_customer",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("survivor_id", BigID, nullable=False),
        sa.Column("merge_id", BigID, nullable=False),
        sa.ForeignKeyConstraint(["merge_id"], ["customer_merge.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index(
        "ix_merged_customer_survivor_id", "merged_customer", ["survivor_id"]
    )
    op.create_table(
        "import_run",
        sa.Column("id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("options_digest", sa.String(length=64), nullable=False),
        sa.Column("size", BigID, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("actor_id", BigID, nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_import_run_file", "import_run", ["kind", "digest"]
    )


def downgrade() -> None:
    op.drop_index("ix_import_run_file", "import_run")
    op.drop_table("import_run")
    op.drop_index("ix_merged_customer_survivor_id", "merged_customer")
    op.drop_table("merged_customer")
    op.drop_index("ix_customer_merge_survivor_id", "customer_merge")
    op.drop_table("customer_merge")
    op.drop_index("ix_duplicate_pair_right", "duplicate_pair")
    op.drop_index("ix_duplicate_pair_state", "duplicate_pair")
    op.drop_table("duplicate_pair")
    op.drop_index("ix_customer_match_key_customer", "customer_match_key")
    op.drop_table("customer_match_key")
