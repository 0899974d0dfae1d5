"""sales: the initial schema (opportunities, stage changes, competitors, activities,
products, quotes, targets, expenses, core-customer cadence)

Revision ID: sales_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, Money, Quantity, UTCDateTime

revision: str = "sales_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("sales",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    op.create_table(
        "sales_product",
        sa.Column("id", BigID, nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("specification", sa.String(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("list_price", Money(), nullable=False),
        sa.Column("price_levels", JSONType, nullable=False),
        sa.Column("tax_rate", Quantity(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sku"),
    )
    op.create_table(
        "sales_target",
        sa.Column("staff_id", BigID, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("staff_id", "period"),
    )
    op.create_table(
        "sales_account_cadence",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("contact_period_days", sa.Integer(), nullable=False),
        sa.Column("flagged_at", UTCDateTime(), nullable=True),
        sa.Column("extra", JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "sales_competitor",
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("products", sa.String(), nullable=True),
        sa.Column("strengths", sa.String(), nullable=True),
        sa.Column("weaknesses", sa.String(), nullable=True),
        sa.Column("strategy", sa.String(), nullable=True),
        sa.Column("scale", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "sales_opportunity",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("contact_id", BigID, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pipeline", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=False),
        sa.Column("owner_id", BigID, nullable=True),
        sa.Column("approach", sa.String(), nullable=True),
        sa.Column("source", sa.String(length=80), nullable=True),
        sa.Column("lost_reason", sa.String(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sales_opportunity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_opportunity_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_sales_opportunity_owner_status", ["owner_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_sales_opportunity_status_close", ["status", "expected_close"], unique=False
        )

    op.create_table(
        "sales_activity",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("opportunity_id", BigID, nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("organiser_id", BigID, nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["sales_opportunity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sales_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_activity_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_sales_activity_organiser_start", ["organiser_id", "starts_at"], unique=False
        )

    op.create_table(
        "sales_expense",
        sa.Column("id", BigID, nullable=False),
        sa.Column("staff_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=True),
        sa.Column("opportunity_id", BigID, nullable=True),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["sales_opportunity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sales_expense", schema=None) as batch_op:
        batch_op.create_index("ix_sales_expense_staff_day", ["staff_id", "spent_on"], unique=False)

    op.create_table(
        "sales_opportunity_competitor",
        sa.Column("opportunity_id", BigID, nullable=False),
        sa.Column("competitor_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["sales_opportunity.id"],
        ),
        sa.PrimaryKeyConstraint("opportunity_id", "competitor_id"),
    )
    with op.batch_alter_table("sales_opportunity_competitor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_opportunity_competitor_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "sales_quote",
        sa.Column("id", BigID, nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("opportunity_id", BigID, nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("subtotal", Money(), nullable=False),
        sa.Column("discount_total", Money(), nullable=False),
        sa.Column("tax_total", Money(), nullable=False),
        sa.Column("total", Money(), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["sales_opportunity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", "version", name="uq_sales_quote_version"),
    )
    with op.batch_alter_table("sales_quote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_quote_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sales_quote_number"), ["number"], unique=False)

    op.create_table(
        "sales_stage_change",
        sa.Column("id", BigID, nullable=False),
        sa.Column("opportunity_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("pipeline", sa.String(length=80), nullable=False),
        sa.Column("from_stage", sa.String(length=80), nullable=True),
        sa.Column("to_stage", sa.String(length=80), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["sales_opportunity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sales_stage_change", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_stage_change_opportunity", ["opportunity_id", "changed_at"], unique=False
        )
        batch_op.create_index("ix_sales_stage_change_to", ["pipeline", "to_stage"], unique=False)

    op.create_table(
        "sales_activity_participant",
        sa.Column("id", BigID, nullable=False),
        sa.Column("activity_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("staff_id", BigID, nullable=True),
        sa.Column("contact_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["sales_activity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "staff_id", "contact_id"),
    )
    with op.batch_alter_table("sales_activity_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_activity_participant_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_activity_participant_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "sales_quote_line",
        sa.Column("id", BigID, nullable=False),
        sa.Column("quote_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", BigID, nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("specification", sa.String(), nullable=True),
        sa.Column("quantity", Quantity(), nullable=False),
        sa.Column("price_level", sa.String(length=40), nullable=False),
        sa.Column("unit_price", Money(), nullable=False),
        sa.Column("discount_pct", Quantity(), nullable=False),
        sa.Column("tax_rate", Quantity(), nullable=False),
        sa.Column("line_total", Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["sales_product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["sales_quote.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sales_quote_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_quote_line_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_quote_line_quote_id"), ["quote_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sales_quote_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_quote_line_quote_id"))
        batch_op.drop_index(batch_op.f("ix_sales_quote_line_product_id"))

    op.drop_table("sales_quote_line")
    with op.batch_alter_table("sales_activity_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_activity_participant_staff_id"))
        batch_op.drop_index(batch_op.f("ix_sales_activity_participant_activity_id"))

    op.drop_table("sales_activity_participant")
    with op.batch_alter_table("sales_stage_change", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_stage_change_to")
        batch_op.drop_index("ix_sales_stage_change_opportunity")

    op.drop_table("sales_stage_change")
    with op.batch_alter_table("sales_quote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_quote_number"))
        batch_op.drop_index(batch_op.f("ix_sales_quote_customer_id"))

    op.drop_table("sales_quote")
    with op.batch_alter_table("sales_opportunity_competitor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_opportunity_competitor_customer_id"))

    op.drop_table("sales_opportunity_competitor")
    with op.batch_alter_table("sales_expense", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_expense_staff_day")

    op.drop_table("sales_expense")
    with op.batch_alter_table("sales_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_activity_organiser_start")
        batch_op.drop_index(batch_op.f("ix_sales_activity_customer_id"))

    op.drop_table("sales_activity")
    with op.batch_alter_table("sales_opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_opportunity_status_close")
        batch_op.drop_index("ix_sales_opportunity_owner_status")
        batch_op.drop_index(batch_op.f("ix_sales_opportunity_customer_id"))

    op.drop_table("sales_opportunity")
    op.drop_table("sales_competitor")
    op.drop_table("sales_account_cadence")
    op.drop_table("sales_target")
    op.drop_table("sales_product")
