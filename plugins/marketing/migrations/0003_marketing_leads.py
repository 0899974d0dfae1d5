"""marketing: the leads area's tables

Revision ID: marketing_0003
Revises: marketing_0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime

revision: str = "marketing_0003"
down_revision: str | Sequence[str] | None = "marketing_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_marketing_lead_status_source", ["status", "source"]),
    ("ix_marketing_lead_email", ["email"]),
    ("ix_marketing_lead_phone", ["phone"]),
    ("ix_marketing_lead_campaign_id", ["campaign_id"]),
    ("ix_marketing_lead_owner_id", ["owner_id"]),
    ("ix_marketing_lead_customer_id", ["customer_id"]),
)


def upgrade() -> None:
    op.create_table(
        "marketing_lead",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", BigID, nullable=True),
        sa.Column("interest", sa.String(length=500), nullable=True),
        sa.Column("estimated_value", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disqualified_reason", sa.String(length=200), nullable=True),
        sa.Column("owner_id", BigID, nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("score_components", JSONType, nullable=False),
        sa.Column("scored_at", UTCDateTime(), nullable=True),
        sa.Column("touches", JSONType, nullable=False),
        sa.Column("matched_customer_id", BigID, nullable=True),
        sa.Column("customer_id", BigID, nullable=True),
        sa.Column("conversion", JSONType, nullable=False),
        sa.Column("converted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["matched_customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, columns in INDEXES:
        op.create_index(name, "marketing_lead", columns)


def downgrade() -> None:
    for name, _ in reversed(INDEXES):
        op.drop_index(name, "marketing_lead")
    op.drop_table("marketing_lead")
