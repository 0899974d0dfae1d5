"""service: the sla area's tables

Revision ID: service_0003
Revises: service_0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, UTCDateTime

revision: str = "service_0003"
down_revision: str | Sequence[str] | None = "service_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_sla_clock",
        sa.Column("ticket_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("resolution_started_at", UTCDateTime(), nullable=False),
        sa.Column("resolution_paused_base", sa.Integer(), nullable=False),
        sa.Column("first_response_warn_at", UTCDateTime(), nullable=True),
        sa.Column("resolution_warn_at", UTCDateTime(), nullable=True),
        sa.Column("first_response_warned_at", UTCDateTime(), nullable=True),
        sa.Column("resolution_warned_at", UTCDateTime(), nullable=True),
        sa.Column("breached_at", UTCDateTime(), nullable=True),
        sa.Column("next_escalation_at", UTCDateTime(), nullable=True),
        sa.Column("check_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_ticket.id"]),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index(
        "ix_service_sla_clock_check_at", "service_sla_clock", ["check_at"]
    )
    op.create_index(
        "ix_service_sla_clock_customer_id", "service_sla_clock", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_sla_clock_check_at", "service_sla_clock")
    op.drop_index("ix_service_sla_clock_customer_id", "service_sla_clock")
    op.drop_table("service_sla_clock")
