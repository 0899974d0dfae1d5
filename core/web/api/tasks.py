"""``/api/tasks``: follow-ups on customers — list, create, read, complete, cancel.

A task is visible with its customer, and to its assignee (docs/security.md): an agent
sees the tasks assigned to him even on a customer he may not otherwise see.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Task
from guanxi.services.staff import get_staff
from guanxi.services.tasks import cancel_task, complete_task, create_task, get_task
from guanxi.web.api.customers import require_visible
from guanxi.web.api.schemas import (
    ERRORS,
    After,
    Limit,
    RequestModel,
    Stamp,
    TaskOut,
    cursor_int,
    staff_ref,
    stamp_bound,
    tasks_out,
)
from guanxi.web.context import ApiContext
from guanxi.web.inputs import MAX_ID, PathId, RecordId, query_text
from guanxi.web.pagination import Page, keyset, page_of

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=ERRORS)


class TaskCreate(RequestModel):
    """A new open task on a customer; a naive ``due_at`` is in the edition's time zone."""

    customer_id: RecordId
    title: str = Field(min_length=1, max_length=300)
    due_at: Stamp
    assignee: str | RecordId | None = Field(
        default=None, description="Staff username or id (default: nobody)"
    )
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    notes: str | None = Field(default=None, max_length=5000)


class TaskDone(RequestModel):
    """How a task ended (optional)."""

    outcome: str | None = Field(default=None, max_length=500)


def _staff_id(uow: UnitOfWork, ref: str | int | None, field: str) -> int | None:
    """A staff user's id by username or id; unknown is a 422 naming ``field``."""
    ref = staff_ref(ref, field)
    if ref is None:
        return None
    try:
        staff_id = get_staff(uow, ref).id
    except NotFoundError as exc:
        raise ValidationError(field, str(exc)) from None
    return staff_id


def _task(uow: UnitOfWork, task_id: int) -> TaskOut:
    return tasks_out(uow, [get_task(uow, task_id)])[0]


@router.get("", response_model=Page[TaskOut], summary="List tasks")
def list_tasks(
    ctx: ApiContext,
    assignee: Annotated[str | None, query_text("Assigned to this staff username or id",
                                               80)] = None,
    customer: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Of this customer")] = None,
    status: Literal["open", "done", "cancelled"] | None = None,
    due_before: Stamp | None = None,
    limit: Limit = 50,
    after: After = None,
) -> Page[TaskOut]:
    """The tasks the user may see, by (due_at, id); page on with ``after``. A customer
    the user may not see is 404."""
    with ctx.transaction() as uow:
        require(uow, "task", "read")
        query = select(Task)
        if customer is not None:
            require_visible(uow, customer)
            query = query.where(Task.customer_id == customer)
        if assignee:
            query = query.where(Task.assignee_id == _staff_id(uow, assignee, "assignee"))
        if status is not None:
            query = query.where(Task.status == status)
        if due_before is not None:
            if due_before.tzinfo is None:
                due_before = due_before.replace(tzinfo=uow.app.tz)
            query = query.where(col(Task.due_at) < due_before)
        paged: Any = keyset(query, [col(Task.due_at), col(Task.id)], after=after, limit=limit,
                            convert=[stamp_bound(col(Task.due_at)), cursor_int])
        rows = list(uow.session.exec(paged))
        items, next_cursor = page_of(rows, limit, key=lambda t: (t.due_at.isoformat(), t.id))
        return Page[TaskOut](items=tasks_out(uow, items), next=next_cursor)


@router.post("", response_model=TaskOut, status_code=201, summary="Create a task")
def add_task(ctx: ApiContext, body: TaskCreate) -> TaskOut:
    """An open task on a customer the user may see (needs ``task:create``)."""
    with ctx.transaction() as uow:
        require(uow, "task", "create")
        assignee = _staff_id(uow, body.assignee, "assignee")
        try:
            task = create_task(uow, customer_id=body.customer_id, title=body.title,
                               due_at=body.due_at, assignee=assignee,
                               priority=body.priority, notes=body.notes)
        except NotFoundError as exc:  # the customer, the same for absent and invisible
            raise ValidationError("customer_id", str(exc)) from None
        assert task.id is not None
        return _task(uow, task.id)


@router.get("/{task_id}", response_model=TaskOut, summary="One task")
def read_task(ctx: ApiContext, task_id: PathId) -> TaskOut:
    """One task (404 if there is none or the user may not see it)."""
    with ctx.transaction() as uow:
        require(uow, "task", "read")
        return _task(uow, task_id)


@router.post("/{task_id}/complete", response_model=TaskOut, summary="Complete a task")
def finish_task(ctx: ApiContext, task_id: PathId, body: TaskDone | None = None) -> TaskOut:
    """Mark an open task done (``core.task_done`` is logged on the customer's timeline);
    a task that is not open is a 422 on ``status``."""
    with ctx.transaction() as uow:
        complete_task(uow, task_id, outcome=body.outcome if body else None)
        return _task(uow, task_id)


@router.post("/{task_id}/cancel", response_model=TaskOut, summary="Cancel a task")
def drop_task(ctx: ApiContext, task_id: PathId) -> TaskOut:
    """Cancel an open task; a task that is not open is a 422 on ``status``."""
    with ctx.transaction() as uow:
        cancel_task(uow, task_id)
        return _task(uow, task_id)
