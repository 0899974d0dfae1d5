"""analytics: the clv area's tables

Revision ID: analytics_0002
Revises: analytics_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "analytics_0002"
down_revision: str | Sequence[str] | None = "analytics_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # the clv area adds its tables here


def downgrade() -> None:
    pass
