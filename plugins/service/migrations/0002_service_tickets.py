"""service: the tickets area's tables

Revision ID: service_0002
Revises: service_0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, UTCDateTime

revision: str = "service_0002"
down_revision: str | Sequence[str] | None = "service_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_ticket",
        sa.Column("id", BigID, nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.Column("assignee_id", BigID, nullable=True),
        sa.Column("team_id", BigID, nullable=True),
        sa.Column("asset_id", BigID, nullable=True),
        sa.Column("warranty_status", sa.String(length=12), nullable=True),
        sa.Column("parent_id", BigID, nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("sla_policy", sa.String(length=80), nullable=True),
        sa.Column("first_response_due_at", UTCDateTime(), nullable=True),
        sa.Column("first_responded_at", UTCDateTime(), nullable=True),
        sa.Column("resolution_due_at", UTCDateTime(), nullable=True),
        sa.Column("sla_due_at", UTCDateTime(), nullable=True),
        sa.Column("sla_paused_at", UTCDateTime(), nullable=True),
        sa.Column("sla_paused_seconds", sa.Integer(), nullable=False),
        sa.Column("sla_state", sa.String(length=10), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("first_response_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["service_asset.id"]),
        sa.ForeignKeyConstraint(["assignee_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["parent_id"], ["service_ticket.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_service_ticket_number"),
    )
    op.create_index(
        "ix_service_ticket_asset", "service_ticket", ["asset_id"]
    )
    op.create_index(
        "ix_service_ticket_assignee", "service_ticket", ["assignee_id", "status"]
    )
    op.create_index(
        "ix_service_ticket_customer", "service_ticket", ["customer_id", "opened_at"]
    )
    op.create_index(
        "ix_service_ticket_queue", "service_ticket", ["team_id", "status", "sla_due_at"]
    )
    op.create_index(
        "ix_service_ticket_sla", "service_ticket", ["sla_state", "sla_due_at"]
    )
    op.create_table(
        "service_ticket_event",
        sa.Column("id", BigID, nullable=False),
        sa.Column("ticket_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_value", sa.String(length=80), nullable=True),
        sa.Column("to_value", sa.String(length=80), nullable=True),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_service_ticket_event_customer_id", "service_ticket_event", ["customer_id"]
    )
    op.create_index(
        "ix_service_ticket_event_ticket", "service_ticket_event", ["ticket_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_ticket_event_customer_id", "service_ticket_event")
    op.drop_index("ix_service_ticket_event_ticket", "service_ticket_event")
    op.drop_table("service_ticket_event")
    op.drop_index("ix_service_ticket_asset", "service_ticket")
    op.drop_index("ix_service_ticket_assignee", "service_ticket")
    op.drop_index("ix_service_ticket_customer", "service_ticket")
    op.drop_index("ix_service_ticket_queue", "service_ticket")
    op.drop_index("ix_service_ticket_sla", "service_ticket")
    op.drop_table("service_ticket")
