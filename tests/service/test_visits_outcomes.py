"""Return visits: outcomes (reached, not reached and retried, declined, issue found with
its complaint ticket), rescheduling and cancelling, the overdue job, reports, access and
privacy (service plugin, visits area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import Interaction, Task
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.interactions import log_interaction
from guanxi_service.tickets.models import Ticket
from guanxi_service.visits.listing import due_visits, list_visits, overdue_visits
from guanxi_service.visits.models import Visit
from guanxi_service.visits.overdue import JOB, overdue_job
from guanxi_service.visits.reports import completion_report, due_report, visit_completion
from guanxi_service.visits.service import (
    cancel,
    cancel_plan,
    get_visit,
    record_outcome,
    reschedule,
)
from tests.service.visits_support import T0, count, make_clinic, staff_world

MakeApp = Callable[..., App]
DAY = dt.timedelta(days=1)


@pytest.fixture
def clinic(make_service_app: MakeApp) -> tuple[App, dict[str, int]]:
    """张三 (wang's) discharged from cardiology: three calls by wang (2, 8 and 31 March);
    王五 (li's) from orthopaedics: three calls by li and a paid home visit by zhou."""
    app = make_clinic(make_service_app)
    people = staff_world(app)
    with app.transaction(now=T0 + dt.timedelta(hours=1)) as uow:
        for name, ward in (("张三", "心内科"), ("王五", "骨科")):
            log_interaction(uow, customer_id=people[name], kind="hospital.discharged",
                            occurred_at=T0, payload={"ward": ward})
    return app, people


def plan_visits(app: App, customer_id: int, plan: str = "discharge") -> list[Visit]:
    with app.transaction() as uow:
        return list(uow.session.exec(select(Visit).where(
            Visit.customer_id == customer_id, Visit.plan == plan).order_by(Visit.step))
            .scalars())


def return_visits(app: App) -> list[tuple]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(Interaction.customer_id, Interaction.channel, Interaction.actor_id,
                   Interaction.revenue, Interaction.payload)
            .where(Interaction.kind == "service.return_visit").order_by(Interaction.id)).all()
    return [tuple(r) for r in rows]


def at(days: float, hours: float = 2) -> dt.datetime:
    """A moment ``days`` after T0 (T0 + 2 h is 03:30 on 2 March in Shanghai)."""
    return T0 + dt.timedelta(days=days, hours=hours)


def test_a_reached_customer_is_logged_with_the_plan_channel(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    first = plan_visits(app, people["张三"])[0]
    home = plan_visits(app, people["王五"], "home_care")[0]
    with app.transaction(now=at(1, 4), as_user="wang") as uow:
        record_outcome(uow, first.id, "reached", notes="伤口恢复良好 ", satisfaction="4",
                       next_action="下周复诊")
        wang = uow.actor_id
    with app.transaction(now=at(14, 4), as_user="zhou") as uow:
        record_outcome(uow, home.id, "reached", satisfaction=5)
        zhou = uow.actor_id
    done = plan_visits(app, people["张三"])[0]
    assert (done.status, done.outcome, done.satisfaction, done.notes, done.next_action,
            done.attempts, done.done_at, done.done_by_id) == (
        "done", "reached", 4, "伤口恢复良好", "下周复诊", 1, at(1, 4), wang)
    assert return_visits(app) == [
        (people["张三"], "phone", wang, None,
         {"visit_id": first.id, "outcome": "reached", "plan": "discharge", "step": 1,
          "attempt": 1, "satisfaction": 4, "paid": False, "asset_id": None,
          "ticket_id": None, "complaint_id": None}),
        # The paid home visit (有偿) books its fee as revenue once made.
        (people["王五"], "visit", zhou, Decimal("200.00"),
         {"visit_id": home.id, "outcome": "reached", "plan": "home_care", "step": 1,
          "attempt": 1, "satisfaction": 5, "paid": True, "asset_id": None,
          "ticket_id": None, "complaint_id": None}),
    ]


def test_not_reached_is_tried_again_until_the_plan_gives_up(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    first = plan_visits(app, people["张三"])[0]  # due 3 March, two attempts in the plan
    with app.transaction(now=at(1, 4), as_user="wang") as uow:  # 3 March 11:30 local
        record_outcome(uow, first.id, "not_reached", notes="无人接听")
    again = plan_visits(app, people["张三"])[0]
    assert (again.status, again.outcome, again.attempts, again.due_on, again.planned_on) == (
        "scheduled", "not_reached", 1, dt.date(2026, 3, 4), dt.date(2026, 3, 3))
    with app.transaction(now=at(2, 4), as_user="wang") as uow:
        record_outcome(uow, first.id, "not_reached", notes="仍无人接听")
    closed = plan_visits(app, people["张三"])[0]
    assert (closed.status, closed.outcome, closed.attempts, closed.notes) == (
        "done", "not_reached", 2, "无人接听\n仍无人接听")
    assert [p[4]["attempt"] for p in return_visits(app)] == [1, 2]
    # The later steps are not touched by an unanswered call.
    assert [v.status for v in plan_visits(app, people["张三"])[1:]] == ["scheduled"] * 2


def test_a_declined_visit_cancels_the_rest_of_the_plan(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    steps = plan_visits(app, people["王五"])
    with app.transaction(now=at(1), as_user="li") as uow:
        record_outcome(uow, steps[0].id, "declined", notes="不需要回访")
    assert [(v.status, v.cancel_reason) for v in plan_visits(app, people["王五"])] == [
        ("done", None), ("cancelled", "客户拒绝回访 (declined)"),
        ("cancelled", "客户拒绝回访 (declined)")]
    # Another plan of the same discharge goes on.
    assert plan_visits(app, people["王五"], "home_care")[0].status == "scheduled"


def test_an_issue_found_opens_a_complaint_ticket(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    first = plan_visits(app, people["王五"])[0]
    home = plan_visits(app, people["王五"], "home_care")[0]
    with app.transaction(now=at(1), as_user="li") as uow:
        record_outcome(uow, first.id, "issue_found", notes="切口红肿，有渗液")
    with app.transaction(now=at(14), as_user="zhou") as uow:
        # This plan opens no complaint unless asked.
        record_outcome(uow, home.id, "issue_found", notes="康复器械损坏")
    with app.transaction() as uow:
        tickets = list(uow.session.exec(select(Ticket)).scalars())
        visit = get_visit(uow, first.id)
    assert len(tickets) == 1
    ticket = tickets[0]
    assert (ticket.type, ticket.customer_id, ticket.channel, ticket.subject,
            ticket.description, ticket.priority) == (
        "complaint", people["王五"], "phone", "回访发现问题：出院随访", "切口红肿，有渗液", "high")
    assert visit.complaint_id == ticket.id and visit.status == "done"
    assert return_visits(app)[0][4]["complaint_id"] == ticket.id
    assert plan_visits(app, people["王五"], "home_care")[0].complaint_id is None


@pytest.mark.parametrize(("outcome", "options", "field"), [
    ("answered", {}, "outcome"),
    ("reached", {"satisfaction": 6}, "satisfaction"),
    ("reached", {"satisfaction": "很好"}, "satisfaction"),
    ("not_reached", {"satisfaction": 3}, "satisfaction"),
    ("reached", {"complaint": True}, "complaint"),
    ("reached", {"notes": "长" * 4001}, "notes"),
    ("reached", {"at": T0 + dt.timedelta(days=30)}, "at"),
])
def test_a_bad_outcome_is_refused_and_nothing_is_stored(clinic, outcome, options, field) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    first = plan_visits(app, people["张三"])[0]
    logged = count(app, "interaction")
    with pytest.raises(ValidationError) as caught, app.transaction(
            now=at(1), as_user="wang") as uow:
        record_outcome(uow, first.id, outcome, **options)
    assert caught.value.field == field
    unchanged = plan_visits(app, people["张三"])[0]
    assert (unchanged.status, unchanged.attempts, unchanged.outcome) == ("scheduled", 0, None)
    assert count(app, "interaction") == logged


def test_a_closed_visit_cannot_be_recorded_again(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    first = plan_visits(app, people["张三"])[0]
    with app.transaction(now=at(1), as_user="wang") as uow:
        record_outcome(uow, first.id, "reached")
    with pytest.raises(ValidationError, match="is done, not open"), app.transaction(
            now=at(1), as_user="wang") as uow:
        record_outcome(uow, first.id, "reached")
    with pytest.raises(ValidationError, match="is done, not open"), app.transaction(
            now=at(1), as_user="wang") as uow:
        cancel(uow, first.id, reason="重复")
    assert len(return_visits(app)) == 1


def test_the_overdue_job_flags_late_visits_and_reminds_once(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    # 11 March in Shanghai: the 3 March calls are past due + 2 grace days, the 9 March
    # ones are not yet.
    now = at(9, 6)
    assert JOB in app.registry.jobs
    with app.transaction(now=now) as uow:
        assert overdue_job(uow, now) == "2 visits flagged overdue"
    with app.transaction(now=now + dt.timedelta(hours=1)) as uow:
        assert overdue_job(uow, now) == "0 visits flagged overdue"  # idempotent
    with app.transaction() as uow:
        tasks = list(uow.session.exec(select(Task).order_by(Task.id)).scalars())
        flagged = list(uow.session.exec(select(Visit).where(Visit.status == "overdue")
                                        .order_by(Visit.id)).scalars())
    assert [(v.customer_id, v.step, v.overdue_at) for v in flagged] == [
        (people["张三"], 1, now), (people["王五"], 1, now)]
    assert [(t.customer_id, t.assignee_id, t.title, t.status, t.priority, t.source)
            for t in tasks] == [
        (v.customer_id, v.assignee_id, "回访逾期：出院随访（应于 2026-03-03）", "open", "high",
         "service.visits_overdue") for v in flagged]
    assert [v.task_id for v in flagged] == [t.id for t in tasks]
    with app.transaction(now=now) as uow:
        assert [r.id for r in overdue_visits(uow)] == [v.id for v in flagged]
    # Recording the visit closes its reminder; rescheduling the other cancels it.
    with app.transaction(now=now, as_user="wang") as uow:
        record_outcome(uow, flagged[0].id, "reached", satisfaction=3)
    with app.transaction(now=now, as_user="li") as uow:
        moved = reschedule(uow, flagged[1].id, "2026-03-12", reason="家属要求改期")
        assert (moved.status, moved.due_on, moved.overdue_at, moved.task_id) == (
            "scheduled", dt.date(2026, 3, 12), now, None)
    with app.transaction() as uow:
        assert [t.status for t in uow.session.exec(select(Task).order_by(Task.id))
                .scalars()] == ["done", "cancelled"]
    with app.transaction(now=now) as uow:
        assert overdue_job(uow, now) == "0 visits flagged overdue"


def test_reschedule_and_cancel_check_their_input(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    steps = plan_visits(app, people["张三"])
    for call, field in (
        (lambda uow: reschedule(uow, steps[0].id, "2026-03-01"), "due_on"),
        (lambda uow: reschedule(uow, steps[0].id, "soon"), "due_on"),
        (lambda uow: reschedule(uow, steps[0].id, "2026-03-09", assignee="ghost"), "assignee"),
        (lambda uow: cancel(uow, steps[0].id, reason="  "), "reason"),
        (lambda uow: cancel_plan(uow, people["张三"], "", reason="x"), "plan"),
    ):
        with pytest.raises(ValidationError) as caught, app.transaction(
                now=at(0), as_user="wang") as uow:
            call(uow)
        assert caught.value.field == field
    assert [(v.status, v.due_on) for v in plan_visits(app, people["张三"])] == [
        (s.status, s.due_on) for s in steps]


def test_cancelling_the_rest_of_a_plan_and_a_customers_whole_plan(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    zhang = plan_visits(app, people["张三"])
    with app.transaction(now=at(0), as_user="wang") as uow:
        assert [v.id for v in cancel(uow, zhang[1].id, reason="转院", rest_of_plan=True)] == [
            zhang[1].id, zhang[2].id]
    assert [v.status for v in plan_visits(app, people["张三"])] == [
        "scheduled", "cancelled", "cancelled"]
    with app.transaction(now=at(0)) as uow:
        assert cancel_plan(uow, people["王五"], "discharge", reason="患者要求不再随访") == 3
    assert [v.status for v in plan_visits(app, people["王五"])] == ["cancelled"] * 3
    assert plan_visits(app, people["王五"], "home_care")[0].status == "scheduled"


def test_completion_and_due_reports(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    zhang, wang_five = plan_visits(app, people["张三"]), plan_visits(app, people["王五"])
    with app.transaction(now=at(1), as_user="wang") as uow:
        record_outcome(uow, zhang[0].id, "reached", satisfaction=5)  # on the day
    with app.transaction(now=at(7), as_user="li") as uow:  # 9 March: six days late
        record_outcome(uow, wang_five[0].id, "not_reached")
        record_outcome(uow, wang_five[0].id, "not_reached")
    with app.transaction(now=at(16)) as uow:  # 18 March: 9 March calls are overdue
        rows = visit_completion(uow, start="2026-03-01", end="2026-03-31")
        by_assignee = visit_completion(uow, start="2026-03-01", end="2026-03-31",
                                       by="assignee")
        report = completion_report(uow, start="2026-03-01", end="2026-03-31")
        due = due_report(uow, window="week")
    assert rows == [
        {"plan": "discharge", "due": 4, "done": 2, "on_time": 1, "late": 1, "open": 2,
         "overdue": 2, "cancelled": 0, "reached": 1, "completion_rate": 0.5,
         "on_time_rate": 0.25, "reached_rate": 0.5, "satisfaction": 5.0},
        {"plan": "home_care", "due": 1, "done": 0, "on_time": 0, "late": 0, "open": 1,
         "overdue": 0, "cancelled": 0, "reached": 0, "completion_rate": 0.0,
         "on_time_rate": 0.0, "reached_rate": None, "satisfaction": None},
    ]
    assert [(r["assignee"], r["due"], r["done"]) for r in by_assignee] == [
        ("li", 2, 1), ("wang", 2, 1), ("zhou", 1, 0)]
    assert report["report"] == "service.visit_completion" and report["rows"][0]["due"] == 4
    # 18 March is a Wednesday: the week ends on Sunday the 22nd. Three open visits are
    # late; the two of 9 March are past the two grace days, the one of 16 March not yet.
    assert (due["today"], due["week_end"], due["due_today"], due["due_this_week"],
            due["late"], due["overdue"]) == ("2026-03-18", "2026-03-22", 0, 0, 3, 2)
    with pytest.raises(ValidationError) as caught, app.transaction(now=at(16)) as uow:
        visit_completion(uow, start="2026-04-01", end="2026-03-01")
    assert caught.value.field == "start"


def test_staff_see_the_visits_of_their_customers_and_their_own(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    wang_five_call = plan_visits(app, people["王五"])[0]
    with app.transaction(now=at(0), as_user="wang") as uow:
        # wang and li share a team (the agents' "team" policy): each sees both patients.
        assert {r.customer for r in list_visits(uow)} == {"张三", "王五"}
    with app.transaction(now=at(0), as_user="zhou") as uow:
        # zhou owns no patient: he sees the home visit assigned to him, nothing else (and
        # not the patient's record: no name).
        assert [(r.customer, r.plan) for r in list_visits(uow)] == [(None, "home_care")]
        assert [r.plan for r in due_visits(uow, window="all")] == ["home_care"]
        assert [(r["plan"], r["due"]) for r in visit_completion(
            uow, start="2026-03-01", end="2026-12-31")] == [("home_care", 1)]
        with pytest.raises(NotFoundError):
            get_visit(uow, wang_five_call.id)
    with pytest.raises(AccessDenied), app.transaction(now=at(1), as_user="zhao") as uow:
        record_outcome(uow, wang_five_call.id, "reached")
    with pytest.raises(NotFoundError), app.transaction(now=at(1), as_user="zhou") as uow:
        record_outcome(uow, wang_five_call.id, "reached")
    assert plan_visits(app, people["王五"])[0].status == "scheduled"


def test_export_and_erasure_cover_the_visit_notes(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    steps = plan_visits(app, people["王五"])
    with app.transaction(now=at(1), as_user="li") as uow:
        record_outcome(uow, steps[0].id, "reached", notes="王五说伤口仍疼", satisfaction=2,
                       next_action="请骨科医生电话回访")
    with app.transaction(now=at(9, 6)) as uow:
        overdue_job(uow, at(9, 6))  # 王五's home visit gets no reminder: not overdue yet
        exported = export_personal_data(uow, people["王五"])
    part = exported["plugins"]["service"]["return_visits"]
    assert [(v["plan"], v["step"], v["outcome"], v["notes"], v["next_action"])
            for v in part][:2] == [("discharge", 1, "reached", "王五说伤口仍疼",
                                    "请骨科医生电话回访"), ("discharge", 2, None, None, None)]
    with app.transaction(now=at(10)) as uow:
        erase_customer(uow, people["王五"], reason="data subject request")
    after = plan_visits(app, people["王五"]) + plan_visits(app, people["王五"], "home_care")
    assert [(v.status, v.outcome, v.satisfaction, v.notes, v.next_action) for v in after] == [
        ("done", "reached", 2, None, None), ("cancelled", None, None, None, None),
        ("cancelled", None, None, None, None), ("cancelled", None, None, None, None)]
    # 张三's visits are untouched.
    assert {v.status for v in plan_visits(app, people["张三"])} == {"scheduled", "overdue"}
    # An erased person is not called back, even when a trigger comes in for him.
    before = count(app, "service_visit")
    with app.transaction(now=at(11)) as uow:
        log_interaction(uow, customer_id=people["王五"], kind="hospital.discharged",
                        occurred_at=at(11), payload={"ward": "骨科"})
    assert count(app, "service_visit") == before


def test_a_retry_of_an_overdue_visit_closes_its_reminder(clinic) -> None:  # type: ignore[no-untyped-def]
    app, people = clinic
    now = at(9, 6)  # 11 March: the 3 March calls are overdue
    with app.transaction(now=now) as uow:
        overdue_job(uow, now)
    first = plan_visits(app, people["张三"])[0]
    with app.transaction(now=now, as_user="wang") as uow:
        retried = record_outcome(uow, first.id, "not_reached")
        assert (retried.status, retried.due_on, retried.task_id) == (
            "scheduled", dt.date(2026, 3, 12), None)
    with app.transaction() as uow:
        task = uow.session.exec(select(Task).where(Task.id == first.task_id)).scalars().one()
    assert task.status == "done"
    # Missed again: a new reminder, once.
    later = at(13, 6)
    with app.transaction(now=later) as uow:
        overdue_job(uow, later)
        overdue_job(uow, later)
    again = plan_visits(app, people["张三"])[0]
    assert again.status == "overdue" and again.task_id not in (None, first.task_id)
    assert again.overdue_at == now  # the first time it was flagged
    assert count(app, "task", f"WHERE customer_id = {people['张三']}") == 3  # step 2 too
