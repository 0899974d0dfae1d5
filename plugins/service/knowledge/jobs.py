"""The knowledge area's job: forget old searches (the gap report looks at recent ones)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from guanxi.app import UnitOfWork
from guanxi_service.knowledge.common import kb_settings
from guanxi_service.knowledge.models import KbSearch

PRUNE_JOB = "service.kb_prune_searches"


def prune_searches(uow: UnitOfWork, due_at: dt.datetime) -> int:
    """Delete logged searches older than ``search_log_days``; the number deleted."""
    cutoff = due_at - dt.timedelta(days=kb_settings(uow.app).search_log_days)
    table = KbSearch.__table__  # type: ignore[attr-defined]
    result = uow.session.connection().execute(delete(table).where(table.c.at < cutoff))
    return int(result.rowcount or 0)
