"""The core registered as a plugin: its settings, interaction kinds, tables and jobs.

Writing the core's own contributions through the same hooks as every other plugin keeps
the hooks honest: if the core can't do something through them, neither can a plugin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete

from guanxi import __version__
from guanxi.hookspecs import hookimpl
from guanxi.models import CORE_TABLES, JobRun
from guanxi.plugins import Plugin
from guanxi.settings import CORE_SECTION, CoreSettings

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork

plugin = Plugin(name="core", version=__version__, description="customer record, log, staff, tasks, jobs")

JOB_HISTORY_DAYS = 90


class NotePayload(BaseModel):
    """``core.note``: an internal note about the customer."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)


class ContactPayload(BaseModel):
    """``core.contact``: a generic touchpoint (a call, an email, a visit)."""

    model_config = ConfigDict(extra="forbid")
    summary: str | None = None
    outcome: str | None = None


class PurchaseLine(BaseModel):
    """One line of a purchase."""

    model_config = ConfigDict(extra="forbid")
    sku: str | None = None
    name: str
    quantity: float = Field(gt=0)
    unit_price: float | None = Field(default=None, ge=0)


class PurchasePayload(BaseModel):
    """``core.purchase``: a transaction (the amount is the interaction's revenue)."""

    model_config = ConfigDict(extra="forbid")
    order_ref: str | None = None
    lines: list[PurchaseLine] = Field(default_factory=list)


class TaskDonePayload(BaseModel):
    """``core.task_done``: a follow-up task was completed."""

    model_config = ConfigDict(extra="forbid")
    task_id: int
    title: str
    outcome: str | None = None


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """The core's settings section."""
    register(CORE_SECTION, CoreSettings)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """The generic kinds every edition has: notes, contacts, purchases, completed tasks."""
    register("core.note", schema=NotePayload, description="internal note", default_channel="other")
    register("core.contact", schema=ContactPayload, description="a call, email, visit or message")
    register("core.purchase", schema=PurchasePayload, description="a purchase; revenue is its amount")
    register("core.task_done", schema=TaskDonePayload, description="a follow-up task was completed")


@hookimpl
def register_models(register: Callable[..., None]) -> None:
    """The core's tables and its Alembic branch ("core")."""
    register(*CORE_TABLES, migrations=Path(__file__).parent / "migrations" / "versions")


def purge_job_history(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """Keep the job-run history to the last ``JOB_HISTORY_DAYS`` days."""
    cutoff = due_at - dt.timedelta(days=JOB_HISTORY_DAYS)
    result = uow.session.connection().execute(
        delete(JobRun.__table__).where(JobRun.__table__.c.started_at < cutoff)  # type: ignore[attr-defined]
    )
    return f"removed {result.rowcount} old job runs"


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """Housekeeping of the job runner's own history."""
    register(
        "core.purge_job_history",
        purge_job_history,
        daily_at="03:30",
        description=f"delete job-run history older than {JOB_HISTORY_DAYS} days",
    )
