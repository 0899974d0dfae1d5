"""Tasks: due-dated follow-ups on a customer, assigned to staff."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Task
from guanxi.models.work import TASK_PRIORITIES, TASK_STATUSES
from guanxi.services.customers import require_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.staff import get_staff


def create_task(
    uow: UnitOfWork,
    *,
    customer_id: int,
    title: str,
    due_at: dt.datetime,
    assignee: str | int | None = None,
    priority: str = "normal",
    notes: str | None = None,
    source: str | None = None,
) -> Task:
    """Create an open task on a customer; a naive ``due_at`` is in display time."""
    require(uow, "task", "create")
    require_customer(uow, customer_id)
    if not title.strip():
        raise ValidationError("title", "is required")
    if priority not in TASK_PRIORITIES:
        raise ValidationError("priority", f"must be one of {', '.join(TASK_PRIORITIES)}")
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=uow.app.tz)
    assignee_id = get_staff(uow, assignee).id if assignee is not None else None
    task = Task(
        customer_id=customer_id,
        title=title.strip(),
        notes=notes,
        due_at=due_at.astimezone(dt.UTC),
        priority=priority,
        assignee_id=assignee_id,
        created_by_id=uow.actor_id,
        source=source,
        created_at=uow.now,
    )
    uow.session.add(task)
    uow.session.flush()
    return task


def get_task(uow: UnitOfWork, task_id: int) -> Task:
    """A task by id (if the principal may see it); :class:`NotFoundError` if not."""
    task = uow.session.exec(select(Task).where(Task.id == task_id)).first()
    if task is None:
        raise NotFoundError(f"no task with id {task_id}")
    return task


def complete_task(uow: UnitOfWork, task_id: int, *, outcome: str | None = None) -> Task:
    """Mark an open task done and log ``core.task_done`` on the customer's timeline."""
    require(uow, "task", "update")
    task = get_task(uow, task_id)
    if task.status != "open":
        raise ValidationError("status", f"task {task_id} is {task.status}, not open")
    task.status = "done"
    task.completed_at = uow.now
    uow.session.flush()
    log_interaction(
        uow,
        customer_id=task.customer_id,
        kind="core.task_done",
        direction="internal",
        actor=task.assignee_id,
        subject=task.title,
        payload={"task_id": task.id, "title": task.title, "outcome": outcome},
    )
    return task


def cancel_task(uow: UnitOfWork, task_id: int) -> Task:
    """Cancel an open task."""
    require(uow, "task", "update")
    task = get_task(uow, task_id)
    if task.status != "open":
        raise ValidationError("status", f"task {task_id} is {task.status}, not open")
    task.status = "cancelled"
    task.completed_at = uow.now
    uow.session.flush()
    return task


def list_tasks(
    uow: UnitOfWork,
    *,
    customer_id: int | None = None,
    assignee: str | int | None = None,
    status: str | None = "open",
    due_before: dt.datetime | None = None,
    limit: int = 100,
) -> list[Task]:
    """Tasks ordered by due date, filtered by customer, assignee, status and due date."""
    require(uow, "task", "read")
    if status is not None and status not in TASK_STATUSES:
        raise ValidationError("status", f"must be one of {', '.join(TASK_STATUSES)}")
    query = select(Task)
    if customer_id is not None:
        query = query.where(Task.customer_id == customer_id)
    if assignee is not None:
        query = query.where(Task.assignee_id == get_staff(uow, assignee).id)
    if status is not None:
        query = query.where(Task.status == status)
    if due_before is not None:
        query = query.where(col(Task.due_at) < due_before)
    query = query.order_by(col(Task.due_at), col(Task.id)).limit(limit)
    return list(uow.session.exec(query))
