"""service: the knowledge area's tables

Revision ID: service_0008
Revises: service_0007
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "service_0008"
down_revision: str | Sequence[str] | None = "service_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
