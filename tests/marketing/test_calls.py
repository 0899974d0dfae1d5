"""Telemarketing call lists (电话营销): building and sharing out, consent, the do-not-call
window, outcomes with retries, callbacks and opt-outs, the progress report, privacy and
the command line. The world (staff, customers) is the events tests' one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Interaction, Task
from guanxi.privacy import consents, erase_customer, export_personal_data, set_consent
from guanxi.services.customers import add_customer
from guanxi.testing import GuanxiCli
from guanxi_marketing.campaigns.models import CampaignMember
from guanxi_marketing.campaigns.service import create_campaign
from guanxi_marketing.events.call_outcomes import get_entry, log_call, next_call
from guanxi_marketing.events.call_report import call_list_report
from guanxi_marketing.events.calls import call_list_detail, create_call_list, list_call_lists
from guanxi_marketing.events.models import CallAttempt, CallEntry
from guanxi_marketing.segments.service import create_segment
from tests.marketing.test_events import NOW, World

NIGHT = dt.datetime(2026, 5, 10, 14, 0, tzinfo=dt.UTC)  # 22:00 in Shanghai


@pytest.fixture
def world(marketing_app: App) -> World:
    return World(marketing_app)


def build(world: World, names: tuple[str, ...] = ("张三", "李四", "王五", "赵六", "钱七"),
          agents: tuple[str, ...] = ("wang", "zhao"), **extra: object) -> int:
    """A call list of the named customers, built by root; returns its id."""
    built = world.run(create_call_list, name="回访", agents=agents,
                      customer_ids=[world.ids[n] for n in names], **extra)
    return built.call_list.id


def entries(world: World, list_id: int) -> dict[str, tuple[str, str]]:
    """Customer name → (agent, status) of every entry."""
    detail = world.run(call_list_detail, list_id)
    return {e.customer: (e.agent, e.status) for e in detail.entries}


def entry_of(world: World, list_id: int, name: str) -> int:
    with world.app.transaction() as uow:
        return uow.session.exec(select(CallEntry.id).where(
            CallEntry.call_list_id == list_id,
            CallEntry.customer_id == world.ids[name])).scalar_one()


# --------------------------------------------------------------------------- building


def test_entries_go_to_agents_who_may_see_the_customer_fewest_first(world: World) -> None:
    list_id = build(world)
    # 张三 and 李四 are wang's, 王五 zhao's; the unowned 赵六 and 钱七 balance the load.
    assert entries(world, list_id) == {
        "张三": ("wang", "pending"), "李四": ("wang", "pending"), "王五": ("zhao", "pending"),
        "赵六": ("zhao", "pending"), "钱七": ("wang", "pending")}
    row = world.run(list_call_lists)[0]
    assert (row.agents, row.entries, row.open, row.max_attempts) == (["wang", "zhao"], 5, 5, 3)


def test_consent_phone_and_visibility_leave_customers_out(world: World) -> None:
    with world.app.transaction(now=NOW) as uow:
        no_phone = add_customer(uow, name="孙八").id
        set_consent(uow, world.ids["赵六"], purpose="marketing", channel="phone", granted=False,
                    source="hotline")
        set_consent(uow, world.ids["钱七"], purpose="marketing", granted=False, source="web")
    built = world.run(create_call_list, name="回访", agents=["li"],
                      customer_ids=[world.ids[n] for n in ("张三", "王五", "赵六", "钱七")]
                      + [no_phone])
    assert built.entries == 1  # 张三: li sees his teammate wang's customers, not zhao's
    assert built.skipped == {"no_consent": 2, "no_phone": 1, "no_agent_may_see": 1}


def test_calls_need_opt_in_setting_follows_the_privacy_default(make_marketing_app) -> None:
    world = World(make_marketing_app(settings={"marketing": {"events": {
        "calls_need_opt_in": True}}}))
    with world.app.transaction(now=NOW) as uow:
        set_consent(uow, world.ids["张三"], purpose="marketing", channel="phone", granted=True,
                    source="form")
    built = world.run(create_call_list, name="回访", agents=["wang"],
                      customer_ids=[world.ids["张三"], world.ids["李四"]])
    assert (built.entries, built.skipped) == (1, {"no_consent": 1})


def test_list_from_a_segment_with_a_campaign(world: World) -> None:
    segment = world.run(create_segment, name="老客户", customer_ids=[world.ids["张三"],
                                                                    world.ids["赵六"]])
    campaign = world.run(create_campaign, name="回访活动", type="telemarketing")
    built = world.run(create_call_list, name="回访", agents=["wang"], segment=segment.id,
                      campaign=campaign.id, script="您好")
    assert built.entries == 2 and built.call_list.segment_id == segment.id
    with world.app.transaction() as uow:
        members = uow.session.exec(select(CampaignMember.customer_id, CampaignMember.status)
                                   .order_by(CampaignMember.customer_id)).all()
    assert [tuple(m) for m in members] == [(world.ids["张三"], "targeted"),
                                          (world.ids["赵六"], "targeted")]
    # Without a segment or ids, the campaign's members are called.
    again = world.run(create_call_list, name="第二轮", agents=["wang"], campaign=campaign.id)
    assert again.entries == 2


@pytest.mark.parametrize(("extra", "field"), [
    ({"agents": []}, "agents"),
    ({"agents": ["nobody"]}, "agents"),
    ({"name": " "}, "name"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"customer_ids": []}, "customers"),
    ({"customer_ids": [999]}, "customer_ids"),
    ({"segment": "nope"}, "segment"),
    ({"campaign": "nope"}, "campaign"),
])
def test_bad_call_list_input_stores_nothing(world: World, extra: dict, field: str) -> None:
    given = {"name": "回访", "agents": ["wang"], "customer_ids": [world.ids["张三"]], **extra}
    if "segment" in extra:
        given["customer_ids"] = []
    with pytest.raises(ValidationError) as caught:
        world.run(create_call_list, **given)
    assert caught.value.field == field
    assert world.run(list_call_lists) == []


def test_an_agent_without_call_rights_or_an_email_campaign_is_refused(world: World) -> None:
    with world.app.transaction() as uow:
        from guanxi.services.staff import add_staff, grant_role

        add_staff(uow, username="guest", display_name="Guest")
        grant_role(uow, staff="guest", role="viewer")
    with pytest.raises(ValidationError, match="guest may not work call lists"):
        build(world, agents=("guest",))
    email = world.run(create_campaign, name="邮件", type="email")
    with pytest.raises(ValidationError, match="is a email campaign"):
        build(world, campaign=email.id)


# --------------------------------------------------------------------------- access


def test_agents_see_only_their_own_entries(world: World) -> None:
    list_id = build(world)
    mine = world.run(call_list_detail, list_id, as_user="wang").entries
    assert {e.customer for e in mine} == {"张三", "李四", "钱七"}
    # 赵六 is unowned, so wang may see the customer, but the entry is zhao's.
    with pytest.raises(NotFoundError):
        world.run(get_entry, entry_of(world, list_id, "赵六"), as_user="wang")
    with pytest.raises(NotFoundError):
        world.run(log_call, entry_of(world, list_id, "赵六"), "busy", as_user="wang")
    assert world.run(list_call_lists, as_user="wang")[0].entries == 3
    assert world.run(list_call_lists, as_user="li") == []  # not an agent of the list
    with pytest.raises(NotFoundError):
        world.run(call_list_detail, list_id, as_user="li")
    # The manager sees the entries of the customers of his department and the pool.
    assert len(world.run(call_list_detail, list_id, as_user="boss").entries) == 5
    with pytest.raises(ValidationError, match="only ask for your own"):
        world.run(next_call, agent="zhao", as_user="wang")


# --------------------------------------------------------------------------- working


def test_next_call_order_retries_and_exhaustion(world: World) -> None:
    list_id = build(world, names=("张三", "李四"), agents=("wang",), max_attempts=2)
    first = world.run(next_call, as_user="wang")
    assert (first.customer, first.phone, first.attempts, first.max_attempts) == (
        "张三", "+8613800138000", 0, 2)
    world.run(log_call, first.entry_id, "no_answer", as_user="wang")
    # 张三 comes up again two hours later; till then 李四 is next.
    assert world.run(next_call, as_user="wang").customer == "李四"
    world.run(log_call, entry_of(world, list_id, "李四"), "busy", as_user="wang")
    assert world.run(next_call, as_user="wang") is None
    later = NOW + dt.timedelta(hours=2)
    again = world.run(next_call, as_user="wang", now=later)
    assert (again.customer, again.attempts) == ("张三", 1)
    entry = world.run(log_call, again.entry_id, "no_answer", as_user="wang", now=later)
    assert (entry.status, entry.attempts, entry.next_call_at) == ("exhausted", 2, None)
    with pytest.raises(ValidationError, match="exhausted: no more calls"):
        world.run(log_call, again.entry_id, "busy", as_user="wang", now=later)


def test_do_not_call_window(world: World) -> None:
    list_id = build(world, names=("张三",), agents=("wang",))
    with pytest.raises(ValidationError, match="no calls between 21:00 and 09:00"):
        world.run(next_call, as_user="wang", now=NIGHT)
    with pytest.raises(ValidationError, match="do-not-call window"):
        world.run(log_call, entry_of(world, list_id, "张三"), "busy", as_user="wang", now=NIGHT)
    assert world.run(get_entry, entry_of(world, list_id, "张三")).attempts == 0


def test_outcomes_log_calls_tasks_campaign_and_consent(world: World) -> None:
    campaign = world.run(create_campaign, name="回访活动", type="telemarketing")
    list_id = build(world, names=("张三", "李四", "钱七"), agents=("root",),
                    campaign=campaign.id)
    zhang, lisi, qian = (entry_of(world, list_id, n) for n in ("张三", "李四", "钱七"))
    world.run(log_call, zhang, "callback", callback_at="2026-05-11 15:00", notes="明天下午再打")
    world.run(log_call, lisi, "interested", notes="想了解年度服务")
    world.run(log_call, qian, "do_not_call")
    with world.app.transaction() as uow:
        task = uow.session.exec(select(Task)).scalars().one()
        assert (task.customer_id, task.due_at, task.status) == (
            world.ids["张三"], dt.datetime(2026, 5, 11, 7, 0, tzinfo=dt.UTC), "open")
        calls = uow.session.exec(select(Interaction).where(
            Interaction.kind == "marketing.call_made").order_by(Interaction.id)).scalars().all()
        assert [(c.channel, c.direction, c.payload["outcome"]) for c in calls] == [
            ("phone", "outbound", "callback"), ("phone", "outbound", "interested"),
            ("phone", "outbound", "do_not_call")]
        members = dict(uow.session.exec(select(CampaignMember.customer_id,
                                               CampaignMember.status)).all())
        assert members == {world.ids["张三"]: "sent", world.ids["李四"]: "responded",
                           world.ids["钱七"]: "sent"}
        assert consents(uow, [world.ids["钱七"]], purpose="marketing", channel="phone") == {
            world.ids["钱七"]: False}
    assert entries(world, list_id) == {"张三": ("root", "callback"), "李四": ("root", "done"),
                                       "钱七": ("root", "done")}
    # The callback comes up at its time; calling back completes the task.
    assert world.run(next_call) is None
    due = dt.datetime(2026, 5, 11, 7, 0, tzinfo=dt.UTC)
    assert world.run(next_call, now=due).entry_id == zhang
    world.run(log_call, zhang, "not_interested", now=due)
    with world.app.transaction() as uow:
        assert uow.session.exec(select(Task.status)).scalar_one() == "done"


def test_a_customer_who_opted_out_since_is_excluded(world: World) -> None:
    list_id = build(world, names=("张三", "李四"), agents=("wang",))
    with world.app.transaction(now=NOW) as uow:
        set_consent(uow, world.ids["张三"], purpose="marketing", granted=False, source="sms")
    with pytest.raises(ValidationError, match="withdrew consent"):
        world.run(log_call, entry_of(world, list_id, "张三"), "busy", as_user="wang")
    assert world.run(next_call, as_user="wang").customer == "李四"
    assert entries(world, list_id)["张三"] == ("wang", "excluded")


@pytest.mark.parametrize(("outcome", "extra", "message"), [
    ("maybe", {}, "is not one of"),
    ("callback", {}, "needs the time"),
    ("callback", {"callback_at": "2026-05-09 10:00"}, "must be in the future"),
    ("busy", {"callback_at": "2026-05-11 10:00"}, "only a callback"),
    ("busy", {"notes": "x" * 4001}, "at most 4000"),
])
def test_bad_call_input_changes_nothing(world: World, outcome: str, extra: dict,
                                        message: str) -> None:
    list_id = build(world, names=("张三",), agents=("wang",))
    entry_id = entry_of(world, list_id, "张三")
    with pytest.raises(ValidationError, match=message):
        world.run(log_call, entry_id, outcome, as_user="wang", **extra)
    with world.app.transaction() as uow:
        assert uow.session.exec(select(CallAttempt)).first() is None
        assert uow.session.exec(select(Interaction).where(
            Interaction.kind == "marketing.call_made")).first() is None


def test_progress_report_by_outcome_and_agent(world: World) -> None:
    list_id = build(world)
    for name, outcome, user in (("张三", "no_answer", "wang"), ("李四", "interested", "wang"),
                                ("王五", "wrong_number", "zhao"), ("赵六", "busy", "zhao")):
        world.run(log_call, entry_of(world, list_id, name), outcome, as_user=user)
    report = world.run(call_list_report, list_id, as_user="boss")
    assert (report.entries, report.open, report.calls, str(report.completion)) == (5, 3, 4, "40.0")
    assert report.by_status == {"pending": 3, "done": 2}
    assert report.by_final_outcome == {"interested": 1, "wrong_number": 1}
    assert report.calls_by_outcome == {"no_answer": 1, "interested": 1, "wrong_number": 1,
                                       "busy": 1}
    assert [(a.agent, a.entries, a.open, a.calls) for a in report.by_agent] == [
        ("wang", 3, 2, 2), ("zhao", 2, 1, 2)]
    own = world.run(call_list_report, list_id, as_user="zhao")
    assert [a.agent for a in own.by_agent] == ["zhao"] and own.entries == 2


def test_export_and_erase_call_notes(world: World) -> None:
    list_id = build(world, names=("张三",), agents=("wang",))
    world.run(log_call, entry_of(world, list_id, "张三"), "interested",
              notes="家里有老人，关心体检", as_user="wang")
    exported = world.run(export_personal_data, world.ids["张三"])["plugins"]["marketing"]
    assert exported["calls"][0]["notes"] == "家里有老人，关心体检"
    assert exported["call_list_entries"][0]["last_outcome"] == "interested"
    world.run(erase_customer, world.ids["张三"], reason="request")
    with world.app.transaction() as uow:
        attempt = uow.session.exec(select(CallAttempt)).scalars().one()
    assert (attempt.outcome, attempt.notes) == ("interested", None)
    assert world.run(call_list_report, list_id).calls == 1


# --------------------------------------------------------------------------- command line


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    guanxi = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    guanxi("init", "--db", database_url)
    # The command line runs on the wall clock: no do-not-call window, whatever the hour.
    with (tmp_path / "crm" / "guanxi.toml").open("a", encoding="utf-8") as project:
        project.write('\n[marketing.events]\ndo_not_call_from = "00:00"\n'
                      'do_not_call_until = "00:00"\n')
    guanxi("team", "add", "华东")
    for user, role in (("wang", "agent"), ("boss", "manager")):
        guanxi("staff", "add", user, user.title(), "--team", "华东")
        guanxi("access", "grant", user, role)
    guanxi("customer", "add", "张三", "--phone", "13800138000", "--owner", "wang")
    guanxi("customer", "add", "李四", "--phone", "13800138001", "--owner", "wang")
    return guanxi


def test_cli_call_list_round(gx: GuanxiCli) -> None:
    created = gx.json("--as", "boss", "marketing", "calls", "create", "回访", "--agent", "wang",
                      "--customer", "1", "--customer", "2", "--script", "您好")
    assert created == {"id": 1, "entries": 2, "skipped": {}}
    listed = gx.json("--as", "wang", "marketing", "calls", "list")
    assert [(c["name"], c["entries"]) for c in listed] == [("回访", 2)]
    nxt = gx.json("--as", "wang", "marketing", "calls", "next", "1")
    assert (nxt["customer"], nxt["phone"], nxt["script"]) == ("张三", "+8613800138000", "您好")
    out = gx("--as", "wang", "marketing", "calls", "log", str(nxt["entry_id"]), "callback",
             "--callback-at", "2099-01-01 10:00").stdout
    assert "attempt 1, now callback" in out
    assert gx.fails("--as", "wang", "marketing", "calls", "log", "2", "callback") == (
        "error: field 'callback_at': a callback needs the time the customer asked for")
    shown = gx.json("--as", "wang", "marketing", "calls", "show", "1")
    assert [e["status"] for e in shown["entries"]] == ["callback", "pending"]
    report = gx.json("--as", "boss", "marketing", "calls", "report", "1")
    assert report["calls_by_outcome"] == {"callback": 1}
    assert "agent wang: 2 entries" in gx("--as", "boss", "marketing", "calls", "report",
                                         "1").stdout
    ran = gx.json("report", "run", "marketing.call_list", "--option", "list=1")
    assert ran["calls"] == 1
    assert gx.fails("--as", "wang", "marketing", "calls", "create", "x", "--agent",
                    "wang", "--customer", "1").startswith("error: ")
