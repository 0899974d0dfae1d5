"""The daily job ``service.visits_overdue``: flag late visits and remind their assignees.

A scheduled visit still open ``grace_days`` after its due date becomes ``overdue`` and
its assignee gets one core task (the reminder), closed again when the visit is recorded,
rescheduled or cancelled. Only ``scheduled`` visits are looked at, so a second run the
same day finds nothing to do; the work is done in slices with set-based statements.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, insert, select, update

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.models import Task
from guanxi_service.visits.models import Visit
from guanxi_service.visits.plans import visit_settings

JOB = "service.visits_overdue"
SLICE = 1000
VISITS = Visit.__table__  # type: ignore[attr-defined]
TASKS = Task.__table__  # type: ignore[attr-defined]


def flag_overdue(uow: UnitOfWork) -> int:
    """Mark the late scheduled visits overdue, one reminder task each; how many."""
    require(uow, "service.visit", "update")
    settings = visit_settings(uow.app)
    late_before = uow.today() - dt.timedelta(days=settings.grace_days)
    connection = uow.session.connection()
    flagged, after = 0, 0
    while True:
        rows = connection.execute(
            select(VISITS.c.id, VISITS.c.customer_id, VISITS.c.assignee_id, VISITS.c.title,
                   VISITS.c.due_on)
            .where(VISITS.c.status == "scheduled", VISITS.c.due_on < late_before,
                   VISITS.c.id > after)
            .order_by(VISITS.c.id).limit(SLICE)).all()
        if not rows:
            return flagged
        after = rows[-1].id
        tasks = [{"customer_id": r.customer_id, "title": f"回访逾期：{r.title}（应于 {r.due_on}）",
                  "notes": f"return visit {r.id} is overdue (due {r.due_on})",
                  "due_at": uow.now, "status": "open",
                  "priority": settings.overdue_task_priority, "assignee_id": r.assignee_id,
                  "created_by_id": None, "source": JOB, "created_at": uow.now} for r in rows]
        task_ids = connection.execute(
            insert(TASKS).returning(TASKS.c.id, sort_by_parameter_order=True), tasks,
        ).scalars().all()
        connection.execute(
            update(VISITS).where(VISITS.c.id == bindparam("visit_id"))
            .values(status="overdue", task_id=bindparam("new_task"),
                    overdue_at=func.coalesce(VISITS.c.overdue_at, uow.now),
                    updated_at=uow.now),
            [{"visit_id": r.id, "new_task": t} for r, t in zip(rows, task_ids, strict=True)])
        flagged += len(rows)
        uow.session.expire_all()


def overdue_job(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The job: flag today's late visits (idempotent)."""
    return f"{flag_overdue(uow)} visits flagged overdue"
