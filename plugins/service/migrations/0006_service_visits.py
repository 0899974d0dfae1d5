"""service: the visits area's tables

Revision ID: service_0006
Revises: service_0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, Money, UTCDateTime

revision: str = "service_0006"
down_revision: str | Sequence[str] | None = "service_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_visit",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("plan", sa.String(length=80), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=True),
        sa.Column("trigger_id", BigID, nullable=True),
        sa.Column("trigger_kind", sa.String(length=80), nullable=True),
        sa.Column("asset_id", BigID, nullable=True),
        sa.Column("ticket_id", BigID, nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("fee", Money(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assignee_id", BigID, nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("next_action", sa.String(), nullable=True),
        sa.Column("cancel_reason", sa.String(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by_id", BigID, nullable=True),
        sa.Column("overdue_at", UTCDateTime(), nullable=True),
        sa.Column("task_id", BigID, nullable=True),
        sa.Column("complaint_id", BigID, nullable=True),
        sa.Column("created_by_id", BigID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["service_asset.id"]),
        sa.ForeignKeyConstraint(["assignee_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["complaint_id"], ["service_ticket.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["done_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan", "trigger_id", "step", name="uq_service_visit_trigger"),
    )
    op.create_index(
        "ix_service_visit_asset", "service_visit", ["asset_id"]
    )
    op.create_index(
        "ix_service_visit_assignee", "service_visit", ["assignee_id", "status", "due_on"]
    )
    op.create_index(
        "ix_service_visit_customer", "service_visit", ["customer_id", "due_on"]
    )
    op.create_index(
        "ix_service_visit_status_due", "service_visit", ["status", "due_on"]
    )
    op.create_index(
        "ix_service_visit_ticket", "service_visit", ["ticket_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_visit_asset", "service_visit")
    op.drop_index("ix_service_visit_assignee", "service_visit")
    op.drop_index("ix_service_visit_customer", "service_visit")
    op.drop_index("ix_service_visit_status_due", "service_visit")
    op.drop_index("ix_service_visit_ticket", "service_visit")
    op.drop_table("service_visit")
