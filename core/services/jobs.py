"""The job runner behind ``guanxi jobs run-due`` (safe to call from cron every minute).

For each registered job that is due, the runner first *claims* it with a conditional
UPDATE (a lease), so two runners started at once never run the same job twice. The
job's work and the advance of its schedule then commit in one transaction: a crash
mid-job leaves the schedule where it was and the job runs again once the lease ends.
Missed runs (a machine that was off for three days) run once, not three times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlmodel import select

from guanxi.app import App
from guanxi.errors import first_line
from guanxi.models import JobRun, JobState
from guanxi.registry import Job

LEASE = dt.timedelta(minutes=30)
RETRY_AFTER = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class JobOutcome:
    """What happened to one due job in a run."""

    name: str
    due_at: dt.datetime
    status: str  # ok | failed | skipped
    detail: str = ""


def next_due(job: Job, after: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The first time strictly after ``after`` at which ``job`` is due."""
    if job.every is not None:
        return after + job.every
    assert job.daily_at is not None
    local = after.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), job.daily_at, tzinfo=tz)
    if candidate <= local:
        candidate = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), job.daily_at, tzinfo=tz
        )
    return candidate.astimezone(dt.UTC)


def _ensure_states(app: App, now: dt.datetime) -> None:
    """Give every newly registered job a schedule: interval jobs are due at once."""
    with app.transaction(now=now) as uow:
        known = set(uow.session.exec(select(JobState.name)))
        for job in app.registry.jobs.values():
            if job.name not in known:
                first = now if job.every is not None else next_due(job, now, app.tz)
                uow.session.add(JobState(name=job.name, next_due_at=first))


def _claim(app: App, name: str, now: dt.datetime) -> dt.datetime | None:
    """Take the lease on a due job; return its due time, or None if not ours to run."""
    table = JobState.__table__  # type: ignore[attr-defined]
    with app.transaction(now=now) as uow:
        state = uow.session.get(JobState, name)
        if state is None or state.next_due_at > now:
            return None
        result = uow.session.connection().execute(
            update(table)
            .where(
                table.c.name == name,
                table.c.next_due_at == state.next_due_at,
                or_(table.c.lease_until.is_(None), table.c.lease_until < now),
            )
            .values(lease_until=now + LEASE)
        )
        return state.next_due_at if result.rowcount == 1 else None


def _run_one(app: App, job: Job, due_at: dt.datetime, now: dt.datetime) -> JobOutcome:
    try:
        with app.transaction(now=now) as uow:
            detail = job.func(uow, due_at)
            state = uow.session.get(JobState, job.name)
            assert state is not None
            state.next_due_at = next_due(job, max(now, due_at), app.tz)
            state.lease_until = None
            state.last_started_at = now
            state.last_finished_at = app.now()
            state.last_status = "ok"
            state.last_error = None
            state.run_count += 1
            uow.session.add(
                JobRun(
                    name=job.name,
                    due_at=due_at,
                    started_at=now,
                    finished_at=app.now(),
                    status="ok",
                    detail=str(detail) if detail is not None else None,
                )
            )
        return JobOutcome(job.name, due_at, "ok", str(detail or ""))
    except Exception as exc:  # the job's failure is recorded, the other jobs still run
        message = f"{type(exc).__name__}: {first_line(exc)}"
        with app.transaction(now=now) as uow:
            state = uow.session.get(JobState, job.name)
            assert state is not None
            state.lease_until = now + RETRY_AFTER
            state.last_started_at = now
            state.last_finished_at = app.now()
            state.last_status = "failed"
            state.last_error = message
            uow.session.add(
                JobRun(
                    name=job.name,
                    due_at=due_at,
                    started_at=now,
                    finished_at=app.now(),
                    status="failed",
                    detail=message,
                )
            )
        return JobOutcome(job.name, due_at, "failed", message)


def run_due(
    app: App, *, now: dt.datetime | None = None, only: str | None = None
) -> list[JobOutcome]:
    """Run every job that is due at ``now`` once; return what happened to each."""
    now = now or app.now()
    _ensure_states(app, now)
    outcomes = []
    for job in app.registry.jobs.values():
        if only is not None and job.name != only:
            continue
        due_at = _claim(app, job.name, now)
        if due_at is not None:
            outcomes.append(_run_one(app, job, due_at, now))
    return outcomes


def job_states(app: App) -> list[tuple[Job, JobState | None]]:
    """Every registered job with its stored state (None before its first run-due)."""
    with app.transaction() as uow:
        states = {s.name: s for s in uow.session.exec(select(JobState))}
    return [(job, states.get(job.name)) for job in app.registry.jobs.values()]
