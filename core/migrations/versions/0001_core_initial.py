"""core: the initial schema (staff, teams, customers, the interaction log, tasks, jobs)

Revision ID: core_0001
Revises:
Create Date: 2026-11-22

Written to match guanxi.models exactly; ``guanxi.db.migrate.check`` (and the storage
tests) compare the two, so a model change without a new revision fails the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime

revision: str = "core_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", BigID, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "team",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("parent_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "team_member",
        sa.Column("team_id", BigID, nullable=False),
        sa.Column("staff_id", BigID, nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("team_id", "staff_id"),
    )
    op.create_index("ix_team_member_staff_id", "team_member", ["staff_id"])

    op.create_table(
        "customer",
        sa.Column("id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("family_name", sa.String(), nullable=True),
        sa.Column("given_name", sa.String(), nullable=True),
        sa.Column("organization_id", BigID, nullable=True),
        sa.Column("lifecycle_stage", sa.String(length=40), nullable=False),
        sa.Column("owner_id", BigID, nullable=True),
        sa.Column("gender", sa.String(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("occupation", sa.String(), nullable=True),
        sa.Column("preferred_channel", sa.String(), nullable=True),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("interests", JSONType, nullable=False),
        sa.Column("care_notes", sa.String(), nullable=True),
        sa.Column("custom", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_name", "customer", ["name"])
    op.create_index("ix_customer_organization_id", "customer", ["organization_id"])
    op.create_index("ix_customer_lifecycle_stage", "customer", ["lifecycle_stage"])
    op.create_index("ix_customer_owner_stage", "customer", ["owner_id", "lifecycle_stage"])

    op.create_table(
        "customer_role",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id", "role"),
    )
    op.create_index("ix_customer_role_role", "customer_role", ["role"])

    op.create_table(
        "customer_tag",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("tag", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id", "tag"),
    )
    op.create_index("ix_customer_tag_tag", "customer_tag", ["tag"])

    op.create_table(
        "contact_point",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("normalized", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_point_customer_id", "contact_point", ["customer_id"])
    op.create_index("ix_contact_point_lookup", "contact_point", ["kind", "normalized"])

    op.create_table(
        "external_identity",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_external_identity"),
    )
    op.create_index("ix_external_identity_customer_id", "external_identity", ["customer_id"])

    op.create_table(
        "special_date",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("month_day", sa.String(length=5), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_special_date_customer_id", "special_date", ["customer_id"])
    op.create_index("ix_special_date_month_day", "special_date", ["month_day"])

    op.create_table(
        "interaction",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("revenue", Money(), nullable=True),
        sa.Column("cost", Money(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=True),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("corrects_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["corrects_id"], ["interaction.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_interaction_customer_time", "interaction", ["customer_id", "occurred_at"])
    op.create_index("ix_interaction_kind_time", "interaction", ["kind", "occurred_at"])

    op.create_table(
        "customer_rollup",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=True),
        sa.Column("last_at", UTCDateTime(), nullable=True),
        sa.Column("interaction_count", sa.Integer(), nullable=False),
        sa.Column("revenue_count", sa.Integer(), nullable=False),
        sa.Column("revenue", Money(), nullable=False),
        sa.Column("cost", Money(), nullable=False),
        sa.Column("counts_by_kind", JSONType, nullable=False),
        sa.Column("last_by_kind", JSONType, nullable=False),
        sa.Column("last_by_channel", JSONType, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index("ix_customer_rollup_last_at", "customer_rollup", ["last_at"])

    op.create_table(
        "task",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", BigID, nullable=True),
        sa.Column("team_id", BigID, nullable=True),
        sa.Column("created_by_id", BigID, nullable=True),
        sa.Column("source", sa.String(length=80), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_customer_id", "task", ["customer_id"])
    op.create_index("ix_task_status_due", "task", ["status", "due_at"])
    op.create_index("ix_task_assignee_status", "task", ["assignee_id", "status"])

    op.create_table(
        "job_state",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("next_due_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_started_at", UTCDateTime(), nullable=True),
        sa.Column("last_finished_at", UTCDateTime(), nullable=True),
        sa.Column("last_status", sa.String(length=20), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "job_run",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_run_name", "job_run", ["name"])


# Dependents first, so no foreign key points at a table already gone. Indexes go with
# their tables.
CORE_TABLES_DROP_ORDER = (
    "job_run", "job_state", "task", "customer_rollup", "interaction", "special_date",
    "external_identity", "contact_point", "customer_tag", "customer_role", "customer",
    "team_member", "team", "staff",
)


def downgrade() -> None:
    for table in CORE_TABLES_DROP_ORDER:
        op.drop_table(table)
