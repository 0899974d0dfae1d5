"""The SLA clock of a ticket (apply_sla) and the service.sla job: policies, business hours
across a weekend and a holiday, pause and resume, first response, stop, reopen, warnings,
breaches, escalation up the team hierarchy, idempotence."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from guanxi.app import App
from tests.service.sla_support import (
    at,
    change,
    count,
    events,
    job,
    open_ticket,
    organisation,
    rows,
    ticket,
)

T0 = at("2026-03-01 08:00")

# China's 2026 Spring Festival (2/15–2/23) with its make-up Saturdays 2/14 and 2/28.
CHINA = {
    "hours": {day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [(dt.date(2026, 2, 15) + dt.timedelta(days=n)).isoformat() for n in range(9)],
    "workdays": ["2026-02-14", "2026-02-28"],
}


@pytest.fixture
def app(service_app: App) -> App:
    return service_app


@pytest.fixture
def org(app: App) -> dict[str, int]:
    return organisation(app, T0)


def local(value: dt.datetime | None) -> str | None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    return value.astimezone(shanghai).strftime("%Y-%m-%d %H:%M") if value else None


def test_a_business_hours_target_runs_across_the_weekend(app: App, org: dict) -> None:
    # Friday 17:00: one hour on Friday, then Monday (lunch 12–13 is not business time).
    tid = open_ticket(app, at("2026-03-06 17:00"), org["regular"], team_id=org["team_sh"])
    t = ticket(app, tid)
    assert (t.sla_policy, t.sla_state) == ("standard", "running")
    assert local(t.first_response_due_at) == "2026-03-09 17:00"  # 480 business minutes
    assert local(t.resolution_due_at) == "2026-03-13 17:00"  # 2,400: five working days
    assert t.sla_due_at == t.first_response_due_at
    assert (t.sla_paused_at, t.sla_paused_seconds, t.escalation_level) == (None, 0, 0)


def test_a_business_hours_target_runs_across_a_holiday_and_make_up_days(
    make_service_app: Callable[..., App],
) -> None:
    sla = {"calendars": {"default": CHINA},
           "policies": [{"name": "标准", "first_response_minutes": 600,
                         "resolution_minutes": 1500}]}
    app = make_service_app(settings={"service": {"sla": sla}})
    org = organisation(app, at("2026-02-01 08:00"))
    tid = open_ticket(app, at("2026-02-13 17:00"), org["regular"])
    t = ticket(app, tid)
    assert t.sla_policy == "标准"
    # 60 min on Friday, 480 on Saturday 14 Feb (调休), nothing 15–23 Feb, 60 on the 24th.
    assert local(t.first_response_due_at) == "2026-02-24 10:00"
    # 1,500 = 60 + 480 + 480 (24th) + 480 (25th): the 25th at 18:00.
    assert local(t.resolution_due_at) == "2026-02-25 18:00"


def test_policies_match_on_type_priority_and_tier_first_match_wins(
    app: App, org: dict,
) -> None:
    monday = at("2026-03-02 09:00")
    cases = [
        ({"priority": "urgent"}, "regular", "urgent", "2026-03-02 09:30"),  # 24x7
        ({"priority": "urgent"}, "vip", "urgent", "2026-03-02 09:30"),  # listed first
        ({}, "vip", "vip", "2026-03-02 10:00"),
        ({"type": "complaint"}, "regular", "complaint", "2026-03-02 11:00"),
        ({"priority": "high"}, "regular", "high", "2026-03-02 11:00"),
        ({"priority": "low"}, "regular", "standard", "2026-03-02 18:00"),
    ]
    for fields, customer, policy, due in cases:
        t = ticket(app, open_ticket(app, monday, org[customer], **fields))
        assert (t.sla_policy, local(t.first_response_due_at)) == (policy, due), fields


def test_a_priority_change_retargets_from_the_opening(app: App, org: dict) -> None:
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    t = change(app, tid, at("2026-03-02 09:20"), priority="urgent")
    assert t.sla_policy == "urgent"
    assert local(t.first_response_due_at) == "2026-03-02 09:30"  # opened + 30, 24x7
    assert local(t.resolution_due_at) == "2026-03-02 13:00"
    t = change(app, tid, at("2026-03-02 09:25"), priority="normal", type="complaint")
    assert (t.sla_policy, local(t.first_response_due_at)) == ("complaint", "2026-03-02 11:00")


def test_no_matching_policy_means_no_sla(make_service_app: Callable[..., App]) -> None:
    sla = {"policies": [{"name": "complaints", "types": ["complaint"],
                         "resolution_minutes": 60}]}
    app = make_service_app(settings={"service": {"sla": sla}})
    org = organisation(app, T0)
    t = ticket(app, open_ticket(app, at("2026-03-02 09:00"), org["regular"]))
    assert (t.sla_policy, t.sla_state, t.sla_due_at) == (None, "none", None)
    t = ticket(app, open_ticket(app, at("2026-03-02 09:00"), org["regular"], type="complaint"))
    assert (t.sla_policy, t.first_response_due_at, local(t.resolution_due_at)) == (
        "complaints", None, "2026-03-02 10:00")
    assert count(app, "service_sla_clock") == 1


def test_pending_pauses_the_clock_and_resuming_shifts_the_deadlines(
    app: App, org: dict,
) -> None:
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    change(app, tid, at("2026-03-02 10:00"), first_responded_at=at("2026-03-02 10:00"),
           status="open")
    t = change(app, tid, at("2026-03-02 14:00"), status="pending")
    assert (t.sla_state, t.sla_due_at, t.sla_paused_at) == ("paused", None,
                                                            at("2026-03-02 14:00"))
    assert count(app, "service_sla_clock", "check_at IS NOT NULL") == 0
    # Waiting on the customer from Monday 14:00 to Tuesday 10:00: 4 h + 1 h of business.
    t = change(app, tid, at("2026-03-03 10:00"), status="open")
    assert (t.sla_state, t.sla_paused_at, t.sla_paused_seconds) == ("running", None, 5 * 3600)
    # Resolution was due Friday 18:00; five business hours later is Monday 15:00.
    assert local(t.resolution_due_at) == "2026-03-09 15:00"
    assert t.sla_due_at == t.resolution_due_at
    assert local(t.first_response_due_at) == "2026-03-02 18:00"  # met: frozen
    # A second pause adds up.
    change(app, tid, at("2026-03-04 17:00"), status="pending")
    t = change(app, tid, at("2026-03-05 09:30"), status="open")
    assert t.sla_paused_seconds == 5 * 3600 + 90 * 60
    assert local(t.resolution_due_at) == "2026-03-09 16:30"


def test_the_first_public_reply_stops_the_first_response_target(app: App, org: dict) -> None:
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    t = change(app, tid, at("2026-03-02 11:00"), first_responded_at=at("2026-03-02 11:00"),
               status="open")
    assert t.sla_due_at == t.resolution_due_at
    # The job at the old first-response deadline has nothing to do.
    assert job(app, at("2026-03-02 18:01")) == "0 breaches, 0 warnings, 0 escalations"
    t = change(app, tid, at("2026-03-04 10:00"), status="resolved")
    assert (t.sla_state, t.first_response_breached, t.resolution_breached) == (
        "met", False, False)
    assert (t.sla_due_at, t.sla_paused_at) == (None, None)
    t = change(app, tid, at("2026-03-05 10:00"), status="closed")
    assert t.sla_state == "met"  # settled at the resolve


def test_a_late_stop_is_missed_with_the_breached_flags(app: App, org: dict) -> None:
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    # Replied after the first-response deadline (Monday 18:00), resolved in time.
    change(app, tid, at("2026-03-03 09:30"), first_responded_at=at("2026-03-03 09:30"),
           status="open")
    t = change(app, tid, at("2026-03-03 10:00"), status="resolved")
    assert (t.sla_state, t.first_response_breached, t.resolution_breached) == (
        "missed", True, False)
    # Resolved without any reply before the first-response deadline: both met.
    other = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    t = change(app, other, at("2026-03-02 16:00"), status="resolved")
    assert (t.sla_state, t.first_response_breached) == ("met", False)
    # Closed after the resolution deadline.
    late = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    t = change(app, late, at("2026-03-10 09:00"), status="closed")
    assert (t.sla_state, t.first_response_breached, t.resolution_breached) == (
        "missed", True, True)


def test_a_reopen_restarts_the_resolution_clock(app: App, org: dict) -> None:
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    change(app, tid, at("2026-03-02 10:00"), first_responded_at=at("2026-03-02 10:00"),
           status="open")
    change(app, tid, at("2026-03-03 09:00"), status="resolved")
    t = change(app, tid, at("2026-03-04 10:00"), status="open")
    assert (t.sla_state, t.resolution_breached, t.escalation_level) == ("running", False, 0)
    # A fresh 2,400 business minutes from Wednesday 10:00: next Wednesday 10:00.
    assert local(t.resolution_due_at) == "2026-03-11 10:00"
    assert local(t.first_response_due_at) == "2026-03-02 18:00"
    t = change(app, tid, at("2026-03-12 09:00"), status="resolved")
    assert (t.sla_state, t.resolution_breached, t.first_response_breached) == (
        "missed", True, False)


# ----------------------------------------------------------------------------- the job

def _snapshot(app: App) -> list[Any]:
    return [rows(app, "SELECT * FROM service_ticket ORDER BY id"),
            rows(app, "SELECT * FROM service_sla_clock ORDER BY ticket_id"),
            count(app, "service_ticket_event"), count(app, "task")]


def test_the_job_warns_breaches_and_escalates_up_two_levels(app: App, org: dict) -> None:
    tid = open_ticket(app, at("2026-03-06 17:00"), org["regular"], team_id=org["team_sh"],
                      assignee_id=org["agent"], subject="空调不制冷")
    # 80% of 480 business minutes = 384: Monday 15:24.
    assert job(app, at("2026-03-09 15:23")) == "0 breaches, 0 warnings, 0 escalations"
    assert job(app, at("2026-03-09 15:24")) == "0 breaches, 1 warnings, 0 escalations"
    assert ticket(app, tid).sla_state == "warned"
    assert rows(app, "SELECT assignee_id, title, source FROM task") == [
        (org["agent"], "SLA 预警 (首次响应) SR-" + ticket(app, tid).number[3:] + " 空调不制冷",
         "service.sla")]
    # Breach at 17:00: flags, state, event, level 1 to the lead of 上海组 at once.
    assert job(app, at("2026-03-09 17:00")) == "1 breaches, 0 warnings, 1 escalations"
    t = ticket(app, tid)
    assert (t.sla_state, t.first_response_breached, t.escalation_level) == ("breached", True, 1)
    assert t.sla_due_at == t.first_response_due_at  # still unmet: first in the queue
    # Level 2 (the lead of 华东大区) 120 minutes later, not before.
    assert job(app, at("2026-03-09 18:59")) == "0 breaches, 0 warnings, 0 escalations"
    assert job(app, at("2026-03-09 19:00")) == "0 breaches, 0 warnings, 1 escalations"
    assert events(app, tid) == [
        ("sla_warning", None, "first_response", None),
        ("sla_breach", None, "first_response", None),
        ("escalated", "0", "1", "上海组"),
        ("escalated", "1", "2", "华东大区"),
    ]
    assert rows(app, "SELECT assignee_id, team_id, substr(title, 1, 11) FROM task "
                     "WHERE title LIKE 'SLA 超时升级%' ORDER BY id") == [
        (org["lead_sh"], org["team_sh"], "SLA 超时升级 L1"),
        (org["lead_east"], org["team_east"], "SLA 超时升级 L2"),
    ]
    tasks = rows(app, "SELECT customer_id, status FROM task")
    assert set(tasks) == {(org["regular"], "open")}


def test_escalation_stops_at_the_top_of_the_hierarchy_and_when_answered(
    make_service_app: Callable[..., App],
) -> None:
    app = make_service_app(settings={"service": {"sla": {"escalation": {
        "every_minutes": 30, "max_level": 5}}}})
    org = organisation(app, T0)
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"], team_id=org["team_sh"],
                      priority="urgent")  # first response due 09:30, 24x7
    for minute in (30, 60, 90, 120, 150):
        job(app, at("2026-03-02 09:00") + dt.timedelta(minutes=minute))
    assert [e[2] for e in events(app, tid) if e[0] == "escalated"] == ["1", "2", "3"]
    assert count(app, "service_sla_clock", "next_escalation_at IS NOT NULL") == 0
    # A ticket without a team is breached but escalated to nobody.
    lone = open_ticket(app, at("2026-03-02 09:00"), org["regular"], priority="urgent")
    assert job(app, at("2026-03-02 09:45")) == "1 breaches, 0 warnings, 0 escalations"
    assert ticket(app, lone).escalation_level == 0
    # The first reply of a breached ticket: its resolution target stays; no new level.
    other = open_ticket(app, at("2026-03-02 10:00"), org["regular"], team_id=org["team_sh"],
                        priority="urgent")
    job(app, at("2026-03-02 10:30"))
    change(app, other, at("2026-03-02 10:40"), first_responded_at=at("2026-03-02 10:40"),
           status="open")
    job(app, at("2026-03-02 11:10"))
    assert ticket(app, other).escalation_level == 1


def test_running_the_job_twice_at_the_same_instant_changes_nothing(
    app: App, org: dict,
) -> None:
    opened = at("2026-03-02 09:00")
    for n in range(6):
        open_ticket(app, opened + dt.timedelta(minutes=10 * n), org["regular"],
                    team_id=org["team_sh"], assignee_id=org["agent"],
                    priority=("urgent", "high", "normal")[n % 3])
    for when in ("2026-03-02 09:40", "2026-03-02 12:00", "2026-03-02 18:00"):
        job(app, at(when))
        before = _snapshot(app)
        assert job(app, at(when)) == "0 breaches, 0 warnings, 0 escalations"
        assert _snapshot(app) == before


def test_a_paused_ticket_is_neither_warned_nor_breached(app: App, org: dict) -> None:
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"], team_id=org["team_sh"])
    change(app, tid, at("2026-03-02 10:00"), status="pending")
    assert job(app, at("2026-03-04 09:00")) == "0 breaches, 0 warnings, 0 escalations"
    t = change(app, tid, at("2026-03-04 09:00"), status="open")
    # Paused Monday 10:00 to Wednesday 09:00: 7 h + 8 h. First response was due Monday
    # 18:00; 15 h of business later is Wednesday 17:00.
    assert local(t.first_response_due_at) == "2026-03-04 17:00"
    assert job(app, at("2026-03-04 16:59")) == "0 breaches, 1 warnings, 0 escalations"
    assert job(app, at("2026-03-04 17:00")) == "1 breaches, 0 warnings, 1 escalations"


def test_a_moved_deadline_rearms_its_warning_only_when_it_lies_ahead(
    app: App, org: dict,
) -> None:
    tid = open_ticket(app, at("2026-03-02 09:00"), org["regular"], assignee_id=org["agent"])
    job(app, at("2026-03-02 16:24"))  # warned: 80% of 480 from 09:00
    assert ticket(app, tid).sla_state == "warned"
    # Type complaint: 120 minutes, due 11:00, already past: breached, not warned again.
    change(app, tid, at("2026-03-02 16:30"), type="complaint")
    assert job(app, at("2026-03-02 16:31")) == "1 breaches, 0 warnings, 0 escalations"
    # Back to an inquiry (standard): still breached, flags are facts.
    t = change(app, tid, at("2026-03-02 16:40"), type="inquiry")
    assert (t.sla_state, t.first_response_breached) == ("breached", True)
    assert count(app, "service_ticket_event", "kind = 'sla_warning'") == 1


def test_the_tickets_service_drives_the_clock(app: App, org: dict) -> None:
    from guanxi_service.tickets import service as tickets

    with app.transaction(now=at("2026-03-06 17:00"), as_user="agent") as uow:
        tid = tickets.open_ticket(uow, customer_id=org["regular"], type="repair",
                                  channel="phone", subject="洗衣机漏水",
                                  team_id=org["team_sh"]).id
    t = ticket(app, tid)
    assert (t.sla_policy, local(t.first_response_due_at)) == ("standard", "2026-03-09 17:00")
    with app.transaction(now=at("2026-03-09 10:00"), as_user="agent") as uow:
        tickets.reply(uow, tid, "您好，师傅明天上门。", status="pending")
    t = ticket(app, tid)
    assert (t.first_responded_at, t.sla_state) == (at("2026-03-09 10:00"), "paused")
    with app.transaction(now=at("2026-03-10 10:00"), as_user="agent") as uow:
        tickets.change_status(uow, tid, "resolved", resolution="更换密封圈")
    assert ticket(app, tid).sla_state == "met"
    with app.transaction(now=at("2026-03-11 10:00"), as_user="agent") as uow:
        tickets.reopen_ticket(uow, tid, reason="又漏水了")
    t = ticket(app, tid)
    assert (t.sla_state, local(t.resolution_due_at)) == ("running", "2026-03-18 10:00")
    with app.transaction(now=at("2026-03-19 10:00"), as_user="agent") as uow:
        tickets.change_status(uow, tid, "resolved", resolution="更换水泵")
    # The log says whether each resolution met its target: analytics reads compliance there.
    resolved = rows(app, "SELECT payload FROM interaction "
                         "WHERE kind = 'service.ticket_resolved' ORDER BY id")
    met = [(json.loads(p) if isinstance(p, str) else p)["sla_met"] for (p,) in resolved]
    assert met == [True, False]


def test_each_ticket_escalates_up_its_own_branch(app: App, org: dict) -> None:
    from guanxi.services.staff import add_member, add_staff, add_team

    with app.transaction(now=T0) as uow:
        south = add_team(uow, name="华南大区", parent="客服中心").id
        canton = add_team(uow, name="广州组", parent="华南大区").id
        for username, team in (("lead_south", "华南大区"), ("lead_gz", "广州组")):
            add_staff(uow, username=username, display_name=username)
            add_member(uow, team=team, staff=username, lead=True)
    opened = at("2026-03-02 09:00")
    east = open_ticket(app, opened, org["regular"], team_id=org["team_sh"], priority="urgent")
    west = open_ticket(app, opened, org["regular"], team_id=canton, priority="urgent")
    for minute in (30, 150, 270):  # breach + level 1, level 2, level 3
        job(app, opened + dt.timedelta(minutes=minute))
    bodies = {tid: [e[3] for e in events(app, tid) if e[0] == "escalated"]
              for tid in (east, west)}
    assert bodies == {east: ["上海组", "华东大区", "客服中心"],
                      west: ["广州组", "华南大区", "客服中心"]}
    assert rows(app, f"SELECT count(*) FROM task WHERE team_id = {south}") == [(1,)]
