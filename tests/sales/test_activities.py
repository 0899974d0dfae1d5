"""Activities and calendars (活动, 日历): scheduling, scope, calendars, iCalendar export.

Small worlds with hand-computed answers. The display time zone is Asia/Shanghai
(UTC+8, no daylight saving), so 10:00 local is 02:00 UTC.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import icalendar
import pytest
from sqlmodel import func, select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import AuditEntry, Interaction
from guanxi.privacy import export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.interactions import timeline
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi.testing import GuanxiCli
from guanxi_sales.activities import (
    cancel_activity,
    complete_activity,
    get_activity,
    list_activities,
    reschedule_activity,
    schedule_activity,
    workload_report,
)
from guanxi_sales.calendars import calendar, calendar_ics
from guanxi_sales.models import Activity, ActivityParticipant
from tests.conftest import demo_content_on_sqlite_only

NOW = dt.datetime(2026, 5, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 on 10 May in Shanghai
UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class World:
    """Teams 销售部 > 华东 (wang lead, li, chen) and 华北 (zhao); boss manages 销售部.

    恒通 (owned by wang) has the contact 张三; 宏达 (owned by zhao) has 李四; 瑞丰 is
    owned by nobody.
    """

    def __init__(self, app: App):
        self.app = app
        with app.transaction(now=NOW) as uow:
            for name, parent in (("销售部", None), ("华东", "销售部"), ("华北", "销售部")):
                add_team(uow, name=name, parent=parent)
            for user, team, lead, role in (
                ("wang", "华东", True, "agent"),
                ("li", "华东", False, "agent"),
                ("chen", "华东", False, "agent"),
                ("zhao", "华北", False, "agent"),
                ("boss", "销售部", True, "manager"),
                ("root", None, False, "admin"),
            ):
                add_staff(uow, username=user, display_name=user.title(), email=f"{user}@gx.cn")
                if team:
                    add_member(uow, team=team, staff=user, lead=lead)
                grant_role(uow, staff=user, role=role)
            self.hengtong = add_customer(uow, kind="organization", name="恒通", owner="wang").id
            self.zhang = add_customer(
                uow,
                name="张三",
                organization_id=self.hengtong,
                emails=["zhang@hengtong.cn"],
                owner="wang",
            ).id
            self.hongda = add_customer(uow, kind="organization", name="宏达", owner="zhao").id
            self.lisi = add_customer(uow, name="李四", organization_id=self.hongda, owner="zhao").id
            self.ruifeng = add_customer(uow, kind="organization", name="瑞丰").id

    def plan(self, as_user: str | None = "wang", **fields: Any) -> int:
        fields.setdefault("customer_id", self.hengtong)
        fields.setdefault("type", "meeting")
        fields.setdefault("subject", "需求沟通")
        fields.setdefault("starts_at", "2026-05-11 10:00")
        with self.app.transaction(as_user=as_user, now=NOW) as uow:
            return schedule_activity(uow, **fields).id  # type: ignore[return-value]

    def seen_by(self, user: str | None) -> list[int]:
        with self.app.transaction(as_user=user, now=NOW) as uow:
            return [a.id for a in list_activities(uow)]  # type: ignore[misc]


@pytest.fixture
def world(sales_app: App) -> World:
    return World(sales_app)


def counts(app: App) -> tuple[int, int]:
    with app.transaction() as uow:
        activities = uow.session.exec(select(func.count()).select_from(Activity)).one()
        people = uow.session.exec(select(func.count()).select_from(ActivityParticipant)).one()
    return activities, people


# --------------------------------------------------------------------------- scheduling


def test_an_activity_is_stored_in_utc_with_its_people(world: World) -> None:
    aid = world.plan(
        participants=["li", "wang", "li"],
        contacts=[world.zhang],
        location=" 会议室 A ",
        priority="high",
        scope="public",
    )
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        activity = get_activity(uow, aid)
        assert (activity.starts_at, activity.ends_at) == (utc(2026, 5, 11, 2), utc(2026, 5, 11, 3))
        assert (activity.type, activity.priority, activity.scope, activity.status) == (
            "meeting",
            "high",
            "public",
            "planned",
        )
        assert activity.location == "会议室 A"
        assert activity.organiser_id is not None
        query = select(ActivityParticipant).order_by(ActivityParticipant.id)  # type: ignore[arg-type]
        people = uow.session.exec(query).all()
        # The organiser is not repeated as a participant, li only once.
        assert [(p.staff_id is not None, p.contact_id) for p in people] == [
            (True, None),
            (False, world.zhang),
        ]
    # Default lengths by type, an aware time kept as given.
    call = world.plan(type="call", starts_at=dt.datetime(2026, 5, 11, 8, 0, tzinfo=UTC))
    with world.app.transaction(now=NOW) as uow:
        activity = get_activity(uow, call)
        assert activity.starts_at == utc(2026, 5, 11, 8)
        assert activity.ends_at == utc(2026, 5, 11, 8, 30)


def test_the_system_must_name_an_organiser(world: World) -> None:
    with pytest.raises(ValidationError, match="field 'organiser'"):
        world.plan(as_user=None)
    assert world.plan(as_user=None, organiser="zhao", customer_id=world.hongda) > 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": "2026-05-11 09:00"}, "ends_at"),
        ({"ends_at": "2026-05-11 10:00"}, "ends_at"),
        ({"type": "dinner"}, "type"),
        ({"priority": "asap"}, "priority"),
        ({"scope": "secret"}, "scope"),
        ({"participants": ["li", "nobody"]}, "participants"),
        ({"contacts": ["LISI"]}, "contacts"),  # a person of another account
        ({"contacts": ["HONGDA"]}, "contacts"),  # an organisation, not a person
        ({"contacts": [999_999]}, "contacts"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"subject": "  "}, "subject"),
        ({"organiser": "nobody"}, "organiser"),
        ({"opportunity_id": 999_999}, "opportunity_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    world: World, fields: dict[str, Any], field: str
) -> None:
    refs = {"LISI": world.lisi, "HONGDA": world.hongda}
    if "contacts" in fields:
        fields["contacts"] = [refs.get(c, c) for c in fields["contacts"]]
    with pytest.raises(ValidationError) as caught:
        world.plan(**{"participants": ["li"], "contacts": [world.zhang], **fields})
    message = str(caught.value)
    assert message.startswith(f"field {field!r}: ") and "\n" not in message
    assert counts(world.app) == (0, 0)


def test_an_inactive_participant_is_refused(world: World) -> None:
    with world.app.transaction() as uow:
        from guanxi.services.staff import get_staff

        get_staff(uow, "chen").is_active = False
    with pytest.raises(ValidationError, match="'participants': staff user 'chen' is not active"):
        world.plan(participants=["chen"])


def test_a_customer_the_user_may_not_see_is_not_found(world: World) -> None:
    with pytest.raises(NotFoundError):
        world.plan(as_user="li", customer_id=world.hongda)
    assert counts(world.app) == (0, 0)


def test_completing_logs_the_activity_on_the_timeline(world: World) -> None:
    aid = world.plan(type="visit", starts_at="2026-05-09 15:00", location="客户现场")
    later = world.plan(type="call", starts_at="2026-05-20 10:00")
    with world.app.transaction(as_user="li", now=NOW) as uow:  # a teammate may complete it
        complete_activity(uow, aid, outcome=" 签约意向 ")
        complete_activity(uow, later)  # done early: logged now, not in the future
    with world.app.transaction(now=NOW) as uow:
        logged = [i for i in timeline(uow, world.hengtong) if i.kind == "sales.activity"]
        wang = uow.session.exec(select(Activity.organiser_id).where(Activity.id == aid)).one()
    assert [(i.occurred_at, i.channel, i.direction, i.subject, i.payload) for i in logged] == [
        (
            NOW,
            "phone",
            "outbound",
            "需求沟通",
            {"activity_id": later, "type": "call", "opportunity_id": None, "outcome": None},
        ),
        (
            utc(2026, 5, 9, 7),
            "visit",
            "outbound",
            "需求沟通",
            {"activity_id": aid, "type": "visit", "opportunity_id": None, "outcome": "签约意向"},
        ),
    ]
    assert {i.actor_id for i in logged} == {wang}
    with (
        pytest.raises(ValidationError, match="field 'status': activity .* is done, not planned"),
        world.app.transaction(now=NOW) as uow,
    ):
        complete_activity(uow, aid)


def test_cancelling_and_rescheduling(world: World) -> None:
    aid = world.plan(ends_at="2026-05-11 11:30")
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        moved = reschedule_activity(uow, aid, starts_at="2026-05-12 14:00", location="线上")
        assert (moved.starts_at, moved.ends_at) == (utc(2026, 5, 12, 6), utc(2026, 5, 12, 7, 30))
        with pytest.raises(ValidationError, match="field 'ends_at'"):
            reschedule_activity(uow, aid, starts_at="2026-05-12 14:00", ends_at="2026-05-12 13:00")
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        cancel_activity(uow, aid, reason="客户出差")
    with world.app.transaction(now=NOW) as uow:
        activity = get_activity(uow, aid)
        assert (activity.status, activity.notes) == ("cancelled", "cancelled: 客户出差")
        assert uow.session.exec(select(func.count()).select_from(Interaction)).one() == 0
        with pytest.raises(ValidationError, match="is cancelled, not planned"):
            reschedule_activity(uow, aid, starts_at="2026-05-13 10:00")


# --------------------------------------------------------------------------- who sees what


def test_scope_and_record_policies_decide_who_sees_an_activity(world: World) -> None:
    private = world.plan(scope="private", participants=["li"])
    team = world.plan(scope="team")
    public = world.plan(scope="public")
    unowned_team = world.plan(scope="team", customer_id=world.ruifeng)
    unowned_public = world.plan(scope="public", customer_id=world.ruifeng)
    zhao_team = world.plan(as_user="zhao", scope="team", customer_id=world.hongda)
    everything = [private, team, public, unowned_team, unowned_public, zhao_team]
    assert world.seen_by(None) == everything  # the system sees all
    assert world.seen_by("wang") == everything[:5]
    assert world.seen_by("li") == everything[:5]  # a participant of the private one
    assert world.seen_by("chen") == everything[1:5]  # a teammate: not the private one
    # zhao sees the unowned pool, but the team activity there only to wang's team.
    assert world.seen_by("zhao") == [unowned_public, zhao_team]
    assert world.seen_by("boss") == everything[1:]  # manages both teams
    assert world.seen_by("root") == everything[1:]  # sees every record, but not private ones
    with pytest.raises(NotFoundError), world.app.transaction(as_user="chen", now=NOW) as uow:
        get_activity(uow, private)
    with pytest.raises(NotFoundError), world.app.transaction(as_user="chen", now=NOW) as uow:
        complete_activity(uow, private)


def test_a_viewer_may_not_schedule(world: World) -> None:
    with world.app.transaction() as uow:
        add_staff(uow, username="guest", display_name="Guest")
        grant_role(uow, staff="guest", role="viewer")
    with pytest.raises(AccessDenied, match="guest may not create sales.activity"):
        world.plan(as_user="guest")
    assert counts(world.app) == (0, 0)


# --------------------------------------------------------------------------- calendars


def test_a_persons_calendar_in_local_time(world: World) -> None:
    own = world.plan(starts_at="2026-05-11 09:00", participants=["chen"])
    invited = world.plan(
        as_user="chen",
        starts_at="2026-05-12 23:30",
        ends_at="2026-05-13 00:30",
        participants=["wang"],
        contacts=[world.zhang],
        scope="private",
    )
    world.plan(starts_at="2026-05-14 00:00")  # the day after the span
    world.plan(as_user="chen", starts_at="2026-05-11 11:00")  # chen's, without wang
    cancelled = world.plan(starts_at="2026-05-12 08:00")
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        cancel_activity(uow, cancelled)
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        entries = calendar(uow, user="wang", start="2026-05-11", end="2026-05-13")
        with_cancelled = calendar(
            uow, user="wang", start="2026-05-12", end="2026-05-12", include_cancelled=True
        )
        last_day = calendar(uow, user="wang", start="2026-05-13", end="2026-05-13")
    assert [(e.activity_id, e.starts.isoformat(), e.ends.isoformat()) for e in entries] == [
        (own, "2026-05-11T09:00:00+08:00", "2026-05-11T10:00:00+08:00"),
        (invited, "2026-05-12T23:30:00+08:00", "2026-05-13T00:30:00+08:00"),
    ]
    assert [e.activity_id for e in with_cancelled] == [cancelled, invited]
    assert [e.activity_id for e in last_day] == [invited]  # it overlaps midnight
    second = entries[1]
    assert second.organiser.username == "chen" and second.customer_name == "恒通"
    assert [(p.kind, p.name, p.email) for p in second.participants] == [
        ("staff", "Wang", "wang@gx.cn"),
        ("contact", "张三", "zhang@hengtong.cn"),
    ]


def test_a_calendar_in_another_time_zone_across_daylight_saving(world: World) -> None:
    # Berlin moves to summer time on 29 March 2026: 09:00 is 08:00 UTC before, 07:00 after.
    before = world.plan(starts_at=dt.datetime(2026, 3, 28, 8, 0, tzinfo=UTC))
    after = world.plan(starts_at=dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        entries = calendar(
            uow, user="wang", start="2026-03-28", end="2026-03-30", tz="Europe/Berlin"
        )
        assert (
            calendar(uow, user="wang", start="2026-03-29", end="2026-03-29", tz="Europe/Berlin")
            == []
        )
        with pytest.raises(ValidationError, match="field 'tz'"):
            calendar(uow, user="wang", start="2026-03-28", end="2026-03-30", tz="Mars/Base")
        with pytest.raises(ValidationError, match="field 'end'"):
            calendar(uow, user="wang", start="2026-03-28", end="2026-03-27")
        with pytest.raises(ValidationError, match="field 'user'"):
            calendar(uow, start="2026-03-28", end="2026-03-30")
    assert [(e.activity_id, e.starts.strftime("%H:%M %Z")) for e in entries] == [
        (before, "09:00 CET"),
        (after, "09:00 CEST"),
    ]


def test_a_team_calendar_shows_the_members_work(world: World) -> None:
    wangs = world.plan(starts_at="2026-05-11 09:00")
    chens = world.plan(as_user="chen", starts_at="2026-05-11 14:00")
    chens_private = world.plan(as_user="chen", starts_at="2026-05-11 16:00", scope="private")
    world.plan(as_user="zhao", customer_id=world.hongda)  # 华北, not 华东
    with world.app.transaction(as_user="boss", now=NOW) as uow:
        assert [
            e.activity_id for e in calendar(uow, team="华东", start="2026-05-11", end="2026-05-11")
        ] == [wangs, chens]
    with world.app.transaction(as_user="chen", now=NOW) as uow:
        assert [
            e.activity_id for e in calendar(uow, team="华东", start="2026-05-11", end="2026-05-11")
        ] == [wangs, chens, chens_private]


def test_the_ics_export_opens_as_a_calendar(world: World) -> None:
    meeting = world.plan(
        starts_at="2026-05-11 10:00",
        ends_at="2026-05-11 11:30",
        participants=["li"],
        contacts=[world.zhang],
        location="恒通 3楼",
        priority="urgent",
        scope="private",
    )
    call = world.plan(
        type="call", subject="回访", starts_at="2026-05-12 09:00", scope="public", priority="low"
    )
    gone = world.plan(type="visit", starts_at="2026-05-13 09:00")
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        cancel_activity(uow, gone)
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        data = calendar_ics(
            uow, user="wang", start="2026-05-11", end="2026-05-13", include_cancelled=True
        )
    parsed = icalendar.Calendar.from_ical(data)
    assert str(parsed["PRODID"]).startswith("-//guanxi//") and str(parsed["VERSION"]) == "2.0"
    events = parsed.walk("VEVENT")
    assert len(events) == 3
    first, second, third = events
    assert first.decoded("DTSTART") == utc(2026, 5, 11, 2) and first.decoded("DTEND") == utc(
        2026, 5, 11, 3, 30
    )
    assert b"DTSTART:20260511T020000Z" in data
    assert str(first["SUMMARY"]) == "需求沟通" and str(first["LOCATION"]) == "恒通 3楼"
    assert str(first["ORGANIZER"]) == "mailto:wang@gx.cn"
    assert first["ORGANIZER"].params["CN"] == "Wang"
    attendees = [(str(a), a.params["CN"]) for a in first["ATTENDEE"]]
    assert attendees == [("mailto:li@gx.cn", "Li"), ("mailto:zhang@hengtong.cn", "张三")]
    assert (int(first["PRIORITY"]), str(first["CLASS"]), str(first["STATUS"])) == (
        1,
        "PRIVATE",
        "CONFIRMED",
    )
    assert (int(second["PRIORITY"]), str(second["CLASS"])) == (9, "PUBLIC")
    assert "ATTENDEE" not in second
    assert (str(third["CLASS"]), str(third["STATUS"])) == ("CONFIDENTIAL", "CANCELLED")
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 3
    # A UID is the activity's: the same on the next export, after a reschedule too.
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        reschedule_activity(uow, call, starts_at="2026-05-11 16:00")
    with world.app.transaction(as_user="wang", now=NOW) as uow:
        again = icalendar.Calendar.from_ical(
            calendar_ics(uow, user="wang", start="2026-05-11", end="2026-05-11")
        )
    assert [(str(e["UID"]), e.decoded("DTSTART")) for e in again.walk("VEVENT")] == [
        (uids[0], utc(2026, 5, 11, 2)),
        (uids[1], utc(2026, 5, 11, 8)),
    ]
    assert meeting != call


def test_exporting_someone_elses_calendar_needs_the_export_permission(world: World) -> None:
    world.plan(participants=["li"])
    with world.app.transaction(as_user="li", now=NOW) as uow:
        assert (
            calendar_ics(uow, user="li", start="2026-05-11", end="2026-05-11").count(
                b"BEGIN:VEVENT"
            )
            == 1
        )
    with (
        pytest.raises(AccessDenied, match="li may not export sales.activity"),
        world.app.transaction(as_user="li", now=NOW) as uow,
    ):
        calendar_ics(uow, user="wang", start="2026-05-11", end="2026-05-11")
    with world.app.transaction(as_user="boss", now=NOW) as uow:
        calendar_ics(uow, team="华东", start="2026-05-11", end="2026-05-11")
    with world.app.transaction() as uow:
        details = uow.session.exec(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.entity == "sales.activity", AuditEntry.action != "create")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(d) for d in details] == [
        ("li", "export", "calendar of li 2026-05-11…2026-05-11: 1 activities"),
        ("li", "denied", "li may not export sales.activity"),
        ("boss", "export", "calendar of team 华东 2026-05-11…2026-05-11: 1 activities"),
    ]


def test_the_workload_report_counts_per_organiser_type_and_status(world: World) -> None:
    world.plan(starts_at="2026-05-01 10:00")
    done = world.plan(type="call", starts_at="2026-05-02 10:00")
    world.plan(type="call", starts_at="2026-05-03 10:00")
    world.plan(as_user="chen", type="call", starts_at="2026-05-03 10:00")
    world.plan(as_user="chen", type="call", starts_at="2026-06-03 10:00")  # after the span
    with world.app.transaction(now=NOW) as uow:
        complete_activity(uow, done)
    with world.app.transaction(as_user="boss", now=NOW) as uow:
        report = workload_report(uow, **{"from": "2026-05-01", "to": "2026-05-31"})
    assert report == {
        "total": 4,
        "rows": [
            {"organiser": "chen", "type": "call", "planned": 1, "done": 0, "cancelled": 0},
            {"organiser": "wang", "type": "call", "planned": 1, "done": 1, "cancelled": 0},
            {"organiser": "wang", "type": "meeting", "planned": 1, "done": 0, "cancelled": 0},
        ],
    }


# --------------------------------------------------------------------------- privacy


def test_erasure_clears_the_texts_and_keeps_the_times(world: World) -> None:
    own = world.plan(
        customer_id=world.zhang, subject="张三 生日宴", location="张三家", notes="张三 喜欢茶"
    )
    joined = world.plan(contacts=[world.zhang], subject="与张三午餐", notes="张三 说")
    other = world.plan(subject="年度回顾")
    with world.app.transaction() as uow:
        exported = export_personal_data(uow, world.zhang)["plugins"]["sales"]
    assert [a["id"] for a in exported["activities"]] == [own, joined]
    from guanxi.privacy import erase_customer

    with world.app.transaction() as uow:
        erase_customer(uow, world.zhang, reason="request")
    with world.app.transaction() as uow:
        rows = {a.id: a for a in uow.session.exec(select(Activity))}
    assert [(rows[i].subject, rows[i].location, rows[i].notes) for i in (own, joined)] == [
        ("[erased]", None, None),
        ("[erased]", None, None),
    ]
    assert rows[own].starts_at == utc(2026, 5, 11, 2) and rows[own].type == "meeting"
    assert rows[other].subject == "年度回顾"


# --------------------------------------------------------------------------- command line


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    guanxi = GuanxiCli(tmp_path / "crm", database_url, plugins=["sales"])
    guanxi("init", "--db", database_url)
    guanxi("team", "add", "华东")
    for user, name in (("wang", "王芳"), ("li", "李强")):
        guanxi("staff", "add", user, name, "--email", f"{user}@gx.cn", "--team", "华东")
        guanxi("access", "grant", user, "agent")
    guanxi("customer", "add", "恒通", "--org-kind", "--owner", "wang")
    guanxi("customer", "add", "张三", "--org", "1", "--email", "zhang@hengtong.cn")
    return guanxi


def test_cli_add_list_done_cancel(gx: GuanxiCli) -> None:
    added = gx.json(
        "--as",
        "wang",
        "sales",
        "activity",
        "add",
        "1",
        "方案演示",
        "--type",
        "meeting",
        "--at",
        "2026-05-11T10:00",
        "--until",
        "2026-05-11T11:00",
        "--with",
        "li",
        "--contact",
        "zhang@hengtong.cn",
        "--location",
        "会议室",
        "--priority",
        "high",
    )
    assert (added["starts_at"], added["scope"], added["priority"]) == (
        "2026-05-11T02:00:00+00:00",
        "team",
        "high",
    )
    gx(
        "--as",
        "wang",
        "sales",
        "activity",
        "add",
        "1",
        "电话",
        "--type",
        "call",
        "--at",
        "2026-05-01T09:00",
    )
    listed = gx.json("--as", "li", "sales", "activity", "list", "--participant", "li")
    assert [(a["id"], a["start"], a["end"]) for a in listed] == [
        (added["id"], "2026-05-11 10:00", "2026-05-11 11:00")
    ]
    assert (
        "activity 2 done"
        in gx("--as", "wang", "sales", "activity", "done", "2", "--outcome", "有兴趣").stdout
    )
    assert "cancelled" in gx("--as", "wang", "sales", "activity", "cancel", str(added["id"])).stdout
    statuses = [a["status"] for a in gx.json("sales", "activity", "list", "--customer", "1")]
    assert statuses == ["done", "cancelled"]
    timeline_rows = gx.json("timeline", "1")
    assert [t["kind"] for t in timeline_rows] == ["sales.activity"]
    assert gx.fails("--as", "wang", "sales", "activity", "done", "2") == (
        "error: field 'status': activity 2 is done, not planned"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "dinner"], "error: field 'type': unknown type 'dinner'"),
        (["--type", "call", "--until", "2026-05-11T09:00"], "error: field 'ends_at': "),
        (["--type", "call", "--scope", "secret"], "error: field 'scope': unknown scope 'secret'"),
        (["--type", "call", "--priority", "p1"], "error: field 'priority': unknown priority 'p1'"),
        (
            ["--type", "call", "--with", "ghost"],
            "error: field 'participants': no staff user 'ghost'",
        ),
        (
            ["--type", "call", "--contact", "1"],
            "error: field 'contacts': customer 1 is not a person",
        ),
    ],
)
def test_cli_refuses_bad_activities_in_one_line(
    gx: GuanxiCli, args: list[str], message: str
) -> None:
    line = gx.fails(
        "--as", "wang", "sales", "activity", "add", "1", "x", "--at", "2026-05-11T10:00", *args
    )
    assert line.startswith(message), line
    assert gx.json("sales", "activity", "list") == []


def test_cli_calendar_and_ics_file(gx: GuanxiCli, tmp_path: Path) -> None:
    gx(
        "--as",
        "wang",
        "sales",
        "activity",
        "add",
        "1",
        "拜访",
        "--type",
        "visit",
        "--at",
        "2026-05-11T14:00",
        "--with",
        "li",
        "--contact",
        "2",
    )
    gx(
        "--as",
        "li",
        "sales",
        "activity",
        "add",
        "1",
        "私事",
        "--type",
        "task",
        "--at",
        "2026-05-11T08:00",
        "--scope",
        "private",
    )
    mine = gx.json(
        "--as", "wang", "sales", "calendar", "--from", "2026-05-11", "--to", "2026-05-11"
    )
    assert [(e["subject"], e["starts"], e["organiser"]["username"]) for e in mine] == [
        ("拜访", "2026-05-11T14:00:00+08:00", "wang")
    ]
    assert [p["name"] for p in mine[0]["participants"]] == ["李强", "张三"]
    table = gx(
        "--as", "li", "sales", "calendar", "li", "--from", "2026-05-11", "--to", "2026-05-11"
    ).stdout
    assert "私事" in table and "拜访" in table and "li, 张三" in table
    path = tmp_path / "li.ics"
    out = gx(
        "--as",
        "li",
        "sales",
        "calendar",
        "--from",
        "2026-05-11",
        "--to",
        "2026-05-11",
        "--ics",
        str(path),
    ).stdout
    assert out.strip() == f"wrote 2 activities to {path}"
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert [(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in events] == [
        ("私事", utc(2026, 5, 11, 0)),
        ("拜访", utc(2026, 5, 11, 6)),
    ]
    assert gx.fails(
        "--as",
        "li",
        "sales",
        "calendar",
        "wang",
        "--from",
        "2026-05-11",
        "--to",
        "2026-05-11",
        "--ics",
        str(tmp_path / "w.ics"),
    ) == ("error: li may not export sales.activity")
    assert not (tmp_path / "w.ics").exists()
    report = gx.json("report", "run", "sales.activities")
    assert report["total"] == 2


def test_demo_data_is_consistent(sales_app: App) -> None:
    demo_content_on_sqlite_only(sales_app)
    from guanxi.demo import generate_demo
    from guanxi.models import Customer
    from guanxi_sales.models import Expense

    generate_demo(sales_app)
    with sales_app.transaction() as uow:
        activities = list(uow.session.exec(select(Activity)))
        statuses = {a.status for a in activities}
        logged = uow.session.exec(
            select(func.count())
            .select_from(Interaction)
            .where(Interaction.kind == "sales.activity")
        ).one()
        contacts = uow.session.exec(
            select(ActivityParticipant.customer_id, Customer.kind, Customer.organization_id).join(
                Customer, Customer.id == ActivityParticipant.contact_id
            )  # type: ignore[arg-type]
        ).all()
        expenses = list(uow.session.exec(select(Expense)))
    assert len(activities) > 10 and statuses == {"planned", "done", "cancelled"}
    assert all(a.ends_at > a.starts_at for a in activities)
    assert logged == sum(a.status == "done" for a in activities)
    assert contacts and all(kind == "person" and org == account for account, kind, org in contacts)
    assert expenses and all(e.amount > 0 for e in expenses)
    assert {e.status for e in expenses} == {"submitted", "approved", "rejected"}


def test_the_account_view_keeps_private_activities_private(world: World) -> None:
    from guanxi_sales.accounts import account_view

    private = world.plan(scope="private", participants=["li"])
    team = world.plan(scope="team")
    for user, expected in (("chen", {team}), ("li", {private, team})):
        with world.app.transaction(as_user=user, now=NOW) as uow:
            view = account_view(uow, world.hengtong)
        assert {a["id"] for a in view.activities} == expected, user
