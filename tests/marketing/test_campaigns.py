"""Campaigns: creation, statuses, costs, members and their statuses, follow-ups, access,
personal data (marketing plugin, campaigns area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import Interaction
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, grant_role
from guanxi_marketing.campaigns.models import Campaign, CampaignCost, CampaignMember
from guanxi_marketing.campaigns.service import (
    add_cost,
    add_members,
    advance_member,
    campaign_detail,
    create_campaign,
    get_campaign,
    list_campaigns,
    list_costs,
    list_members,
    mark_sent,
    record_sent,
    set_status,
    target_parent_members,
)

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def count(app: App, table: str) -> int:
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def logged(app: App) -> list[tuple[int, str, str, dict]]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(Interaction.customer_id, Interaction.kind,
                                         Interaction.channel, Interaction.payload)
                                  .order_by(Interaction.id)).all()
    return [tuple(r) for r in rows]


@pytest.fixture
def world(marketing_app: App) -> dict[str, int]:
    """Two agents; three customers (two of wang's, one of li's); a viewer."""
    with marketing_app.transaction(now=T0) as uow:
        for username in ("wang", "li"):
            add_staff(uow, username=username, display_name=username)
            grant_role(uow, staff=username, role="agent")
        add_staff(uow, username="zhao", display_name="赵")
        grant_role(uow, staff="zhao", role="viewer")
        ids = {name: add_customer(uow, name=name, owner=owner).id
               for name, owner in (("张三", "wang"), ("李四", "wang"), ("王五", "li"))}
    return ids


def test_a_campaign_is_created_with_its_fields(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=T0, as_user="wang") as uow:
        campaign = create_campaign(
            uow, name="春季促销", type="direct-mail", budget="5000.50", starts_on="2026-03-10",
            ends_on="2026-04-10", template="marketing/spring.txt", subject="{{ name }}，春天好",
            description="老客户回馈", settings={"paper": "A4"})
        follow = create_campaign(uow, name="春季促销 二期", type="telemarketing",
                                 parent="春季促销")
    with marketing_app.transaction(now=T0) as uow:
        detail = campaign_detail(uow, campaign.id)
        assert get_campaign(uow, "春季促销").id == campaign.id
    row = detail.campaign
    assert (row.type, row.status, row.budget, row.currency, row.owner) == (
        "direct_mail", "draft", Decimal("5000.50"), "CNY", "wang")
    assert (row.starts_on, row.ends_on) == (dt.date(2026, 3, 10), dt.date(2026, 4, 10))
    assert (detail.template, detail.settings, detail.follow_ups) == (
        "marketing/spring.txt", {"paper": "A4"}, [follow.id])
    assert follow.parent_id == campaign.id and follow.owner_id == campaign.owner_id


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": " "}, "name"), ({"type": "billboard"}, "type"), ({"budget": "-1"}, "budget"),
    ({"budget": "1.001"}, "budget"), ({"budget": "abc"}, "budget"),
    ({"starts_on": "2026-02-30"}, "starts_on"),
    ({"starts_on": "2026-03-10", "ends_on": "2026-03-01"}, "ends_on"),
    ({"currency": "RMBX"}, "currency"), ({"owner": "nobody"}, "owner"),
    ({"parent": 999}, "parent"), ({"settings": ["x"]}, "settings"),
])
def test_bad_campaign_input_names_the_field_and_stores_nothing(
    marketing_app: App, world: dict, fields: dict, field: str
) -> None:
    values = {"name": "x", "type": "email", **fields}
    with pytest.raises(ValidationError) as caught, marketing_app.transaction() as uow:
        create_campaign(uow, **values)
    assert caught.value.field == field
    assert count(marketing_app, "marketing_campaign") == 0


def test_statuses_follow_the_allowed_transitions(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=T0) as uow:
        campaign = create_campaign(uow, name="x", type="email").id
        assert set_status(uow, campaign, "planned").status == "planned"
        assert set_status(uow, campaign, "running").status == "running"
        with pytest.raises(ValidationError, match="may become completed, cancelled"):
            set_status(uow, campaign, "draft")
        set_status(uow, campaign, "completed")
        with pytest.raises(ValidationError, match="final"):
            set_status(uow, campaign, "cancelled")
        with pytest.raises(ValidationError) as caught:
            set_status(uow, campaign, "paused")
        assert caught.value.field == "status"
        other = create_campaign(uow, name="y", type="sms").id
        assert set_status(uow, other, "cancelled").status == "cancelled"
        with pytest.raises(ValidationError, match="cannot take members"):
            add_members(uow, other, [world["张三"]])
    with marketing_app.transaction() as uow:
        assert [r.status for r in list_campaigns(uow)] == ["completed", "cancelled"]
        assert [r.name for r in list_campaigns(uow, status="cancelled", type="sms")] == ["y"]


def test_actual_cost_is_the_sum_of_the_cost_entries(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=T0) as uow:
        campaign = create_campaign(uow, name="x", type="event", budget=1000).id
        add_cost(uow, campaign, "300.25", incurred_on="2026-03-01", note="场地")
        add_cost(uow, campaign, 99, note="茶点")
        for amount, on, field in (("0", None, "amount"), ("-5", None, "amount"),
                                  ("1", "yesterday", "incurred_on")):
            with pytest.raises(ValidationError) as caught:
                add_cost(uow, campaign, amount, incurred_on=on)
            assert caught.value.field == field
    with marketing_app.transaction() as uow:
        costs = list_costs(uow, campaign)
        assert get_campaign(uow, campaign).actual_cost == Decimal("399.25")
    assert [(c.incurred_on, c.amount, c.note) for c in costs] == [
        (dt.date(2026, 3, 1), Decimal("300.25"), "场地"),
        (dt.date(2026, 3, 2), Decimal("99.00"), "茶点")]  # today in Shanghai


def test_members_move_forward_and_each_step_is_logged(marketing_app: App, world: dict) -> None:
    a, b = world["张三"], world["李四"]
    with marketing_app.transaction(now=T0) as uow:
        campaign = create_campaign(uow, name="电话回访", type="telemarketing").id
        assert add_members(uow, campaign, [a, b, a]) == 2
        assert add_members(uow, campaign, [b]) == 0  # already there
        assert record_sent(uow, campaign, [a]) == 1
        assert get_campaign(uow, campaign).status == "running"  # the first send starts it
        advance_member(uow, campaign, a, "responded", response="  下周再联系  ")
        # b is called and buys at once: targeted → converted skips the steps between
        member = advance_member(uow, campaign, b, "converted", response="买了")
        assert (member.status, member.converted_at, member.sent_at) == ("converted", T0, None)
        with pytest.raises(ValidationError, match="only moves forward"):
            advance_member(uow, campaign, a, "sent")
        with pytest.raises(ValidationError) as caught:
            advance_member(uow, campaign, a, "delighted")
        assert caught.value.field == "status"
        with pytest.raises(NotFoundError):
            advance_member(uow, campaign, world["王五"], "responded")
        with pytest.raises(ValidationError) as caught:
            add_members(uow, campaign, [a, 999])
        assert caught.value.field == "customer_ids"
        with pytest.raises(ValidationError) as caught:
            advance_member(uow, campaign, a, "converted", at=T0 + dt.timedelta(days=1))
        assert caught.value.field == "at"
    with marketing_app.transaction() as uow:
        rows = list_members(uow, campaign)
        assert [r.customer for r in list_members(uow, campaign, status="converted")] == ["李四"]
    assert [(r.customer, r.status, r.response) for r in rows] == [
        ("张三", "responded", "下周再联系"), ("李四", "converted", "买了")]
    assert [(c, k, ch, p["status"], p["response"]) for c, k, ch, p in logged(marketing_app)] == [
        (a, "marketing.campaign_sent", "phone", "sent", None),
        (a, "marketing.campaign_responded", "phone", "responded", "下周再联系"),
        (b, "marketing.campaign_converted", "phone", "converted", "买了")]
    assert logged(marketing_app)[0][3]["campaign_id"] == campaign


def test_mark_sent_touches_only_targeted_members(marketing_app: App, world: dict) -> None:
    a, b = world["张三"], world["李四"]
    later = T0 + dt.timedelta(hours=2)
    with marketing_app.transaction(now=T0) as uow:
        campaign = create_campaign(uow, name="邮件", type="email").id
        add_members(uow, campaign, [a, b])
        advance_member(uow, campaign, b, "responded")
        ids = [m.id for m in list_members(uow, campaign)]
    with marketing_app.transaction(now=later) as uow:
        mark_sent(uow, ids)
        rows = {r.customer_id: r for r in list_members(uow, campaign)}
    assert (rows[a].status, rows[a].sent_at) == ("sent", later)
    assert (rows[b].status, rows[b].sent_at) == ("responded", None)
    assert len(logged(marketing_app)) == 1  # the messages area logs its own sends
    with marketing_app.transaction() as uow:
        set_status(uow, campaign, "completed")
    with pytest.raises(ValidationError, match="completed"), marketing_app.transaction() as uow:
        mark_sent(uow, ids)
    with marketing_app.transaction() as uow:  # a late response is still recorded
        assert advance_member(uow, campaign, a, "responded").status == "responded"


def test_a_follow_up_targets_the_responders_or_the_silent(marketing_app: App, world: dict) -> None:
    a, b, c = world["张三"], world["李四"], world["王五"]
    with marketing_app.transaction(now=T0) as uow:
        first = create_campaign(uow, name="一期", type="email").id
        add_members(uow, first, [a, b, c])
        record_sent(uow, first, [a, b])  # c stays targeted: never reached
        advance_member(uow, first, a, "responded")
        eager = create_campaign(uow, name="二期 回复者", type="telemarketing", parent=first).id
        silent = create_campaign(uow, name="二期 未回复", type="sms", parent=first).id
        assert target_parent_members(uow, eager, responded=True) == 1
        assert target_parent_members(uow, silent, responded=False) == 1
        with pytest.raises(ValidationError) as caught:
            target_parent_members(uow, first, responded=True)
        assert caught.value.field == "parent"
        members = {cid: [m.customer_id for m in list_members(uow, cid)] for cid in (eager, silent)}
    assert members == {eager: [a], silent: [b]}


def test_an_agent_sees_every_campaign_but_only_the_members_he_may_see(
    marketing_app: App, world: dict
) -> None:
    with marketing_app.transaction(now=T0) as uow:
        mine = create_campaign(uow, name="mine", type="email", owner="wang").id
        theirs = create_campaign(uow, name="theirs", type="email", owner="li").id
        add_members(uow, mine, world.values())
        add_members(uow, theirs, [world["王五"]])
    with marketing_app.transaction(as_user="wang") as uow:
        # Campaigns are shared work; their members are customer data.
        listed = {r.name: r.members for r in list_campaigns(uow)}
        assert listed == {"mine": 2, "theirs": 0}  # 王五 is li's customer
        assert [m.customer for m in list_members(uow, mine)] == ["张三", "李四"]
        assert get_campaign(uow, theirs).owner_id != uow.actor_id
        assert list_members(uow, theirs) == []
        with pytest.raises(NotFoundError):
            advance_member(uow, mine, world["王五"], "responded")
        with pytest.raises(ValidationError):
            add_members(uow, mine, [world["王五"]])  # not a customer he may see
    with pytest.raises(AccessDenied), marketing_app.transaction(as_user="zhao") as uow:
        create_campaign(uow, name="z", type="sms")
    assert count(marketing_app, "marketing_campaign") == 2


def test_export_and_erasure_cover_the_responses(marketing_app: App, world: dict) -> None:
    a = world["张三"]
    with marketing_app.transaction(now=T0) as uow:
        campaign = create_campaign(uow, name="问卷", type="email").id
        add_members(uow, campaign, [a, world["李四"]])
        advance_member(uow, campaign, a, "responded", response="张三对价格不满意")
        add_cost(uow, campaign, "10.00")
        exported = export_personal_data(uow, a)
    part = exported["plugins"]["marketing"]["campaign_memberships"]
    assert [(m["campaign"], m["status"], m["response"]) for m in part] == [
        ("问卷", "responded", "张三对价格不满意")]
    with marketing_app.transaction(now=T0) as uow:
        erase_customer(uow, a, reason="data subject request")
    with marketing_app.engine.connect() as connection:
        rows = connection.execute(select(CampaignMember.__table__).order_by(
            CampaignMember.id)).mappings().all()
        costs = connection.execute(select(func.count()).select_from(CampaignCost)).scalar_one()
        kept = connection.execute(select(Campaign.actual_cost)).scalar_one()
    assert "张三" not in json.dumps([dict(r) for r in rows], ensure_ascii=False, default=str)
    assert [(r["status"], r["response"]) for r in rows] == [("responded", None),
                                                            ("targeted", None)]
    assert (costs, kept) == (1, Decimal("10.00"))  # counts and amounts stay
