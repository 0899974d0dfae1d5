"""marketing: the loyalty area's tables (memberships, points and stored-value ledgers,
coupon definitions and issued coupons)

Revision ID: marketing_0006
Revises: marketing_0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, Money, Quantity, UTCDateTime

revision: str = "marketing_0006"
down_revision: str | Sequence[str] | None = "marketing_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "marketing_membership",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("member_number", sa.String(length=40), nullable=False),
        sa.Column("card_number", sa.String(length=40), nullable=True),
        sa.Column("card_label", sa.String(length=80), nullable=True),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=False),
        sa.Column("tier_since", UTCDateTime(), nullable=False),
        sa.Column("status_since", UTCDateTime(), nullable=False),
        sa.Column("points_balance", sa.Integer(), nullable=False),
        sa.Column("stored_value_balance", Money(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_number"),
        sa.UniqueConstraint("customer_id"),
        sa.UniqueConstraint("member_number"),
    )
    op.create_index(
        "ix_marketing_membership_status_tier", "marketing_membership", ["status", "tier"]
    )
    op.create_table(
        "marketing_points_entry",
        sa.Column("id", BigID, nullable=False),
        sa.Column("membership_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("interaction_id", BigID, nullable=True),
        sa.Column("basis", Money(), nullable=True),
        sa.Column("multiplier", Quantity(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("actor_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"]),
        sa.ForeignKeyConstraint(["membership_id"], ["marketing_membership.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interaction_id", "kind"),
    )
    op.create_index(
        "ix_marketing_points_entry_expiry", "marketing_points_entry", ["expires_at", "remaining"]
    )
    op.create_index(
        "ix_marketing_points_entry_member", "marketing_points_entry", ["membership_id", "id"]
    )
    op.create_table(
        "marketing_stored_value_entry",
        sa.Column("id", BigID, nullable=False),
        sa.Column("membership_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("balance_after", Money(), nullable=False),
        sa.Column("refund_of_id", BigID, nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", BigID, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["membership_id"], ["marketing_membership.id"]),
        sa.ForeignKeyConstraint(["refund_of_id"], ["marketing_stored_value_entry.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_marketing_stored_value_entry_member",
        "marketing_stored_value_entry",
        ["membership_id", "id"],
    )
    op.create_table(
        "marketing_coupon_definition",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("code_pattern", sa.String(length=40), nullable=False),
        sa.Column("value", Money(), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("min_spend", Money(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("per_customer_limit", sa.Integer(), nullable=False),
        sa.Column("total_quantity", sa.Integer(), nullable=True),
        sa.Column("issued_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "marketing_coupon",
        sa.Column("id", BigID, nullable=False),
        sa.Column("definition_id", BigID, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", UTCDateTime(), nullable=True),
        sa.Column("order_amount", Money(), nullable=True),
        sa.Column("discount", Money(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["definition_id"], ["marketing_coupon_definition.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_marketing_coupon_customer_id", "marketing_coupon", ["customer_id"])
    op.create_index(
        "ix_marketing_coupon_definition_customer",
        "marketing_coupon",
        ["definition_id", "customer_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_marketing_coupon_definition_customer", table_name="marketing_coupon")
    op.drop_index("ix_marketing_coupon_customer_id", table_name="marketing_coupon")
    op.drop_table("marketing_coupon")
    op.drop_table("marketing_coupon_definition")
    op.drop_index(
        "ix_marketing_stored_value_entry_member", table_name="marketing_stored_value_entry"
    )
    op.drop_table("marketing_stored_value_entry")
    op.drop_index("ix_marketing_points_entry_member", table_name="marketing_points_entry")
    op.drop_index("ix_marketing_points_entry_expiry", table_name="marketing_points_entry")
    op.drop_table("marketing_points_entry")
    op.drop_index("ix_marketing_membership_status_tier", table_name="marketing_membership")
    op.drop_table("marketing_membership")
