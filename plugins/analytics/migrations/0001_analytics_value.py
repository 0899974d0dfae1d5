"""analytics: the value area's tables

Revision ID: analytics_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "analytics_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    pass  # the value area adds its tables here


def downgrade() -> None:
    pass
