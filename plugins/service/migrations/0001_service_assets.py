"""service: the assets area's tables

Revision ID: service_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, UTCDateTime

revision: str = "service_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("service",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    op.create_table(
        "service_asset",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("serial_number", sa.String(length=80), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=True),
        sa.Column("dealer_id", BigID, nullable=True),
        sa.Column("handed_over_on", sa.Date(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attributes", JSONType, nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["dealer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial_number", name="uq_service_asset_serial_number"),
    )
    op.create_index(
        "ix_service_asset_customer", "service_asset", ["customer_id"]
    )
    op.create_index(
        "ix_service_asset_dealer", "service_asset", ["dealer_id", "product"]
    )
    op.create_table(
        "service_warranty",
        sa.Column("id", BigID, nullable=False),
        sa.Column("asset_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("terms", sa.String(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("coverage", sa.String(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("expired_logged", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["service_asset.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_service_warranty_asset_id", "service_warranty", ["asset_id"]
    )
    op.create_index(
        "ix_service_warranty_customer_id", "service_warranty", ["customer_id"]
    )
    op.create_index(
        "ix_service_warranty_ends_on", "service_warranty", ["ends_on"]
    )
    op.create_table(
        "service_asset_event",
        sa.Column("id", BigID, nullable=False),
        sa.Column("asset_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_value", sa.String(length=200), nullable=True),
        sa.Column("to_value", sa.String(length=200), nullable=True),
        sa.Column("body", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["asset_id"], ["service_asset.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_service_asset_event_asset", "service_asset_event", ["asset_id", "at"]
    )
    op.create_index(
        "ix_service_asset_event_customer_id", "service_asset_event", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_asset_event_asset", "service_asset_event")
    op.drop_index("ix_service_asset_event_customer_id", "service_asset_event")
    op.drop_table("service_asset_event")
    op.drop_index("ix_service_warranty_asset_id", "service_warranty")
    op.drop_index("ix_service_warranty_customer_id", "service_warranty")
    op.drop_index("ix_service_warranty_ends_on", "service_warranty")
    op.drop_table("service_warranty")
    op.drop_index("ix_service_asset_customer", "service_asset")
    op.drop_index("ix_service_asset_dealer", "service_asset")
    op.drop_table("service_asset")
