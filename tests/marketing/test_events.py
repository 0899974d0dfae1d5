"""Events (贸易展, 研讨会, 义诊): registrations, waitlist, check-in, no-shows, captured leads,
the event report, privacy and the command line.

The display time zone is Asia/Shanghai (UTC+8), so 10:00 local is 02:00 UTC.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Interaction
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.jobs import run_due
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi.testing import GuanxiCli
from guanxi_marketing.campaigns.models import Campaign, CampaignMember
from guanxi_marketing.events.capture import capture_contacts, read_contacts_csv
from guanxi_marketing.events.event_report import event_report
from guanxi_marketing.events.events import create_event, event_row, get_event, list_events
from guanxi_marketing.events.models import EventLead, EventRegistration
from guanxi_marketing.events.registrations import (
    cancel,
    check_in,
    close_event,
    confirm,
    list_registrations,
    mark_no_shows,
    register,
)
from guanxi_marketing.leads.models import Lead

NOW = dt.datetime(2026, 5, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 on 10 May in Shanghai
EVENT_DAY = dt.datetime(2026, 5, 20, 1, 0, tzinfo=dt.UTC)  # 09:00 on 20 May


class World:
    """Team 华东 (wang, li: agents), 华北 (zhao: agent), boss (manager of both), root (admin).

    Customers: 张三 and 李四 owned by wang, 王五 by zhao, 赵六 and 钱七 by nobody; each
    has a mobile number. root owns the campaigns.
    """

    def __init__(self, app: App):
        self.app = app
        with app.transaction(now=NOW) as uow:
            add_team(uow, name="销售部")
            for name in ("华东", "华北"):
                add_team(uow, name=name, parent="销售部")
            for user, team, role in (("wang", "华东", "agent"), ("li", "华东", "agent"),
                                     ("zhao", "华北", "agent"), ("boss", "销售部", "manager"),
                                     ("root", None, "admin")):
                add_staff(uow, username=user, display_name=user.title())
                if team:
                    add_member(uow, team=team, staff=user, lead=role == "manager")
                grant_role(uow, staff=user, role=role)
            self.ids: dict[str, int] = {}
            for index, (name, owner) in enumerate((("张三", "wang"), ("李四", "wang"),
                                                   ("王五", "zhao"), ("赵六", None),
                                                   ("钱七", None))):
                self.ids[name] = add_customer(uow, name=name, owner=owner,
                                              phones=[f"1380013800{index}"]).id

    def event(self, *, capacity: int | None = None, **extra: Any) -> int:
        """A seminar on EVENT_DAY 09:00-12:00 local, created by root."""
        with self.app.transaction(as_user="root", now=NOW) as uow:
            event = create_event(uow, name="健康讲座", kind="seminar",
                                 starts_at="2026-05-20 09:00", ends_at="2026-05-20 12:00",
                                 venue="徐州会议中心", capacity=capacity, budget="5000", **extra)
            return event.id

    def run(self, fn: Any, *args: Any, as_user: str | None = "root",
            now: dt.datetime = NOW, **kwargs: Any) -> Any:
        """Call a service function in its own transaction."""
        with self.app.transaction(as_user=as_user, now=now) as uow:
            return fn(uow, *args, **kwargs)


@pytest.fixture
def world(marketing_app: App) -> World:
    return World(marketing_app)


def kinds_logged(app: App, customer_id: int) -> list[str]:
    with app.transaction() as uow:
        return list(uow.session.exec(select(Interaction.kind).where(
            Interaction.customer_id == customer_id, Interaction.kind.startswith("marketing."))
            .order_by(Interaction.id)).scalars())


def statuses(world: World, event_id: int) -> dict[int, str]:
    rows = world.run(list_registrations, event_id)
    return {r.customer_id: r.status for r in rows}


def member_status(app: App, campaign_id: int, customer_id: int) -> str | None:
    with app.transaction() as uow:
        return uow.session.exec(select(CampaignMember.status).where(
            CampaignMember.campaign_id == campaign_id,
            CampaignMember.customer_id == customer_id)).scalars().first()


# --------------------------------------------------------------------------- events


def test_create_event_makes_an_event_campaign(world: World) -> None:
    event_id = world.event(capacity=30, registration_deadline="2026-05-19 18:00")
    row = world.run(event_row, event_id)
    assert (row.name, row.kind, row.venue, row.capacity) == (
        "健康讲座", "seminar", "徐州会议中心", 30)
    assert row.starts_at == EVENT_DAY and row.ends_at == EVENT_DAY + dt.timedelta(hours=3)
    assert row.registration_deadline == dt.datetime(2026, 5, 19, 10, 0, tzinfo=dt.UTC)
    assert row.owner == "root"
    with world.app.transaction() as uow:
        campaign = uow.session.get(Campaign, row.campaign_id)
        assert (campaign.type, campaign.budget, str(campaign.starts_on)) == (
            "event", 5000, "2026-05-20")


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "party"}, "kind"),
    ({"ends_at": "2026-05-20 08:00"}, "ends_at"),
    ({"starts_at": "soon"}, "starts_at"),
    ({"capacity": 0}, "capacity"),
    ({"registration_deadline": "2026-05-21 09:00"}, "registration_deadline"),
    ({"name": ""}, "name"),
    ({"venue": "x" * 201}, "venue"),
])
def test_bad_event_input_names_the_field_and_stores_nothing(
    world: World, changes: dict[str, Any], field: str
) -> None:
    given = {"name": "义诊", "kind": "free_clinic", "starts_at": "2026-05-20 09:00",
             "ends_at": "2026-05-20 12:00", **changes}
    with pytest.raises(ValidationError) as caught:
        world.run(create_event, **given)
    assert caught.value.field == field
    with world.app.transaction() as uow:
        assert uow.session.exec(select(func.count()).select_from(Campaign)).scalar_one() == 0


def test_an_existing_event_campaign_is_used_once(world: World) -> None:
    first = world.event()
    campaign_id = world.run(event_row, first).campaign_id
    with pytest.raises(ValidationError, match="already is event"):
        world.run(create_event, kind="seminar", starts_at="2026-05-20 09:00",
                  ends_at="2026-05-20 10:00", campaign=campaign_id)


def test_list_events_by_kind_and_upcoming(world: World) -> None:
    seminar = world.event()
    clinic = world.run(create_event, name="社区义诊", kind="free_clinic",
                       starts_at="2026-05-01 09:00", ends_at="2026-05-01 12:00").id
    assert [r.id for r in world.run(list_events)] == [clinic, seminar]
    assert [r.id for r in world.run(list_events, upcoming=True)] == [seminar]
    assert [r.id for r in world.run(list_events, kind="free_clinic")] == [clinic]
    with pytest.raises(NotFoundError):
        world.run(get_event, 999)


# --------------------------------------------------------------------------- registrations


def test_register_confirm_checkin_marks_the_member_responded(world: World) -> None:
    event_id = world.event()
    zhang = world.ids["张三"]
    world.run(register, event_id, zhang, notes="素食")
    world.run(confirm, event_id, zhang)
    campaign_id = world.run(event_row, event_id).campaign_id
    assert member_status(world.app, campaign_id, zhang) == "targeted"
    registration = world.run(check_in, event_id, zhang, now=EVENT_DAY)
    assert registration.status == "attended" and registration.checked_in_at == EVENT_DAY
    assert registration.confirmed_at == NOW and registration.notes == "素食"
    assert member_status(world.app, campaign_id, zhang) == "responded"
    assert kinds_logged(world.app, zhang) == [
        "marketing.event_registered", "marketing.event_confirmed", "marketing.event_attended",
        "marketing.campaign_responded"]
    with world.app.transaction() as uow:
        channel = uow.session.exec(select(Interaction.channel).where(
            Interaction.kind == "marketing.event_attended")).scalar_one()
    assert channel == "event"


def test_full_event_waitlists_and_a_cancellation_promotes(world: World) -> None:
    event_id = world.event(capacity=2)
    zhang, lisi, wangwu = world.ids["张三"], world.ids["李四"], world.ids["王五"]
    for customer in (zhang, lisi, wangwu):
        world.run(register, event_id, customer)
    assert statuses(world, event_id) == {zhang: "registered", lisi: "registered",
                                         wangwu: "waitlisted"}
    world.run(cancel, event_id, lisi)
    assert statuses(world, event_id) == {zhang: "registered", lisi: "cancelled",
                                         wangwu: "registered"}
    assert kinds_logged(world.app, wangwu) == ["marketing.event_registered",
                                               "marketing.event_promoted"]
    # A cancelled customer may register again: now he waits.
    assert world.run(register, event_id, lisi).status == "waitlisted"


@pytest.mark.parametrize(("step", "now", "message"), [
    ("twice", NOW, "already registered"),
    ("late", dt.datetime(2026, 5, 19, 11, 0, tzinfo=dt.UTC), "registration closed"),
    ("ended", EVENT_DAY + dt.timedelta(hours=4), "has ended"),
    ("invisible", NOW, "no customer"),
])
def test_registration_refusals(world: World, step: str, now: dt.datetime, message: str) -> None:
    event_id = world.event(registration_deadline="2026-05-19 18:00")
    zhang = world.ids["张三"]
    world.run(register, event_id, zhang)
    customer = world.ids["王五"] if step == "invisible" else zhang
    as_user = "wang" if step == "invisible" else "root"
    if step in ("late", "ended"):
        customer = world.ids["赵六"]
    before = kinds_logged(world.app, customer)
    with pytest.raises(ValidationError, match=message):
        world.run(register, event_id, customer, now=now, as_user=as_user)
    assert kinds_logged(world.app, customer) == before


def test_confirm_and_cancel_refuse_the_wrong_status(world: World) -> None:
    event_id = world.event(capacity=1)
    zhang, lisi = world.ids["张三"], world.ids["李四"]
    world.run(register, event_id, zhang)
    world.run(register, event_id, lisi)
    with pytest.raises(ValidationError, match="only registered ones confirm"):
        world.run(confirm, event_id, lisi)  # waitlisted
    world.run(check_in, event_id, zhang, now=EVENT_DAY)
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        world.run(cancel, event_id, zhang)
    with pytest.raises(ValidationError, match="already checked in"):
        world.run(check_in, event_id, zhang, now=EVENT_DAY)
    with pytest.raises(NotFoundError):
        world.run(confirm, event_id, world.ids["赵六"])


def test_walk_in_and_check_in_opening(world: World) -> None:
    event_id = world.event()
    zhao6 = world.ids["赵六"]
    with pytest.raises(ValidationError, match="check-in opens at 2026-05-20 07:00"):
        world.run(check_in, event_id, zhao6, now=EVENT_DAY - dt.timedelta(hours=3))
    registration = world.run(check_in, event_id, zhao6, now=EVENT_DAY - dt.timedelta(hours=1))
    assert (registration.status, registration.walk_in) == ("attended", True)


def test_close_marks_no_shows_and_the_job_closes_ended_events(world: World) -> None:
    event_id = world.event()
    zhang, lisi, zhao6 = world.ids["张三"], world.ids["李四"], world.ids["赵六"]
    for customer in (zhang, lisi, zhao6):
        world.run(register, event_id, customer)
    world.run(cancel, event_id, zhao6)
    world.run(check_in, event_id, zhang, now=EVENT_DAY)
    with pytest.raises(ValidationError, match="not ended"):
        world.run(close_event, event_id, now=EVENT_DAY)
    later = EVENT_DAY + dt.timedelta(hours=6)  # ended 3 hours ago: too early for the job
    assert world.run(mark_no_shows, later, as_user=None, now=later) == "closed 0 events, 0 no-shows"
    much_later = EVENT_DAY + dt.timedelta(hours=16)
    assert world.run(mark_no_shows, much_later, as_user=None,
                     now=much_later) == "closed 1 events, 1 no-shows"
    assert statuses(world, event_id) == {zhang: "attended", lisi: "no_show", zhao6: "cancelled"}
    assert kinds_logged(world.app, lisi)[-1] == "marketing.event_no_show"
    with pytest.raises(ValidationError, match="already closed"):
        world.run(close_event, event_id, now=much_later)
    with pytest.raises(ValidationError, match="has ended"):
        world.run(register, event_id, world.ids["钱七"], now=much_later)
    # Attendance entered late from the paper list turns a no-show into attended.
    assert world.run(check_in, event_id, lisi, now=much_later).status == "attended"


def test_the_job_is_registered_and_runs(world: World) -> None:
    event_id = world.event()
    world.run(register, event_id, world.ids["张三"])
    assert "marketing.event_no_shows" in world.app.registry.jobs
    run_due(world.app, now=EVENT_DAY + dt.timedelta(days=1), only="marketing.event_no_shows")
    assert statuses(world, event_id) == {world.ids["张三"]: "no_show"}


def test_agents_see_registrations_of_their_customers_only_and_work_any_event(world: World) -> None:
    event_id = world.event()
    for name in ("张三", "王五", "赵六"):
        world.run(register, event_id, world.ids[name])
    # wang works at root's event: campaigns are shared work, so his check-in moves the
    # campaign member forward like anybody's.
    li_si = world.ids["李四"]
    world.run(register, event_id, li_si, as_user="wang")
    world.run(check_in, event_id, li_si, as_user="wang", now=EVENT_DAY)
    campaign_id = world.run(event_row, event_id).campaign_id
    assert member_status(world.app, campaign_id, li_si) == "responded"
    seen = {r.customer_id for r in world.run(list_registrations, event_id, as_user="wang")}
    assert seen == {world.ids[n] for n in ("张三", "李四", "赵六")}
    assert world.run(event_report, event_id, as_user="zhao").registrations == 2  # 王五, 赵六
    assert world.run(event_report, event_id).registrations == 4


# --------------------------------------------------------------------------- leads and report


CONTACTS = [
    {"name": "周立新", "company": "远航物流", "phone": "13912345601", "interest": "体检"},
    {"name": "孙悦", "email": "sun.yue@tiancheng.example"},
]


def test_capture_contacts_creates_event_leads(world: World) -> None:
    event_id = world.event()
    campaign_id = world.run(event_row, event_id).campaign_id
    lead_ids = world.run(capture_contacts, event_id, CONTACTS)
    assert len(lead_ids) == 2
    with world.app.transaction() as uow:
        leads = uow.session.exec(select(Lead).order_by(Lead.id)).scalars().all()
        links = uow.session.exec(select(EventLead.lead_id)).scalars().all()
    assert [(lead.name, lead.source, lead.campaign_id) for lead in leads] == [
        ("周立新", "event", campaign_id), ("孙悦", "event", campaign_id)]
    assert sorted(links) == sorted(lead_ids)


@pytest.mark.parametrize(("rows", "message"), [
    ([CONTACTS[0], {"company": "无名"}], "row 2, field 'name': is required"),
    ([CONTACTS[0], {"name": "x", "fax": "1"}], "row 2, field 'fax': unknown column"),
    ([], "no contacts"),
])
def test_bad_contacts_store_nothing(world: World, rows: list, message: str) -> None:
    event_id = world.event()
    with pytest.raises(ValidationError) as caught:
        world.run(capture_contacts, event_id, rows)
    assert message in str(caught.value)
    with world.app.transaction() as uow:
        assert uow.session.exec(select(func.count()).select_from(Lead)).scalar_one() == 0


def test_csv_reader_names_rows(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("name,company,phone\n周立新,远航物流,13912345601\n\n", encoding="utf-8")
    assert read_contacts_csv(good) == [{"name": "周立新", "company": "远航物流",
                                        "phone": "13912345601"}]
    for text, message in (("name,fax\nx,1\n", "row 1, field 'fax': unknown column"),
                          ("company\nx\n", "row 1, field 'name'"),
                          ("name,phone\nx\n", "row 2: has 1 cells, the header 2"),
                          ("", "the file is empty")):
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValidationError, match=message):
            read_contacts_csv(bad)


def test_event_report_figures(world: World) -> None:
    event_id = world.event(capacity=3)
    campaign_id = world.run(event_row, event_id).campaign_id
    from guanxi_marketing.campaigns.service import add_cost

    world.run(add_cost, campaign_id, "1200")
    ids = world.ids
    for name in ("张三", "李四", "王五", "赵六"):
        world.run(register, event_id, ids[name])  # 赵六 is waitlisted
    world.run(cancel, event_id, ids["王五"])  # 赵六 gets the place
    world.run(check_in, event_id, ids["张三"], now=EVENT_DAY)
    world.run(check_in, event_id, ids["钱七"], now=EVENT_DAY)  # walk-in
    world.run(close_event, event_id, now=EVENT_DAY + dt.timedelta(hours=4))  # 李四, 赵六
    world.run(capture_contacts, event_id, CONTACTS)
    report = world.run(event_report, event_id)
    assert report.registrations == 4 and report.walk_ins == 1
    assert report.by_status == {"attended": 2, "no_show": 2, "cancelled": 1}
    assert (report.attended, report.no_shows, report.cancelled) == (2, 2, 1)
    assert str(report.attendance_rate) == "33.3"  # 1 of the 3 who held a place came
    assert report.leads_captured == 2
    assert (str(report.cost), str(report.cost_per_attendee), str(report.cost_per_lead)) == (
        "1200.00", "600.00", "600.00")
    empty = world.run(event_report, world.event())
    assert (empty.attendance_rate, empty.cost_per_attendee, empty.cost_per_lead) == (
        None, None, None)


# --------------------------------------------------------------------------- privacy


def test_export_and_erase_registration_notes(world: World) -> None:
    event_id = world.event()
    zhang = world.ids["张三"]
    world.run(register, event_id, zhang, notes="糖尿病，需低糖餐")
    exported = world.run(export_personal_data, zhang)
    registrations = exported["plugins"]["marketing"]["event_registrations"]
    assert [(r["event_id"], r["status"], r["notes"]) for r in registrations] == [
        (event_id, "registered", "糖尿病，需低糖餐")]
    world.run(erase_customer, zhang, reason="request")
    with world.app.transaction() as uow:
        row = uow.session.exec(select(EventRegistration)).scalars().one()
    assert (row.status, row.notes) == ("registered", None)
    assert world.run(event_report, event_id).registrations == 1


# --------------------------------------------------------------------------- command line


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    guanxi = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    guanxi("init", "--db", database_url)
    guanxi("staff", "add", "root", "Root")
    guanxi("access", "grant", "root", "admin")
    guanxi("customer", "add", "张三", "--phone", "13800138000")
    guanxi("customer", "add", "李四", "--phone", "13800138001")
    return guanxi


def test_cli_event_lifecycle(gx: GuanxiCli, tmp_path: Path) -> None:
    created = gx.json("--as", "root", "marketing", "events", "create", "社区义诊", "--kind",
                      "free_clinic", "--starts", "2030-05-20 09:00", "--ends", "2030-05-20 12:00",
                      "--capacity", "1", "--venue", "社区中心")
    event = str(created["id"])
    assert created["name"] == "社区义诊" and created["capacity"] == 1
    out = gx("marketing", "events", "register", event, "1", "--notes", "高血压").stdout
    assert "customer 1 registered (event 1: registered)" in out
    assert "waitlisted" in gx("marketing", "events", "register", event, "2").stdout
    gx("marketing", "events", "confirm", event, "1")
    gx("marketing", "events", "cancel", event, "1")
    shown = gx.json("marketing", "events", "show", event)
    assert [(r["customer_id"], r["status"]) for r in shown["registrations"]] == [
        (1, "cancelled"), (2, "registered")]
    listed = gx.json("marketing", "events", "list", "--kind", "free_clinic")
    assert [e["id"] for e in listed] == [1]
    error = gx.fails("marketing", "events", "checkin", event, "2")
    assert error.startswith("error: field 'event': check-in opens at 2030-05-20 07:00")
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("name,phone\n周立新,13912345601\n,13912345602\n", encoding="utf-8")
    assert gx.fails("marketing", "events", "capture", event, str(csv_file)) == (
        "error: row 3, field 'name': is required")
    csv_file.write_text("name,phone\n周立新,13912345601\n", encoding="utf-8")
    captured = gx.json("marketing", "events", "capture", event, str(csv_file))
    assert len(captured["lead_ids"]) == 1
    report = gx.json("marketing", "events", "report", event)
    assert (report["registrations"], report["leads_captured"]) == (2, 1)
    assert "cost_per_attendee: -" in gx("marketing", "events", "report", event).stdout
    ran = gx.json("report", "run", "marketing.event", "--option", f"event={event}")
    assert ran["report"] == "marketing.event" and ran["leads_captured"] == 1
    assert gx.fails("marketing", "events", "create", "x", "--kind", "seminar", "--starts",
                    "2030-01-01", "--ends", "2030-01-02", "--capacity", "0") == (
        "error: field 'capacity': must be at least 1 (leave it out for no limit)")
    assert len(gx.json("marketing", "events", "list")) == 1
