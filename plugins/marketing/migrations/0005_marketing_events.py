"""marketing: the events area's tables (events, registrations, captured leads, call lists)

Revision ID: marketing_0005
Revises: marketing_0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, UTCDateTime

revision: str = "marketing_0005"
down_revision: str | Sequence[str] | None = "marketing_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "marketing_event",
        sa.Column("id", BigID, nullable=False),
        sa.Column("campaign_id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("registration_deadline", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id"),
    )
    op.create_index("ix_marketing_event_starts_at", "marketing_event", ["starts_at"])
    op.create_table(
        "marketing_event_registration",
        sa.Column("id", BigID, nullable=False),
        sa.Column("event_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("checked_in_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("no_show_at", UTCDateTime(), nullable=True),
        sa.Column("registered_by_id", BigID, nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["marketing_event.id"]),
        sa.ForeignKeyConstraint(["registered_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "customer_id"),
    )
    op.create_index(
        "ix_marketing_event_registration_status",
        "marketing_event_registration",
        ["event_id", "status"],
    )
    op.create_index(
        "ix_marketing_event_registration_customer_id",
        "marketing_event_registration",
        ["customer_id"],
    )
    op.create_table(
        "marketing_event_lead",
        sa.Column("id", BigID, nullable=False),
        sa.Column("event_id", BigID, nullable=False),
        sa.Column("lead_id", BigID, nullable=False),
        sa.Column("captured_at", UTCDateTime(), nullable=False),
        sa.Column("captured_by_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["captured_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["marketing_event.id"]),
        sa.ForeignKeyConstraint(["lead_id"], ["marketing_lead.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_marketing_event_lead_event_id", "marketing_event_lead", ["event_id"])
    op.create_index("ix_marketing_event_lead_lead_id", "marketing_event_lead", ["lead_id"])
    op.create_table(
        "marketing_call_list",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", BigID, nullable=True),
        sa.Column("segment_id", BigID, nullable=True),
        sa.Column("script", sa.String(), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("created_by_id", BigID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["marketing_campaign.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["segment_id"], ["marketing_segment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_marketing_call_list_campaign_id", "marketing_call_list", ["campaign_id"])
    op.create_table(
        "marketing_call_list_agent",
        sa.Column("call_list_id", BigID, nullable=False),
        sa.Column("staff_id", BigID, nullable=False),
        sa.ForeignKeyConstraint(["call_list_id"], ["marketing_call_list.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("call_list_id", "staff_id"),
    )
    op.create_table(
        "marketing_call_entry",
        sa.Column("id", BigID, nullable=False),
        sa.Column("call_list_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("agent_id", BigID, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_outcome", sa.String(length=20), nullable=True),
        sa.Column("last_called_at", UTCDateTime(), nullable=True),
        sa.Column("next_call_at", UTCDateTime(), nullable=True),
        sa.Column("task_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["call_list_id"], ["marketing_call_list.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_list_id", "customer_id"),
    )
    op.create_index(
        "ix_marketing_call_entry_agent",
        "marketing_call_entry",
        ["agent_id", "status", "next_call_at"],
    )
    op.create_index(
        "ix_marketing_call_entry_status", "marketing_call_entry", ["call_list_id", "status"]
    )
    op.create_index(
        "ix_marketing_call_entry_customer_id", "marketing_call_entry", ["customer_id"]
    )
    op.create_table(
        "marketing_call_attempt",
        sa.Column("id", BigID, nullable=False),
        sa.Column("entry_id", BigID, nullable=False),
        sa.Column("call_list_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("agent_id", BigID, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("called_at", UTCDateTime(), nullable=False),
        sa.Column("callback_at", UTCDateTime(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["call_list_id"], ["marketing_call_list.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["entry_id"], ["marketing_call_entry.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_marketing_call_attempt_list", "marketing_call_attempt", ["call_list_id", "agent_id"]
    )
    op.create_index(
        "ix_marketing_call_attempt_entry_id", "marketing_call_attempt", ["entry_id"]
    )
    op.create_index(
        "ix_marketing_call_attempt_customer_id", "marketing_call_attempt", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_marketing_call_attempt_customer_id", "marketing_call_attempt")
    op.drop_index("ix_marketing_call_attempt_entry_id", "marketing_call_attempt")
    op.drop_index("ix_marketing_call_attempt_list", "marketing_call_attempt")
    op.drop_table("marketing_call_attempt")
    op.drop_index("ix_marketing_call_entry_customer_id", "marketing_call_entry")
    op.drop_index("ix_marketing_call_entry_status", "marketing_call_entry")
    op.drop_index("ix_marketing_call_entry_agent", "marketing_call_entry")
    op.drop_table("marketing_call_entry")
    op.drop_table("marketing_call_list_agent")
    op.drop_index("ix_marketing_call_list_campaign_id", "marketing_call_list")
    op.drop_table("marketing_call_list")
    op.drop_index("ix_marketing_event_lead_lead_id", "marketing_event_lead")
    op.drop_index("ix_marketing_event_lead_event_id", "marketing_event_lead")
    op.drop_table("marketing_event_lead")
    op.drop_index("ix_marketing_event_registration_customer_id", "marketing_event_registration")
    op.drop_index("ix_marketing_event_registration_status", "marketing_event_registration")
    op.drop_table("marketing_event_registration")
    op.drop_index("ix_marketing_event_starts_at", "marketing_event")
    op.drop_table("marketing_event")
