"""Tasks (due-dated follow-ups on a customer) and the job runner's state."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime

TASK_STATUSES = ("open", "done", "cancelled")
TASK_PRIORITIES = ("low", "normal", "high", "urgent")


class Task(SQLModel, table=True):
    """A follow-up: call back, visit, send a card; linked to a customer, owned by staff."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_status_due", "status", "due_at"),
        Index("ix_task_assignee_status", "assignee_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    title: str
    notes: str | None = None
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=20)
    priority: str = Field(default="normal", max_length=20)
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    team_id: int | None = Field(default=None, foreign_key="team.id", sa_type=BigID)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    source: str | None = Field(default=None, max_length=80)  # plugin or job that made it
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    completed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobState(SQLModel, table=True):
    """When a registered job is next due, and the lease that stops two runners racing."""

    __tablename__ = "job_state"

    name: str = Field(primary_key=True, max_length=120)
    next_due_at: dt.datetime = Field(sa_type=UTCDateTime)
    lease_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: str | None = Field(default=None, max_length=20)
    last_error: str | None = None
    run_count: int = 0


class JobRun(SQLModel, table=True):
    """The history of job runs: one row per run, with its outcome."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(max_length=120, index=True)
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    started_at: dt.datetime = Field(sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(max_length=20)  # ok | failed
    detail: str | None = None
