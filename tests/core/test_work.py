"""Staff, teams, tasks and the job runner."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

import guanxi
from guanxi.app import App
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import JobRun
from guanxi.services.customers import add_customer
from guanxi.services.interactions import timeline
from guanxi.services.jobs import JobOutcome, job_states, next_due, run_due
from guanxi.services.staff import (
    add_member,
    add_staff,
    add_team,
    assignable_staff,
    get_staff,
    team_members,
)
from guanxi.services.tasks import cancel_task, complete_task, create_task, list_tasks

UTC = dt.UTC


def test_staff_and_teams(app: App) -> None:
    with app.transaction() as uow:
        add_team(uow, name="销售部")
        add_team(uow, name="华东组", parent="销售部")
        add_staff(uow, username="wang.fang", display_name="王芳", email="WF@Example.com")
        add_staff(uow, username="li.qiang", display_name="李强")
        add_member(uow, team="华东组", staff="wang.fang", lead=True)
        add_member(uow, team="华东组", staff="li.qiang")
        assert get_staff(uow, "wang.fang").email == "wf@example.com"
        assert [(s.username, lead) for s, lead in team_members(uow, "华东组")] == [
            ("li.qiang", False),
            ("wang.fang", True),
        ]
        with pytest.raises(ValidationError, match="'wang.fang' is taken"):
            add_staff(uow, username="wang.fang", display_name="又一个")
        with pytest.raises(ValidationError, match="field 'username'"):
            add_staff(uow, username="Bad Name", display_name="x")
        with pytest.raises(NotFoundError, match="no team '无'"):
            add_team(uow, name="x", parent="无")


def test_assignable_staff_are_the_active_ones_by_username(app: App) -> None:
    with app.transaction() as uow:
        for name in ("zhou", "an", "gone"):
            add_staff(uow, username=name, display_name=name)
        get_staff(uow, "gone").is_active = False
        uow.session.flush()
        ids = {name: get_staff(uow, name).id for name in ("zhou", "an")}
        assert assignable_staff(uow) == [(ids["an"], "an"), (ids["zhou"], "zhou")]


def test_task_lifecycle_logs_completion(app: App) -> None:
    with app.transaction() as uow:
        add_staff(uow, username="nurse", display_name="护士")
        customer = add_customer(uow, name="患者甲")
        task = create_task(
            uow,
            customer_id=customer.id,
            title="复诊提醒",
            assignee="nurse",
            due_at=dt.datetime(2026, 4, 1, 9, 0),
            priority="high",
        )
        other = create_task(
            uow,
            customer_id=customer.id,
            title="生日贺卡",
            due_at=dt.datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        )
    assert task.due_at == dt.datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    with app.transaction() as uow:
        overdue = list_tasks(uow, due_before=dt.datetime(2026, 4, 15, tzinfo=UTC))
        assert [t.title for t in overdue] == ["复诊提醒"]
        assert [t.title for t in list_tasks(uow, assignee="nurse")] == ["复诊提醒"]
        complete_task(uow, task.id, outcome="已预约")
        cancel_task(uow, other.id)
    with app.transaction() as uow:
        assert list_tasks(uow) == []
        assert len(list_tasks(uow, status="done")) == 1
        done = timeline(uow, customer.id)[0]
        assert done.kind == "core.task_done" and done.payload["outcome"] == "已预约"
        with pytest.raises(ValidationError, match="is done, not open"):
            complete_task(uow, task.id)
        with pytest.raises(ValidationError, match="priority"):
            create_task(
                uow, customer_id=customer.id, title="x", due_at=dt.datetime.now(UTC), priority="meh"
            )
        with pytest.raises(NotFoundError):
            create_task(uow, customer_id=99999, title="x", due_at=dt.datetime.now(UTC))


class Counter:
    """A plugin with one interval job and one daily job, one of which can be made to fail."""

    plugin = guanxi.Plugin(name="counter", version="1.0")
    runs: list[str] = []
    fail = False

    @staticmethod
    def tick(uow, due_at):  # type: ignore[no-untyped-def]
        if Counter.fail:
            raise RuntimeError("remote service unavailable")
        Counter.runs.append(f"tick {due_at:%H:%M}")
        add_customer(
            uow, name=f"tick {len(Counter.runs)}"
        )  # work done inside the job's transaction
        return "ticked"

    @staticmethod
    def morning(uow, due_at):  # type: ignore[no-untyped-def]
        Counter.runs.append(f"morning {due_at.astimezone(uow.app.tz):%m-%d %H:%M}")

    @staticmethod
    @guanxi.hookimpl
    def register_jobs(register):  # type: ignore[no-untyped-def]
        register("counter.tick", Counter.tick, every=dt.timedelta(minutes=15))
        register("counter.morning", Counter.morning, daily_at="08:00")


def counter_runs(app: App, now: dt.datetime) -> list[JobOutcome]:
    """``run_due`` seen through this test's jobs (the core's own jobs run too)."""
    return [o for o in run_due(app, now=now) if o.name.startswith("counter.")]


@pytest.fixture
def job_app(make_app) -> App:  # type: ignore[no-untyped-def]
    Counter.runs.clear()
    Counter.fail = False
    return make_app(plugins=[Counter], enable=["counter"])


def test_run_due_runs_each_due_job_once(job_app: App) -> None:
    t0 = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    first = counter_runs(job_app, t0)
    assert [o.name for o in first] == ["counter.tick"]  # the daily job waits for its first 08:00
    assert counter_runs(job_app, t0 + dt.timedelta(minutes=1)) == []  # cron every minute: nothing
    again = counter_runs(job_app, t0 + dt.timedelta(minutes=15))
    assert [o.name for o in again] == ["counter.tick"]
    next_day = dt.datetime(2026, 6, 2, 0, 0, 30, tzinfo=UTC)
    names = sorted(o.name for o in counter_runs(job_app, next_day))
    assert names == ["counter.morning", "counter.tick"]
    assert Counter.runs.count("morning 06-02 08:00") == 1
    # Missed runs (a day off) run once, not 96 times.
    assert len([r for r in Counter.runs if r.startswith("tick")]) == 3


def test_failed_job_rolls_back_its_work_and_is_retried(job_app: App) -> None:
    t0 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    Counter.fail = True
    outcome = counter_runs(job_app, t0)[0]
    assert outcome.status == "failed" and "remote service unavailable" in outcome.detail
    assert counter_runs(job_app, t0 + dt.timedelta(minutes=1)) == []  # waits before retrying
    Counter.fail = False
    assert [o.status for o in counter_runs(job_app, t0 + dt.timedelta(minutes=6))] == ["ok"]
    with job_app.transaction() as uow:
        mine = select(JobRun).where(JobRun.name == "counter.tick").order_by(JobRun.id)
        statuses = [r.status for r in uow.session.exec(mine)]
    assert statuses == ["failed", "ok"]
    state = dict((job.name, s) for job, s in job_states(job_app))["counter.tick"]
    assert state is not None and state.run_count == 1 and state.last_status == "ok"


def test_a_leased_job_is_not_run_twice(job_app: App) -> None:
    from guanxi.services import jobs

    t0 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    counter_runs(job_app, t0)
    due = t0 + dt.timedelta(minutes=15)
    # Another runner has claimed the job (its lease is running): this runner skips it.
    assert jobs._claim(job_app, "counter.tick", due) is not None
    assert counter_runs(job_app, due) == []


def test_next_due_daily_across_midnight() -> None:
    from zoneinfo import ZoneInfo

    from guanxi.registry import Job

    job = Job("x.y", "x", lambda uow, due: None, daily_at=dt.time(3, 30))
    tz = ZoneInfo("Asia/Shanghai")
    after = dt.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)  # 04:00 on June 2nd in Shanghai
    assert next_due(job, after, tz) == dt.datetime(2026, 6, 2, 19, 30, tzinfo=UTC)
