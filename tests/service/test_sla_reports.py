"""SLA compliance (figures computed by hand), the tickets about to breach, the command
line, record policies on the reports, and the personal-data parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.testing import GuanxiCli
from guanxi_service.sla.reports import compliance, due_tickets
from tests.service.sla_support import at, change, count, job, open_ticket, organisation

T0 = at("2026-03-01 08:00")


@pytest.fixture
def app(service_app: App) -> App:
    return service_app


@pytest.fixture
def world(app: App) -> dict[str, int]:
    """Six tickets whose figures are worked out in the comments (default settings:
    standard = 480 / 2,400 business minutes on Mon–Fri 09–12, 13–18; urgent = 24x7)."""
    org = organisation(app, T0)
    sh = org["team_sh"]
    # A: replied after 60 business minutes, resolved after 480 (met, met).
    a = open_ticket(app, at("2026-03-02 09:00"), org["regular"], team_id=sh)
    change(app, a, at("2026-03-02 10:00"), first_responded_at=at("2026-03-02 10:00"),
           status="open")
    change(app, a, at("2026-03-03 09:00"), status="resolved")
    # B: replied after 510 (due at 480: breached), resolved after 960 (met).
    b = open_ticket(app, at("2026-03-02 09:00"), org["regular"], team_id=sh)
    change(app, b, at("2026-03-03 09:30"), first_responded_at=at("2026-03-03 09:30"),
           status="open")
    change(app, b, at("2026-03-04 09:00"), status="resolved")
    # C: waiting on the customer, nothing settled yet.
    c = open_ticket(app, at("2026-03-02 09:00"), org["regular"], team_id=sh)
    change(app, c, at("2026-03-02 10:00"), status="pending")
    # D (April): closed after 7 working days without a reply: both targets missed.
    d = open_ticket(app, at("2026-04-01 09:00"), org["regular"], team_id=sh)
    change(app, d, at("2026-04-10 09:00"), status="closed")
    # E (no team, urgent, 24x7): replied after 10 minutes, resolved after 120.
    e = open_ticket(app, at("2026-03-02 09:00"), org["regular"], priority="urgent")
    change(app, e, at("2026-03-02 09:10"), first_responded_at=at("2026-03-02 09:10"),
           status="open")
    change(app, e, at("2026-03-02 11:00"), status="resolved")
    # F: a customer the agent may not see: replied after 30, resolved after 180.
    f = open_ticket(app, at("2026-03-03 09:00"), org["hidden"], team_id=sh)
    change(app, f, at("2026-03-03 09:30"), first_responded_at=at("2026-03-03 09:30"),
           status="open")
    change(app, f, at("2026-03-03 12:00"), status="resolved")
    return {**org, "a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_compliance_per_team_and_month_is_what_the_hand_computes(
    app: App, world: dict,
) -> None:
    with app.transaction() as uow:
        rows = [row.public() for row in compliance(uow)]
    assert rows == [
        {"team": "-", "period": "2026-03", "tickets": 1, "first_response_measured": 1,
         "first_response_met": 1, "first_response_met_pct": 100.0, "resolved": 1,
         "resolution_met": 1, "resolution_met_pct": 100.0, "breaches": 0,
         "avg_first_response_minutes": 10.0, "avg_resolution_minutes": 120.0},
        {"team": "上海组", "period": "2026-03", "tickets": 4, "first_response_measured": 3,
         "first_response_met": 2, "first_response_met_pct": 66.7, "resolved": 3,
         "resolution_met": 3, "resolution_met_pct": 100.0, "breaches": 1,
         "avg_first_response_minutes": 200.0,  # (60 + 510 + 30) / 3
         "avg_resolution_minutes": 540.0},  # (480 + 960 + 180) / 3
        {"team": "上海组", "period": "2026-04", "tickets": 1, "first_response_measured": 1,
         "first_response_met": 0, "first_response_met_pct": 0.0, "resolved": 1,
         "resolution_met": 0, "resolution_met_pct": 0.0, "breaches": 1,
         "avg_first_response_minutes": None,
         "avg_resolution_minutes": 2880.0},  # seven working days less 6 April (清明节)
    ]


def test_compliance_by_week_within_dates_and_team(app: App, world: dict) -> None:
    with app.transaction() as uow:
        weeks = compliance(uow, period="week", start="2026-03-01", end="2026-03-31",
                           team="上海组")
    assert [(r.team, r.period, r.tickets) for r in weeks] == [("上海组", "2026-W10", 4)]


def test_compliance_follows_the_record_policies(app: App, world: dict) -> None:
    with app.transaction(as_user="agent") as uow:
        mine = {(r.team, r.period): r.tickets for r in compliance(uow)}
    with app.transaction(as_user="other") as uow:
        theirs = {(r.team, r.period): r.tickets for r in compliance(uow)}
    assert mine == {("-", "2026-03"): 1, ("上海组", "2026-03"): 3, ("上海组", "2026-04"): 1}
    assert theirs == {("上海组", "2026-03"): 1}


@pytest.mark.parametrize(("options", "field"), [
    ({"period": "year"}, "period"), ({"start": "2026-02-30"}, "start"),
    ({"start": "2026-03-10", "end": "2026-03-01"}, "end"),
])
def test_bad_report_options_name_the_field(app: App, options: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught, app.transaction() as uow:
        compliance(uow, **options)
    assert caught.value.field == field


def test_due_lists_breached_and_soon_due_tickets_most_urgent_first(app: App) -> None:
    org = organisation(app, T0)
    late = open_ticket(app, at("2026-03-02 09:00"), org["regular"], priority="urgent")
    soon = open_ticket(app, at("2026-03-02 09:00"), org["regular"], priority="high")
    later = open_ticket(app, at("2026-03-02 09:00"), org["regular"])
    job(app, at("2026-03-02 10:30"))
    with app.transaction(now=at("2026-03-02 10:30")) as uow:
        found = due_tickets(uow, within=60)
        wide = due_tickets(uow, within=480)
    # urgent: first response due 09:30 (breached 60 minutes ago); high: due 11:00.
    assert [(t.id, t.target, t.minutes_left, t.sla_state) for t in found] == [
        (late, "first_response", -60, "breached"), (soon, "first_response", 30, "running")]
    assert [t.id for t in wide] == [late, soon, later]


def test_the_command_line(app: App, tmp_path: Path, database_url: str) -> None:
    gx = GuanxiCli(tmp_path, database_url, plugins=["service"])
    org = organisation(app, T0)
    open_ticket(app, at("2026-03-02 09:00"), org["regular"], team_id=org["team_sh"],
                subject="电视没有信号")
    days = gx.json("service", "sla", "calendar", "--start", "2026-03-06", "--days", "3",
                   "--add", "60", "--at", "2026-03-06 17:30")
    assert [(d["date"], d["kind"], d["hours"], d["minutes"]) for d in days["days"]] == [
        ("2026-03-06", "workday", "09:00-12:00 13:00-18:00", 480),
        ("2026-03-07", "day off", "", 0), ("2026-03-08", "day off", "", 0)]
    assert (days["timezone"], days["due_at"]) == ("Asia/Shanghai", "2026-03-09T01:30:00+00:00")
    text = gx("service", "sla", "calendar", "--start", "2026-03-06", "--days", "1").stdout
    assert "09:00-12:00 13:00-18:00" in text
    rows = gx.json("service", "sla", "compliance")
    assert [(r["team"], r["period"], r["tickets"]) for r in rows] == [("上海组", "2026-03", 1)]
    assert "SLA compliance" in gx("service", "sla", "compliance", "--period", "week").stdout
    due = gx.json("service", "sla", "due", "--within", "100000")
    assert [(d["subject"], d["target"], d["policy"]) for d in due] == [
        ("电视没有信号", "first_response", "standard")]
    policies = gx.json("service", "sla", "policies")
    assert [p["name"] for p in policies][-1] == "standard"
    assert "urgent" in gx("service", "sla", "policies").stdout
    report = gx.json("report", "run", "service.sla_compliance")
    assert report["rows"][0]["tickets"] == 1
    assert "days" in gx.fails("service", "sla", "calendar", "--days", "0")
    assert "start" in gx.fails("service", "sla", "compliance", "--start", "3月1日")
    unknown = gx("service", "sla", "calendar", "nowhere", ok=False)
    assert unknown.exit_code != 0
    assert "no SLA calendar 'nowhere'" in unknown.stderr


def test_personal_data_export_and_erasure(app: App, world: dict) -> None:
    with app.transaction() as uow:
        exported = export_personal_data(uow, world["hidden"])
    clocks = exported["plugins"]["service"]["service_sla_clocks"]
    assert [c["ticket_id"] for c in clocks] == [world["f"]]
    before = count(app, "service_sla_clock")
    with app.transaction() as uow:
        erase_customer(uow, world["hidden"], reason="本人要求删除")
    # Dates only: nothing to clear, the rows stay for the compliance figures.
    assert count(app, "service_sla_clock") == before
    with app.transaction() as uow:
        assert sum(r.tickets for r in compliance(uow)) == 6
