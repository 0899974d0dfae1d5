"""analytics: the churn area's tables

Revision ID: analytics_0003
Revises: analytics_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "analytics_0003"
down_revision: str | Sequence[str] | None = "analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # the churn area adds its tables here


def downgrade() -> None:
    pass
