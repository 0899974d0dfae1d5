"""service: the repairs area's tables

Revision ID: service_0004
Revises: service_0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, Money, UTCDateTime

revision: str = "service_0004"
down_revision: str | Sequence[str] | None = "service_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_repair_order",
        sa.Column("id", BigID, nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("asset_id", BigID, nullable=True),
        sa.Column("ticket_id", BigID, nullable=True),
        sa.Column("location", sa.String(length=10), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.Column("technician_id", BigID, nullable=True),
        sa.Column("billing", sa.String(length=4), nullable=False),
        sa.Column("warranty_status", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("first_promised_at", UTCDateTime(), nullable=False),
        sa.Column("promised_at", UTCDateTime(), nullable=False),
        sa.Column("promise_changes", sa.Integer(), nullable=False),
        sa.Column("ready_at", UTCDateTime(), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("parts_cost", Money(), nullable=False),
        sa.Column("labour_charge", Money(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["service_asset.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["technician_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_service_repair_order_number"),
    )
    op.create_index("ix_service_repair_order_asset", "service_repair_order", ["asset_id"])
    op.create_index("ix_service_repair_order_customer", "service_repair_order", ["customer_id"])
    op.create_index("ix_service_repair_order_delivered", "service_repair_order", ["delivered_at"])
    op.create_index(
        "ix_service_repair_order_open", "service_repair_order", ["status", "promised_at"]
    )
    op.create_index(
        "ix_service_repair_order_technician", "service_repair_order", ["technician_id", "status"]
    )
    op.create_table(
        "service_repair_step",
        sa.Column("id", BigID, nullable=False),
        sa.Column("repair_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("promised_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["repair_id"], ["service_repair_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_repair_step_customer_id", "service_repair_step", ["customer_id"])
    op.create_index("ix_service_repair_step_order", "service_repair_step", ["repair_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_service_repair_step_customer_id", "service_repair_step")
    op.drop_index("ix_service_repair_step_order", "service_repair_step")
    op.drop_table("service_repair_step")
    op.drop_index("ix_service_repair_order_asset", "service_repair_order")
    op.drop_index("ix_service_repair_order_customer", "service_repair_order")
    op.drop_index("ix_service_repair_order_delivered", "service_repair_order")
    op.drop_index("ix_service_repair_order_open", "service_repair_order")
    op.drop_index("ix_service_repair_order_technician", "service_repair_order")
    op.drop_table("service_repair_order")
