"""service: the visits area's tables

Revision ID: service_0006
Revises: service_0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "service_0006"
down_revision: str | Sequence[str] | None = "service_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
