"""service: the surveys area's tables

Revision ID: service_0007
Revises: service_0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, UTCDateTime

revision: str = "service_0007"
down_revision: str | Sequence[str] | None = "service_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_survey",
        sa.Column("id", BigID, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("source_id", BigID, nullable=False),
        sa.Column("ticket_id", BigID, nullable=True),
        sa.Column("visit_id", BigID, nullable=True),
        sa.Column("team_id", BigID, nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("send_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("factors", JSONType, nullable=False),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("poor", sa.Boolean(), nullable=False),
        sa.Column("follow_up", sa.String(length=10), nullable=True),
        sa.Column("follow_up_ticket_id", BigID, nullable=True),
        sa.Column("answered_by_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["answered_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["follow_up_ticket_id"], ["service_ticket.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_id", name="uq_service_survey_source"),
        sa.UniqueConstraint("token", name="uq_service_survey_token"),
    )
    op.create_index(
        "ix_service_survey_customer_id", "service_survey", ["customer_id"]
    )
    op.create_index(
        "ix_service_survey_sent", "service_survey", ["sent_at"]
    )
    op.create_index(
        "ix_service_survey_status_expires", "service_survey", ["status", "expires_at"]
    )
    op.create_index(
        "ix_service_survey_status_send", "service_survey", ["status", "send_at"]
    )
    op.create_index(
        "ix_service_survey_ticket_id", "service_survey", ["ticket_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_survey_customer_id", "service_survey")
    op.drop_index("ix_service_survey_sent", "service_survey")
    op.drop_index("ix_service_survey_status_expires", "service_survey")
    op.drop_index("ix_service_survey_status_send", "service_survey")
    op.drop_index("ix_service_survey_ticket_id", "service_survey")
    op.drop_table("service_survey")
