"""service: the knowledge area's tables

Revision ID: service_0008
Revises: service_0007
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID, JSONType, UTCDateTime

revision: str = "service_0008"
down_revision: str | Sequence[str] | None = "service_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_kb_category",
        sa.Column("id", BigID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", BigID, nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["service_kb_category.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("parent_id", "name", name="uq_service_kb_category_name"),
    )
    op.create_index(
        "ix_service_kb_category_parent_id", "service_kb_category", ["parent_id"]
    )
    op.create_table(
        "service_kb_article",
        sa.Column("id", BigID, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("category_id", BigID, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("author_id", BigID, nullable=True),
        sa.Column("updated_by_id", BigID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("not_helpful_count", sa.Integer(), nullable=False),
        sa.Column("title_length", sa.Integer(), nullable=False),
        sa.Column("body_length", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["category_id"], ["service_kb_category.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_service_kb_article_category_id", "service_kb_article", ["category_id"]
    )
    op.create_index(
        "ix_service_kb_article_status", "service_kb_article", ["status", "audience", "category_id"]
    )
    op.create_table(
        "service_kb_revision",
        sa.Column("id", BigID, nullable=False),
        sa.Column("article_id", BigID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("category_id", BigID, nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("tags", JSONType, nullable=False),
        sa.Column("edited_by_id", BigID, nullable=True),
        sa.Column("edited_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["service_kb_article.id"]),
        sa.ForeignKeyConstraint(["category_id"], ["service_kb_category.id"]),
        sa.ForeignKeyConstraint(["edited_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "version", name="uq_service_kb_revision_version"),
    )
    op.create_table(
        "service_kb_article_tag",
        sa.Column("id", BigID, nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.Column("article_id", BigID, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["service_kb_article.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tag", "article_id", name="uq_service_kb_article_tag"),
    )
    op.create_index(
        "ix_service_kb_article_tag_article", "service_kb_article_tag", ["article_id"]
    )
    op.create_table(
        "service_kb_posting",
        sa.Column("id", BigID, nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("article_id", BigID, nullable=False),
        sa.Column("title_tf", sa.Integer(), nullable=False),
        sa.Column("body_tf", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["service_kb_article.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("term", "article_id", name="uq_service_kb_posting_term"),
    )
    op.create_index(
        "ix_service_kb_posting_article", "service_kb_posting", ["article_id"]
    )
    op.create_table(
        "service_kb_feedback",
        sa.Column("id", BigID, nullable=False),
        sa.Column("article_id", BigID, nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("staff_id", BigID, nullable=True),
        sa.Column("customer_id", BigID, nullable=True),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["service_kb_article.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "staff_id", name="uq_service_kb_feedback_staff"),
        sa.UniqueConstraint("article_id", "customer_id", name="uq_service_kb_feedback_customer"),
    )
    op.create_index(
        "ix_service_kb_feedback_article_id", "service_kb_feedback", ["article_id"]
    )
    op.create_index(
        "ix_service_kb_feedback_customer_id", "service_kb_feedback", ["customer_id"]
    )
    op.create_table(
        "service_kb_search",
        sa.Column("id", BigID, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_service_kb_search_gaps", "service_kb_search", ["results", "at"]
    )
    op.create_table(
        "service_kb_ticket_link",
        sa.Column("id", BigID, nullable=False),
        sa.Column("article_id", BigID, nullable=False),
        sa.Column("ticket_id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("article_version", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", BigID, nullable=True),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["service_kb_article.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["linked_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "ticket_id", name="uq_service_kb_ticket_link"),
    )
    op.create_index(
        "ix_service_kb_ticket_link_customer_id", "service_kb_ticket_link", ["customer_id"]
    )
    op.create_index(
        "ix_service_kb_ticket_link_ticket", "service_kb_ticket_link", ["ticket_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_kb_ticket_link_customer_id", "service_kb_ticket_link")
    op.drop_index("ix_service_kb_ticket_link_ticket", "service_kb_ticket_link")
    op.drop_table("service_kb_ticket_link")
    op.drop_index("ix_service_kb_search_gaps", "service_kb_search")
    op.drop_table("service_kb_search")
    op.drop_index("ix_service_kb_feedback_article_id", "service_kb_feedback")
    op.drop_index("ix_service_kb_feedback_customer_id", "service_kb_feedback")
    op.drop_table("service_kb_feedback")
    op.drop_index("ix_service_kb_posting_article", "service_kb_posting")
    op.drop_table("service_kb_posting")
    op.drop_index("ix_service_kb_article_tag_article", "service_kb_article_tag")
    op.drop_table("service_kb_article_tag")
    op.drop_table("service_kb_revision")
    op.drop_index("ix_service_kb_article_category_id", "service_kb_article")
    op.drop_index("ix_service_kb_article_status", "service_kb_article")
    op.drop_table("service_kb_article")
    op.drop_index("ix_service_kb_category_parent_id", "service_kb_category")
    op.drop_table("service_kb_category")
