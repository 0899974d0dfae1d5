"""Segments: the filter language end to end, static lists, previews, snapshots, access."""

from __future__ import annotations

import datetime as dt
import json
import random
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import AuditEntry
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi_marketing.segments import demo_data
from guanxi_marketing.segments.models import Segment, SegmentMember
from guanxi_marketing.segments.service import (
    add_members,
    count_matching,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    matching_customer_ids,
    remove_members,
    segment_customer_ids,
    snapshot_segment,
    update_segment,
)
from guanxi_marketing.segments.views import describe_segment, preview

NOW = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Shanghai


def ago(days: float) -> dt.datetime:
    """``days`` before NOW."""
    return NOW - dt.timedelta(days=days)


def count_rows(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def world(marketing_app: App) -> dict[str, int]:
    """Two agents in two teams and five customers with roles, tags, fields and history."""
    with marketing_app.transaction(now=ago(400)) as uow:
        for username, name, team in (("wang", "王芳", "东区"), ("li", "李强", "北区")):
            add_team(uow, name=team)
            add_staff(uow, username=username, display_name=name)
            add_member(uow, team=team, staff=username)
            grant_role(uow, staff=username, role="agent")
        add_staff(uow, username="zhao", display_name="赵")
        grant_role(uow, staff="zhao", role="viewer")
        zhang = add_customer(uow, name="张三", owner="wang", roles=["customer"], tags=["vip"],
                             interests=["golf", "tea"], birth_date="1980-03-01",
                             custom={"industry": "retail", "value_segment": "vip"})
        acme = add_customer(uow, kind="organization", name="Acme 有限公司", owner="li",
                            roles=["dealer", "customer"], custom={"industry": "machinery"})
        wu = add_customer(uow, name="吴敏", roles=["customer"], tags=["lapsed"])
        prospect = add_customer(uow, name="Lee Prospect", owner="wang", roles=["prospect"],
                                lifecycle_stage="lead")
        erased = add_customer(uow, name="待删除", roles=["customer"])
    with marketing_app.transaction(now=NOW) as uow:
        for customer, days, revenue, kind, channel in (
            (zhang.id, 100, "20000.00", "core.purchase", "pos"),
            (zhang.id, 20, None, "core.contact", "email"),
            (zhang.id, 10, None, "core.contact", "email"),
            (zhang.id, 5, None, "core.contact", "email"),
            (acme.id, 30, "50000.00", "core.purchase", "web"),
            (acme.id, 300, "9000.00", "core.purchase", "web"),
            (wu.id, 200, "12000.00", "core.purchase", "pos"),
            (erased.id, 50, "99999.00", "core.purchase", "pos"),
        ):
            log_interaction(uow, customer_id=customer, occurred_at=ago(days), kind=kind,
                            channel=channel, revenue=revenue)
        erase_customer(uow, erased.id, reason="test")
    return {"zhang": zhang.id, "acme": acme.id, "wu": wu.id, "prospect": prospect.id,
            "erased": erased.id}


def match(app: App, expression: str, as_user: str | None = None) -> list[int]:
    with app.transaction(now=NOW, as_user=as_user) as uow:
        return matching_customer_ids(uow, expression)


def names(world: dict[str, int], *keys: str) -> list[int]:
    return sorted(world[k] for k in keys)


# ----------------------------------------------------------------------------- the language


def test_the_issue_example_over_roles_rollups_and_purchase_history(
    marketing_app: App, world: dict
) -> None:
    expression = 'role = "customer" and revenue_total > 10000 and last_purchase < 90 days ago'
    # 张三 last bought 100 days ago, 吴敏 200; Acme bought 30 days ago; the erased one is out.
    assert match(marketing_app, expression) == names(world, "zhang", "wu")
    assert match(marketing_app, "last_purchase >= 90 days ago") == names(world, "acme")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('kind = "organization"', ["acme"]),
        ('kind != "organization"', ["zhang", "wu", "prospect"]),
        ('stage = "lead"', ["prospect"]),
        ('owner = "wang"', ["zhang", "prospect"]),
        ('owner in ["li", "nobody"]', ["acme"]),
        ("owner is null", ["wu"]),
        ('owner != "wang"', ["acme", "wu"]),
        ('name contains "有限"', ["acme"]),
        ('name not contains "张"', ["acme", "wu", "prospect"]),
        ('tag = "vip" or has tag "lapsed"', ["zhang", "wu"]),
        ('tags != "vip"', ["acme", "wu", "prospect"]),
        ("tag is null", ["acme", "prospect"]),
        ('role in ["dealer", "prospect"]', ["acme", "prospect"]),
        ('role not in ["customer"]', ["prospect"]),
        ('interests contains "golf"', ["zhang"]),
        ("interests is not null", ["zhang"]),
        ('industry = "retail"', ["zhang"]),
        ('custom.industry in ["retail", "machinery"]', ["zhang", "acme"]),
        ('custom.value_segment != "vip"', ["acme", "wu", "prospect"]),
        ("industry is null", ["wu", "prospect"]),
        ("birth_date < 1990-01-01", ["zhang"]),
        ("birth_date >= 1990-01-01", []),
        ("revenue_total >= 50000", ["acme"]),
        ("revenue_total = 0", ["prospect"]),
        ("purchase_count >= 2", ["acme"]),
        ("interaction_count = 4", ["zhang"]),
        ("first_interaction < 250 days ago", ["acme"]),
        ("last_interaction is null", ["prospect"]),
        ("first_purchase < 150 days ago", ["acme", "wu"]),
        ("created_at < today", ["zhang", "acme", "wu", "prospect"]),
        ("created_at = 2025-05-11", ["zhang", "acme", "wu", "prospect"]),  # ago(400), local day
        ("created_at > 2025-05-11", []),
        ("created_at <= 2025-05-11 and created_at >= 2025-05-11", ["zhang", "acme", "wu",
                                                                    "prospect"]),
        ('had "core.purchase" within 120 days', ["zhang", "acme"]),
        ('not had "core.*" since 2026-01-01', ["wu", "prospect"]),
        ('count(kind = "core.contact" via "email") >= 3', ["zhang"]),
        ('count(channel in ["web", "pos"] within 365 days) = 1', ["zhang", "wu"]),
        ("count(purchase) < 1", ["prospect"]),
        ("revenue(purchase within 365 days) > 40000", ["acme"]),
        ('last(via "email") > 7 days ago', ["zhang"]),
        ('first("core.purchase" before 2026-01-01) is not null', ["acme", "wu"]),
        ("had purchase before 150 days ago and not had purchase within 150 days", ["wu"]),
        ('not (role = "customer" or role = "dealer")', ["prospect"]),
        ('ROLE = "dealer" AND NOT tag = "vip"', ["acme"]),
        ("id in []", []),
        ("id not in []", ["zhang", "acme", "wu", "prospect"]),
    ],
)
def test_each_operator_and_field_family(
    marketing_app: App, world: dict, expression: str, expected: list[str]
) -> None:
    assert match(marketing_app, expression) == names(world, *expected)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('role = "customer" and revenue_total > ', "expected a value, not the end at position 39"),
        ('role = "customer" and and', "expected a field, not 'and' at position 23"),
        ("revenue_total >", "expected a value, not the end at position 16"),
        ("(role = 'x'", "expected ')', not the end at position 12"),
        ("role = 'x' role", "expected 'and', 'or' or the end, not 'role' at position 12"),
        ("role ~ 'x'", "unexpected character '~' at position 6"),
        ('name = "abc', "unterminated string at position 8"),
        ("revnue_total > 5", "unknown field 'revnue_total' (did you mean 'revenue_total'?) "
                             "at position 1"),
        ("revenue_total > 'lots'", "revenue_total takes a money, not text at position 17"),
        ("revenue_total > 1.005", "revenue_total takes amounts with at most 2 decimals "
                                  "at position 17"),
        ("name > 'M'", "name (text) does not take '>'"),
        ("tag < 'x'", "tag (set) does not take '<'"),
        ("created_at > 'yesterday'", "created_at takes a date-time, not text at position 14"),
        ("birth_date = 2020-01-01T10:00", "birth_date takes a date, not a date-time"),
        ("created_at > 2026-02-30", "2026-02-30 is not a valid date at position 14"),
        ("had purchase within x days", "expected a number, not 'x' at position 21"),
        ("had purchase within 3 fortnights", "expected days, weeks, months or years"),
        ("had purchase since today since today", "a second 'since' bound at position 26"),
        ("created_at > 1.5 days ago", "expected a whole number of units at position 14"),
        ("role is 'x'", "expected 'null', not \"x\" at position 9"),
        ("", "expected a field, not the end at position 1"),
        ("id > 99999999999999999999", "99999999999999999999 is too large for id at position 6"),
    ],
)
def test_bad_expressions_say_what_and_where(
    marketing_app: App, world: dict, expression: str, message: str
) -> None:
    with marketing_app.transaction(now=NOW) as uow, pytest.raises(ValidationError) as error:
        matching_customer_ids(uow, expression)
    assert error.value.field == "expression"
    assert message in error.value.reason


def test_text_is_bound_never_pasted_into_sql(marketing_app: App, world: dict) -> None:
    hostile = "x' OR 1=1; DROP TABLE customer; --"
    assert match(marketing_app, f'name = "{hostile}" or tag = "{hostile}"') == []
    assert match(marketing_app, 'name contains "%" or name contains "_"') == []
    assert count_rows(marketing_app, Segment) == 0  # and the tables are all still there
    assert match(marketing_app, 'had "core.purcha*"') == names(world, "zhang", "acme", "wu")
    assert match(marketing_app, 'had "core_purchase*" or had "core%"') == []


def test_relative_dates_move_with_the_clock(marketing_app: App, world: dict) -> None:
    expression = "last_purchase > 3 months ago"
    with marketing_app.transaction(now=NOW) as uow:
        assert matching_customer_ids(uow, expression) == [world["acme"]]
    with marketing_app.transaction(now=NOW + dt.timedelta(days=70)) as uow:
        assert matching_customer_ids(uow, expression) == []
        assert matching_customer_ids(uow, "last_purchase > 1 year ago") == names(
            world, "zhang", "acme", "wu"
        )
        assert count_matching(uow, "last_purchase > 2 weeks ago") == 0


# ----------------------------------------------------------------------------- segments


def test_dynamic_and_static_segments(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=NOW, as_user="wang") as uow:
        big = create_segment(uow, name="  大客户 ", expression=' revenue_total > 10000 ',
                             description="big spenders")
        vip = create_segment(uow, name="VIP list", customer_ids=[world["zhang"], world["zhang"]])
        assert (big.name, big.kind) == ("大客户", "dynamic")
        assert big.expression == "revenue_total > 10000"
        assert vip.kind == "static" and vip.expression is None
    with marketing_app.transaction(now=NOW) as uow:
        assert segment_customer_ids(uow, big.id) == names(world, "zhang", "acme", "wu")
        assert segment_customer_ids(uow, "VIP list") == [world["zhang"]]
        assert get_segment(uow, str(big.id)).name == "大客户"
        assert [s.name for s in list_segments(uow)] == ["VIP list", "大客户"]
        assert [s.name for s in list_segments(uow, kind="static")] == ["VIP list"]
        assert add_members(uow, vip.id, [world["zhang"], str(world["wu"])]) == 1
        assert remove_members(uow, "VIP list", [world["zhang"], world["acme"]]) == 1
        assert segment_customer_ids(uow, vip.id) == [world["wu"]]
        view = describe_segment(uow, big.id)
        assert (view.owner, view.members, view.description) == ("wang", 3, "big spenders")
        shown = preview(uow, segment="大客户", limit=2)
        assert shown.count == 3 and [c["id"] for c in shown.customers] == sorted(
            names(world, "zhang", "acme", "wu"))[:2]
        assert preview(uow, expression='role = "dealer"').customers[0]["name"] == "Acme 有限公司"
        with pytest.raises(NotFoundError):
            get_segment(uow, "nothing")
        with pytest.raises(ValidationError, match="kind"):
            list_segments(uow, kind="smart")


def test_a_snapshot_freezes_the_audience(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        create_segment(uow, name="recent buyers", expression="last_purchase > 120 days ago")
        frozen = snapshot_segment(uow, "recent buyers", name="spring mailing audience")
        assert frozen.kind == "static" and "recent buyers" in (frozen.description or "")
    later = NOW + dt.timedelta(days=60)
    with marketing_app.transaction(now=later) as uow:
        log_interaction(uow, customer_id=world["prospect"], occurred_at=later, kind="core.purchase",
                        channel="web", revenue="10.00")
        assert segment_customer_ids(uow, "recent buyers") == names(world, "acme", "prospect")
        assert segment_customer_ids(uow, frozen.id) == names(world, "zhang", "acme")


def test_bad_segment_input_stores_nothing(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        create_segment(uow, name="taken", customer_ids=[world["zhang"]])
    bad = [
        ({"name": "", "expression": "id > 1"}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "taken"}, "name"),
        ({"name": "dyn", "expression": "  "}, "expression"),
        ({"name": "dyn", "expression": "revenue_total >"}, "expression"),
        ({"name": "dyn", "expression": "id > 1", "customer_ids": [1]}, "customer_ids"),
        ({"name": "static", "customer_ids": [world["zhang"], "abc"]}, "customer_ids"),
    ]
    for fields, field in bad:
        with pytest.raises(ValidationError) as error, marketing_app.transaction(now=NOW) as uow:
            create_segment(uow, **fields)
        assert error.value.field == field, fields
    with pytest.raises(NotFoundError, match="999"), marketing_app.transaction(now=NOW) as uow:
        create_segment(uow, name="static", customer_ids=[world["zhang"], 999])
    with pytest.raises(ValidationError, match="dynamic"), marketing_app.transaction() as uow:
        create_segment(uow, name="dyn", expression="id > 0")
        add_members(uow, "dyn", [world["zhang"]])
    assert count_rows(marketing_app, Segment) == 1
    assert count_rows(marketing_app, SegmentMember) == 1


def test_delete_removes_the_list_and_audits_it(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        create_segment(uow, name="list", customer_ids=[world["zhang"], world["wu"]])
    with marketing_app.transaction(now=NOW) as uow:
        delete_segment(uow, "list")
    assert count_rows(marketing_app, Segment) == count_rows(marketing_app, SegmentMember) == 0
    with marketing_app.engine.connect() as connection:
        actions = connection.execute(
            select(AuditEntry.action, AuditEntry.customer_id)
            .where(AuditEntry.entity == "marketing.segment_member")
        ).all()
    assert sorted(actions) == sorted(
        [("create", world["zhang"]), ("create", world["wu"]),
         ("delete", world["zhang"]), ("delete", world["wu"])]
    )


# ----------------------------------------------------------------------------- access


def test_an_agent_sees_only_the_customers_he_may_see(marketing_app: App, world: dict) -> None:
    expression = 'role = "customer" or role = "prospect"'
    # wang: his own (张三, Lee) and the unowned (吴敏); Acme is li's.
    assert match(marketing_app, expression, as_user="wang") == names(
        world, "zhang", "wu", "prospect")
    with marketing_app.transaction(now=NOW) as uow:
        create_segment(uow, name="all buyers", expression="had purchase")
        create_segment(uow, name="list", customer_ids=[world["zhang"], world["acme"]])
    with marketing_app.transaction(now=NOW, as_user="li") as uow:
        assert segment_customer_ids(uow, "all buyers") == names(world, "acme", "wu")
        assert segment_customer_ids(uow, "list") == [world["acme"]]
        assert describe_segment(uow, "list").members == 1
        assert preview(uow, segment="list").customers == [
            {"id": world["acme"], "name": "Acme 有限公司", "lifecycle_stage": "prospect"}]
        with pytest.raises(NotFoundError):  # an invisible customer is not found
            add_members(uow, "list", [world["zhang"]])
        with pytest.raises(NotFoundError):
            remove_members(uow, "list", [world["zhang"]])
    with pytest.raises(AccessDenied), marketing_app.transaction(as_user="zhao") as uow:
        create_segment(uow, name="viewer's", expression="id > 0")
    with pytest.raises(AccessDenied), marketing_app.transaction(as_user="wang") as uow:
        delete_segment(uow, "list")
    with marketing_app.transaction(as_user="zhao") as uow:  # a viewer reads
        assert [s.name for s in list_segments(uow)] == ["all buyers", "list"]


def test_personal_data_export_and_erasure(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        create_segment(uow, name="展会名单", customer_ids=[world["zhang"], world["wu"]])
        exported = export_personal_data(uow, world["zhang"])
    listed = exported["plugins"]["marketing"]["segments"]
    assert [entry["segment"] for entry in listed] == ["展会名单"]
    assert "展会名单" in json.dumps(exported, ensure_ascii=False, default=str)
    with marketing_app.transaction(now=NOW) as uow:
        erase_customer(uow, world["zhang"], reason="request")
    with marketing_app.transaction(now=NOW) as uow:
        assert segment_customer_ids(uow, "展会名单") == [world["wu"]]
        assert export_personal_data(uow, world["wu"])["plugins"]["marketing"]["segments"]
    assert count_rows(marketing_app, SegmentMember) == 1


def test_demo_segments(marketing_app: App, world: dict) -> None:
    people = [SimpleNamespace(id=world[k], kind="person") for k in ("zhang", "wu", "erased")]
    acme = SimpleNamespace(id=world["acme"], kind="organization")
    with marketing_app.transaction(now=NOW) as uow:
        demo_data(uow, random.Random(7), [*people, acme])  # type: ignore[list-item]
        segments = {s.name: s for s in list_segments(uow)}
        assert sorted(s.kind for s in segments.values()) == ["dynamic", "dynamic", "static"]
        lists = [s for s in segments.values() if s.kind == "static"]
        # every person drawn (fewer than twelve); the erased one is no member
        assert segment_customer_ids(uow, lists[0].id) == names(world, "zhang", "wu")
        lapsed = next(s for s in segments.values() if "lapsed" in s.name)
        assert segment_customer_ids(uow, lapsed.id) == [world["wu"]]


def test_a_segment_is_edited(marketing_app: App, world: dict) -> None:
    with marketing_app.transaction(now=NOW) as uow:
        create_segment(uow, name="buyers", expression="had purchase")
        create_segment(uow, name="list", customer_ids=[world["wu"]])
    with marketing_app.transaction(now=NOW) as uow:
        edited = update_segment(uow, "buyers", name="dealers", expression=' role = "dealer" ',
                                description="the dealers")
        assert (edited.name, edited.expression, edited.description) == (
            "dealers", 'role = "dealer"', "the dealers")
        assert segment_customer_ids(uow, "dealers") == [world["acme"]]
        assert update_segment(uow, "dealers", description="").description is None
    for ref, changes, field in (("dealers", {"expression": "role ="}, "expression"),
                                ("list", {"expression": "id > 0"}, "expression"),
                                ("dealers", {"name": "list"}, "name")):
        with pytest.raises(ValidationError) as error, marketing_app.transaction() as uow:
            update_segment(uow, ref, **changes)
        assert error.value.field == field
    with marketing_app.transaction(now=NOW) as uow:
        assert get_segment(uow, "dealers").expression == 'role = "dealer"'
