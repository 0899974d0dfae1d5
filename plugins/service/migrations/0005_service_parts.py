"""service: the parts area's tables

Revision ID: service_0005
Revises: service_0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, Money, UTCDateTime

revision: str = "service_0005"
down_revision: str | Sequence[str] | None = "service_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_part",
        sa.Column("id", BigID, nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("unit_cost", Money(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_service_part_number"),
    )
    op.create_table(
        "service_stock_location",
        sa.Column("id", BigID, nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", name="uq_service_stock_location_code"),
    )
    op.create_table(
        "service_stock",
        sa.Column("id", BigID, nullable=False),
        sa.Column("part_id", BigID, nullable=False),
        sa.Column("location_id", BigID, nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("reorder_point", sa.Integer(), nullable=True),
        sa.Column("reorder_quantity", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["service_stock_location.id"]),
        sa.ForeignKeyConstraint(["part_id"], ["service_part.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("part_id", "location_id", name="uq_service_stock_part_location"),
    )
    op.create_index("ix_service_stock_location", "service_stock", ["location_id"])
    op.create_table(
        "service_stock_movement",
        sa.Column("id", BigID, nullable=False),
        sa.Column("part_id", BigID, nullable=False),
        sa.Column("location_id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("on_hand_after", sa.Integer(), nullable=False),
        sa.Column("reserved_after", sa.Integer(), nullable=False),
        sa.Column("unit_cost", Money(), nullable=False),
        sa.Column("other_location_id", BigID, nullable=True),
        sa.Column("repair_id", BigID, nullable=True),
        sa.Column("reservation_id", BigID, nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["service_stock_location.id"]),
        sa.ForeignKeyConstraint(["other_location_id"], ["service_stock_location.id"]),
        sa.ForeignKeyConstraint(["part_id"], ["service_part.id"]),
        sa.ForeignKeyConstraint(["repair_id"], ["service_repair_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_stock_movement_at", "service_stock_movement", ["at"])
    op.create_index("ix_service_stock_movement_repair", "service_stock_movement", ["repair_id"])
    op.create_index(
        "ix_service_stock_movement_stock",
        "service_stock_movement",
        ["part_id", "location_id", "at"],
    )
    op.create_table(
        "service_stock_adjustment",
        sa.Column("id", BigID, nullable=False),
        sa.Column("part_id", BigID, nullable=False),
        sa.Column("location_id", BigID, nullable=False),
        sa.Column("book_quantity", sa.Integer(), nullable=False),
        sa.Column("counted_quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["service_stock_location.id"]),
        sa.ForeignKeyConstraint(["part_id"], ["service_part.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "service_part_reservation",
        sa.Column("id", BigID, nullable=False),
        sa.Column("repair_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("part_id", BigID, nullable=False),
        sa.Column("location_id", BigID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("actor_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["service_stock_location.id"]),
        sa.ForeignKeyConstraint(["part_id"], ["service_part.id"]),
        sa.ForeignKeyConstraint(["repair_id"], ["service_repair_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_service_part_reservation_customer_id", "service_part_reservation", ["customer_id"]
    )
    op.create_index("ix_service_part_reservation_repair", "service_part_reservation", ["repair_id"])
    op.create_index(
        "ix_service_part_reservation_stock",
        "service_part_reservation",
        ["part_id", "location_id", "status"],
    )
    op.create_table(
        "service_stockout",
        sa.Column("id", BigID, nullable=False),
        sa.Column("part_id", BigID, nullable=False),
        sa.Column("location_id", BigID, nullable=False),
        sa.Column("repair_id", BigID, nullable=True),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("short", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("filled_at", UTCDateTime(), nullable=True),
        sa.Column("actor_id", BigID, nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["service_stock_location.id"]),
        sa.ForeignKeyConstraint(["part_id"], ["service_part.id"]),
        sa.ForeignKeyConstraint(["repair_id"], ["service_repair_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_stockout_at", "service_stockout", ["at"])
    op.create_index(
        "ix_service_stockout_stock", "service_stockout", ["part_id", "location_id", "filled_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_stockout_at", "service_stockout")
    op.drop_index("ix_service_stockout_stock", "service_stockout")
    op.drop_table("service_stockout")
    op.drop_index("ix_service_part_reservation_customer_id", "service_part_reservation")
    op.drop_index("ix_service_part_reservation_repair", "service_part_reservation")
    op.drop_index("ix_service_part_reservation_stock", "service_part_reservation")
    op.drop_table("service_part_reservation")
    op.drop_table("service_stock_adjustment")
    op.drop_index("ix_service_stock_movement_at", "service_stock_movement")
    op.drop_index("ix_service_stock_movement_repair", "service_stock_movement")
    op.drop_index("ix_service_stock_movement_stock", "service_stock_movement")
    op.drop_table("service_stock_movement")
    op.drop_index("ix_service_stock_location", "service_stock")
    op.drop_table("service_stock")
    op.drop_table("service_stock_location")
    op.drop_table("service_part")
