"""Return visits: care plans turn trigger interactions into visits on an interval plan
(time-zone correct, idempotent, set-based), plan checks, manual visits (service plugin,
visits area). Outcomes, the overdue job, reports, access and privacy are in
test_visits_outcomes.py.

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from guanxi.app import App
from guanxi.errors import ConfigError, ValidationError
from guanxi.models import Interaction
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction, log_interactions, record_from_row
from guanxi_service.visits import interactions_logged
from guanxi_service.visits.listing import list_visits, next_visit, visit_detail
from guanxi_service.visits.models import Visit
from guanxi_service.visits.plans import check_plans, plan_problems
from guanxi_service.visits.service import schedule
from tests.service.visits_support import (
    CLINIC_PLANS,
    LOCAL_T0,
    T0,
    Hospital,
    count,
    make_clinic,
    staff_world,
)

MakeApp = Callable[..., App]


def visits(app: App) -> list[Visit]:
    with app.transaction() as uow:
        return list(uow.session.exec(select(Visit).order_by(Visit.id)).scalars())


def discharge(uow, customer_id: int, ward: str, at: dt.datetime = T0, **extra):  # type: ignore[no-untyped-def]
    return log_interaction(uow, customer_id=customer_id, kind="hospital.discharged",
                           occurred_at=at, payload={"ward": ward, **extra})


def test_a_discharge_schedules_the_plan_on_local_due_dates(make_service_app: MakeApp) -> None:
    app = make_clinic(make_service_app)
    people = staff_world(app)
    with app.transaction(now=T0 + dt.timedelta(hours=1)) as uow:
        trigger = discharge(uow, people["张三"], "心内科", doctor="刘医生")
    rows = visits(app)
    # 17:30 UTC on 1 March is 01:30 on 2 March in Shanghai: the plan counts from 2 March.
    assert [(v.plan, v.step, v.offset_days, v.due_on, v.planned_on) for v in rows] == [
        ("discharge", 1, 1, LOCAL_T0 + dt.timedelta(days=1), LOCAL_T0 + dt.timedelta(days=1)),
        ("discharge", 2, 7, dt.date(2026, 3, 9), dt.date(2026, 3, 9)),
        ("discharge", 3, 30, dt.date(2026, 4, 1), dt.date(2026, 4, 1)),
    ]
    assert {(v.customer_id, v.trigger_id, v.trigger_kind, v.channel, v.title, v.status,
             v.paid) for v in rows} == {
        (people["张三"], trigger.id, "hospital.discharged", "phone", "出院随访", "scheduled",
         False)}
    # The team's first member by id takes the first patient, for every step.
    assert {v.assignee_id for v in rows} == {_staff_id(app, "wang")}


def _staff_id(app: App, username: str) -> int:
    from guanxi.services.staff import get_staff

    with app.transaction() as uow:
        return get_staff(uow, username).id


def test_conditions_pick_the_plans_and_the_team_goes_round(make_service_app: MakeApp) -> None:
    app = make_clinic(make_service_app)
    people = staff_world(app)
    with app.transaction(now=T0 + dt.timedelta(hours=1)) as uow:
        discharge(uow, people["张三"], "心内科")
        discharge(uow, people["李四"], "儿科")  # no plan for the children's ward
        log_interactions(uow, [  # one batch of two: round-robin goes on inside it
            {"customer_id": people["王五"], "kind": "hospital.discharged", "occurred_at": T0,
             "payload": {"ward": "骨科"}},
            {"customer_id": people["李四"], "kind": "hospital.discharged", "occurred_at": T0,
             "payload": {"ward": "心内科"}},
        ])
    with app.transaction(now=T0 + dt.timedelta(days=1)) as uow:
        discharge(uow, people["张三"], "骨科", at=T0 + dt.timedelta(hours=12))
    wang, li, zhou = (_staff_id(app, n) for n in ("wang", "li", "zhou"))
    firsts = [(v.customer_id, v.plan, v.assignee_id, v.paid, v.fee, v.channel)
              for v in visits(app) if v.step == 1]
    assert firsts == [
        (people["张三"], "discharge", wang, False, Decimal("0"), "phone"),
        (people["王五"], "discharge", li, False, Decimal("0"), "phone"),
        (people["王五"], "home_care", zhou, True, Decimal("200.00"), "visit"),
        (people["李四"], "discharge", wang, False, Decimal("0"), "phone"),
        (people["张三"], "discharge", li, False, Decimal("0"), "phone"),
        (people["张三"], "home_care", zhou, True, Decimal("200.00"), "visit"),
    ]
    assert count(app, "service_visit") == 4 * 3 + 2


def test_the_same_trigger_never_schedules_twice(make_service_app: MakeApp) -> None:
    app = make_clinic(make_service_app)
    people = staff_world(app)
    with app.transaction(now=T0 + dt.timedelta(hours=1)) as uow:
        discharge(uow, people["王五"], "骨科")
    assert count(app, "service_visit") == 4
    with app.transaction(now=T0 + dt.timedelta(days=2)) as uow:
        stored = [record_from_row(r) for r in uow.session.exec(
            select(Interaction).where(Interaction.kind == "hospital.discharged")).scalars()]
        interactions_logged(uow, stored)  # the hook sees the same batch again
        interactions_logged(uow, stored + stored)
    assert count(app, "service_visit") == 4
    # A correction of the discharge entry starts nothing of its own.
    with app.transaction(now=T0 + dt.timedelta(days=2)) as uow:
        log_interaction(uow, customer_id=people["王五"], kind="hospital.discharged",
                        occurred_at=T0, payload={"ward": "骨科"}, corrects_id=stored[0].id)
    assert count(app, "service_visit") == 4


def test_a_large_batch_is_scheduled_with_a_fixed_number_of_statements(
    make_service_app: MakeApp,
) -> None:
    app = make_clinic(make_service_app)
    staff_world(app)
    with app.transaction(now=T0) as uow:
        patients = [add_customer(uow, name=f"病人{i}").id for i in range(120)]
    statements: dict[int, int] = {}
    for size in (12, 120):  # up to 500 visits go in one insert statement
        rows = [{"customer_id": c, "kind": "hospital.discharged", "occurred_at": T0,
                 "payload": {"ward": "心内科" if i % 2 else "骨科"}}
                for i, c in enumerate(patients[:size])]
        with app.transaction(now=T0 + dt.timedelta(hours=1)) as uow:
            records = log_interactions(uow, rows)
            seen: list[str] = []
            connection = uow.session.connection()

            def note(*args, seen=seen) -> None:  # type: ignore[no-untyped-def]
                seen.append(args[2])

            event.listen(connection, "before_cursor_execute", note)
            from guanxi_service.visits.scheduling import schedule_from

            fresh = schedule_from(uow, [r for r in records])  # already scheduled: none new
            event.remove(connection, "before_cursor_execute", note)
            assert fresh == []
            statements[size] = len(seen)
    assert statements[12] == statements[120]  # no query per row
    # 12 + 120 discharges: 3 steps each, and 1 more for each orthopaedic one.
    assert count(app, "service_visit") == (12 + 120) * 3 + 6 + 60


def test_visits_name_the_asset_and_ticket_of_their_trigger(make_service_app: MakeApp) -> None:
    app = make_service_app()
    people = staff_world(app)
    from guanxi_service.assets.models import Asset
    from guanxi_service.tickets.models import Ticket

    with app.transaction(now=T0) as uow:
        asset = Asset(customer_id=people["张三"], serial_number="XE215-001", product="挖掘机",
                      created_at=T0, updated_at=T0)
        ticket = Ticket(number="SR-000777", customer_id=people["王五"], type="repair",
                        channel="phone", subject="空调不制冷", status="closed", opened_at=T0,
                        created_at=T0, updated_at=T0)
        uow.session.add_all([asset, ticket])
        uow.session.flush()
        asset_id, ticket_id = asset.id, ticket.id
    with app.transaction(now=T0 + dt.timedelta(hours=1), as_user="li") as uow:
        log_interaction(uow, customer_id=people["张三"], kind="service.asset_handed_over",
                        occurred_at=T0, payload={"asset_id": asset_id, "serial": "XE215-001",
                                                 "product": "挖掘机"})
        log_interaction(uow, customer_id=people["王五"], kind="service.ticket_closed",
                        occurred_at=T0, payload={"ticket_id": ticket_id, "number": "SR-000777",
                                                 "type": "repair", "priority": "normal",
                                                 "status": "closed"})
    rows = visits(app)
    wang, li = _staff_id(app, "wang"), _staff_id(app, "li")
    # The generic plans: 7/30/180 days after handover by the owner; 3 days after a
    # ticket is closed by whoever closed it.
    assert [(v.plan, v.customer_id, v.due_on, v.asset_id, v.ticket_id, v.assignee_id)
            for v in rows] == [
        ("asset_handed_over", people["张三"], LOCAL_T0 + dt.timedelta(days=7), asset_id,
         None, wang),
        ("asset_handed_over", people["张三"], LOCAL_T0 + dt.timedelta(days=30), asset_id,
         None, wang),
        ("asset_handed_over", people["张三"], LOCAL_T0 + dt.timedelta(days=180), asset_id,
         None, wang),
        ("ticket_closed", people["王五"], LOCAL_T0 + dt.timedelta(days=3), None, ticket_id,
         li),
    ]
    with app.transaction() as uow:
        assert [r.id for r in list_visits(uow, asset_id=asset_id)] == [v.id for v in rows[:3]]


def test_the_generic_plans_are_sound(service_app: App) -> None:
    assert plan_problems(service_app) == []
    check_plans(service_app)


def test_a_plan_on_an_unknown_kind_field_or_channel_stops_the_application(
    make_service_app: MakeApp,
) -> None:
    plans = {
        "after_trip": {"trigger": "travel.returned", "offsets": [2]},
        "bad_when": {"trigger": "service.ticket_closed", "when": {"colour": "red"},
                     "offsets": [3]},
        "bad_channel": {"trigger": "service.ticket_closed", "offsets": [3],
                        "channel": "pigeon"},
    }
    with pytest.raises(ConfigError) as raised:
        make_service_app(settings={"service": {"visits": {"plans": plans}}})
    problems = str(raised.value).split("; ")
    assert problems[0] == ("[service.visits] plan 'after_trip': trigger 'travel.returned' is "
                           "not a registered interaction kind")
    assert problems[1].startswith("[service.visits] plan 'bad_when': when.colour: "
                                  "'service.ticket_closed' payloads have no field 'colour'")
    assert problems[2] == (
        "[service.visits] plan 'bad_channel': channel 'pigeon' is not one of the interaction "
        "channels (chat, dealer, email, event, fax, letter, other, phone, pos, sms, social, "
        "visit, web)")


def test_a_plan_naming_a_missing_team_is_found_by_the_plan_check(
    make_service_app: MakeApp,
) -> None:
    # Teams live in the database, so only the check with a unit of work (``service visits
    # plans``) can see that one is missing; the application starts.
    plans = {"no_team": {"trigger": "service.ticket_closed", "offsets": [3], "assign": "team",
                         "team": "夜班"}}
    app = make_service_app(settings={"service": {"visits": {"plans": plans}}})
    with app.transaction() as uow:
        assert plan_problems(app, uow) == ["[service.visits] plan 'no_team': team '夜班' does "
                                           "not exist"]
    check_plans(app)  # without a unit of work: nothing wrong


@pytest.mark.parametrize(("plan", "message"), [
    ({"trigger": "service.ticket_closed", "offsets": [30, 3]}, "offsets must increase"),
    ({"trigger": "service.ticket_closed", "offsets": []}, "at least one offset"),
    ({"trigger": "ticket closed", "offsets": [3]}, "not an interaction kind"),
    ({"trigger": "service.ticket_closed", "offsets": [3], "assign": "team"}, "needs team"),
    ({"trigger": "service.ticket_closed", "offsets": [3], "fee": "50"}, "paid = true"),
    ({"trigger": "service.ticket_closed", "offsets": [3], "assign": "boss"}, "assign"),
])
def test_bad_plans_stop_the_application_naming_the_setting(
    make_service_app: MakeApp, plan: dict, message: str,
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        make_service_app(settings={"service": {"visits": {"plans": {"p": plan}}}},
                         migrate=False)
    assert "service.visits" in str(caught.value)


def test_a_visit_is_scheduled_by_hand(make_service_app: MakeApp) -> None:
    app = make_clinic(make_service_app)
    people = staff_world(app)
    now = T0 + dt.timedelta(hours=1)
    with app.transaction(now=now, as_user="wang") as uow:
        visit = schedule(uow, customer_id=people["张三"], due_on="2026-03-02",
                         title="节后关怀电话 ", notes="提醒复诊")
        planned = schedule(uow, customer_id=people["李四"], due_on=dt.date(2026, 3, 20),
                           plan="home_care", assignee="zhou")
        scripted = schedule(uow, customer_id=people["李四"], due_on="2026-03-05",
                            plan="discharge")
    with app.transaction(now=now) as uow:
        first, second = visit_detail(uow, visit.id), visit_detail(uow, planned.id)
        third = visit_detail(uow, scripted.id)
        upcoming = next_visit(uow, people["李四"])
    assert (first.visit.title, first.visit.channel, first.visit.assignee, first.visit.step,
            first.visit.paid, first.notes) == ("节后关怀电话", "phone", "wang", 0, False,
                                               "提醒复诊")
    assert (second.visit.title, second.visit.channel, second.visit.paid, second.visit.fee,
            second.visit.assignee, second.visit.plan) == (
        "上门康复指导", "visit", True, Decimal("200.00"), "zhou", "home_care")
    # A manual visit on a plan brings the plan's questions for the caller.
    assert third.questions == CLINIC_PLANS["discharge"]["questions"]
    assert (third.trigger_id, third.visit.step, third.visit.title) == (None, 0, "出院随访")
    assert upcoming is not None and upcoming.id == scripted.id


@pytest.mark.parametrize(("fields", "field"), [
    ({"due_on": "2026-03-01"}, "due_on"),  # yesterday in Shanghai
    ({"due_on": "next week"}, "due_on"),
    ({"channel": "pigeon"}, "channel"),
    ({"title": ""}, "title"),
    ({"plan": "dental"}, "plan"),
    ({"fee": "80"}, "fee"),
    ({"paid": True, "fee": "-5"}, "fee"),
    ({"assignee": "nobody"}, "assignee"),
    ({"customer_id": 999999}, "customer"),
    ({"asset_id": 424242}, "asset_id"),
])
def test_bad_manual_visits_are_refused_and_nothing_is_stored(
    make_service_app: MakeApp, fields: dict, field: str,
) -> None:
    app = make_clinic(make_service_app)
    people = staff_world(app)
    given = {"customer_id": people["张三"], "due_on": "2026-03-04", "title": "回访", **fields}
    with pytest.raises(ValidationError) as caught, app.transaction(
            now=T0 + dt.timedelta(hours=1), as_user="wang") as uow:
        schedule(uow, **given)
    assert caught.value.field == field
    assert count(app, "service_visit") == 0


def test_hospital_plugin_is_what_registers_the_kind(make_service_app: MakeApp) -> None:
    # Without the edition's plugin the clinic's plans cannot work: the application does
    # not start, and says why.
    with pytest.raises(ConfigError, match="'hospital.discharged' is not a registered"):
        make_service_app(settings={"service": {"visits": {"plans": CLINIC_PLANS}}})
    assert Hospital.plugin.name == "hospital"


def test_closing_a_ticket_schedules_its_return_visit_for_whoever_closed_it(
    make_service_app: MakeApp,
) -> None:
    from guanxi_service.tickets.service import change_status, open_ticket

    app = make_service_app(settings={"service": {"visits": {"plans": {
        "after_repair": {"trigger": "service.ticket_closed", "when": {"type": "repair"},
                         "offsets": [3, 30], "title": "维修回访"}}}}})
    people = staff_world(app)
    with app.transaction(now=T0, as_user="li") as uow:
        repair = open_ticket(uow, customer_id=people["王五"], type="repair", channel="phone",
                             subject="空调不制冷")
        question = open_ticket(uow, customer_id=people["王五"], type="inquiry",
                               channel="phone", subject="保修期多久？")
    with app.transaction(now=T0 + dt.timedelta(hours=1), as_user="li") as uow:
        for ticket in (repair, question):
            change_status(uow, ticket.id, "closed", resolution="已处理")
    rows = visits(app)
    assert [(v.plan, v.ticket_id, v.due_on, v.assignee_id, v.title) for v in rows] == [
        ("after_repair", repair.id, dt.date(2026, 3, 5), _staff_id(app, "li"), "维修回访"),
        ("after_repair", repair.id, dt.date(2026, 4, 1), _staff_id(app, "li"), "维修回访"),
    ]
