"""Opportunities, competitors, accounts, lead hand-off and core customers (sales plugin).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
Times are fixed with ``app.transaction(now=…)`` so durations are computed by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import Interaction, Staff, Task
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customer360 import customer_360
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi.testing import GuanxiCli
from guanxi_sales.accounts import (
    account_view,
    add_competitor,
    check_core_cadence,
    competitor_detail,
    hand_off_lead,
    list_competitors,
    list_core_customers,
    set_core_customer,
)
from guanxi_sales.models import Opportunity, OpportunityCompetitor, StageChange
from guanxi_sales.opportunities import (
    assign_opportunity,
    create_opportunity,
    get_opportunity,
    list_opportunities,
    lose_opportunity,
    move_opportunity,
    opportunity_detail,
    update_opportunity,
    win_opportunity,
)

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def day(n: float) -> dt.datetime:
    """``n`` days after T0."""
    return T0 + dt.timedelta(days=n)


def count(app: App, table: str) -> int:
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def world(sales_app: App) -> dict[str, int]:
    """Two agents in two teams, an account with a person, an unowned account, a competitor."""
    with sales_app.transaction(now=T0) as uow:
        for username, name, team in (("wang", "王芳", "东区"), ("li", "李强", "北区")):
            add_team(uow, name=team)
            add_staff(uow, username=username, display_name=name)
            add_member(uow, team=team, staff=username)
            grant_role(uow, staff=username, role="agent")
        add_staff(uow, username="zhao", display_name="赵", email=None)
        grant_role(uow, staff="zhao", role="viewer")
        account = add_customer(uow, kind="organization", name="恒通机械", owner="wang",
                               contact_points=[{"kind": "fax", "value": "021-5555 0001"},
                                               {"kind": "web", "value": "https://ht.example.cn"}])
        person = add_customer(uow, name="李经理", organization_id=account.id, emails=["li@ht.cn"])
        other = add_customer(uow, kind="organization", name="宏达建设", owner="li")
        pool = add_customer(uow, kind="organization", name="无主公司")
        rival = add_competitor(uow, name="远大", strengths="价格低", weaknesses="售后差",
                               products="挖掘机", strategy="低价", scale="大型")
    return {"account": account.id, "person": person.id, "other": other.id, "pool": pool.id,
            "rival": rival.customer_id}


def test_an_opportunity_moves_through_its_pipeline_and_is_won(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        opp = create_opportunity(uow, customer_id=world["account"], name="挖掘机 20 台",
                                 amount="1200000.00", expected_close="2026-06-30",
                                 contact_id=world["person"], approach="高层拜访",
                                 source="campaign", competitors=[world["rival"]])
        assert (opp.stage, opp.probability, opp.status) == ("qualification", 10, "open")
        owner = opp.owner_id
    with sales_app.transaction(now=day(3), as_user="wang") as uow:
        move_opportunity(uow, opp.id, "proposal")
    with sales_app.transaction(now=day(7.5), as_user="wang") as uow:
        moved = move_opportunity(uow, opp.id, "negotiation", probability=80)
        assert moved.probability == 80
    with sales_app.transaction(now=day(10), as_user="wang") as uow:
        won = win_opportunity(uow, opp.id, amount="1150000.50")
        assert (won.status, won.stage, won.probability) == ("won", "won", 100)
        assert won.closed_at == day(10)
        assert won.expected_close == dt.date(2026, 3, 12)  # the day it was won, in Shanghai
    with sales_app.transaction(now=day(11)) as uow:
        detail = opportunity_detail(uow, opp.id)
    assert detail.opportunity.owner == "wang" and owner is not None
    assert detail.contact == (world["person"], "李经理")
    assert detail.competitors == [(world["rival"], "远大")]
    assert [(s.from_stage, s.to_stage, s.days) for s in detail.history] == [
        (None, "qualification", 3.0), ("qualification", "proposal", 4.5),
        ("proposal", "negotiation", 2.5), ("negotiation", "won", None)]
    assert [s.actor for s in detail.history] == [None, "wang", "wang", "wang"]
    with sales_app.engine.connect() as c:
        logged = c.execute(select(Interaction.kind, Interaction.revenue, Interaction.direction)
                           .order_by(Interaction.id)).all()
    assert [k for k, _, _ in logged] == [
        "sales.opportunity_created", "sales.stage_changed", "sales.stage_changed",
        "sales.opportunity_won", "sales.order"]
    assert logged[-1][1:] == (Decimal("1150000.50"), "inbound")


def test_losing_needs_a_reason_from_the_settings(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        opp = create_opportunity(uow, customer_id=world["account"], name="配件", amount=5000,
                                 expected_close="2026-04-01")
    for reason in ("", "too expensive"):
        with pytest.raises(ValidationError) as caught, sales_app.transaction(now=day(1)) as uow:
            lose_opportunity(uow, opp.id, reason)
        assert caught.value.field == "reason"
    with sales_app.transaction(now=day(2)) as uow:
        lost = lose_opportunity(uow, opp.id, "competitor", competitor=world["rival"])
        assert (lost.status, lost.stage, lost.lost_reason, lost.probability) == (
            "lost", "lost", "competitor", 0)
    with sales_app.transaction() as uow:
        assert competitor_detail(uow, world["rival"])[0].lost == 1
        payload = uow.session.exec(select(Interaction.payload).where(
            Interaction.kind == "sales.opportunity_lost")).scalar_one()
    assert payload["reason"] == "competitor"


BAD_INPUT = [
    ({"amount": "-1"}, "amount"),
    ({"amount": "10.001"}, "amount"),
    ({"amount": "lots"}, "amount"),
    ({"probability": 101}, "probability"),
    ({"probability": -1}, "probability"),
    ({"expected_close": "1999-12-31"}, "expected_close"),
    ({"expected_close": "2036-03-03"}, "expected_close"),  # more than ten years ahead
    ({"expected_close": "31/12/2026"}, "expected_close"),
    ({"stage": "closing"}, "stage"),
    ({"stage": "won"}, "stage"),
    ({"pipeline": "retail"}, "pipeline"),
    ({"owner": "nobody"}, "owner"),
    ({"name": " "}, "name"),
    ({"currency": "RMB1"}, "currency"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_bad_input_names_the_field_and_stores_nothing(
    sales_app: App, world: dict, change: dict[str, Any], field: str
) -> None:
    given = {"customer_id": world["account"], "name": "x", "amount": "10.00",
             "expected_close": "2026-05-01", **change}
    before = count(sales_app, "interaction")
    with pytest.raises(ValidationError) as caught, sales_app.transaction(now=day(0)) as uow:
        create_opportunity(uow, **given)
    assert caught.value.field == field
    assert "\n" not in str(caught.value)
    assert count(sales_app, "sales_opportunity") == 0
    assert count(sales_app, "sales_stage_change") == 0
    assert count(sales_app, "interaction") == before


def test_the_close_date_may_be_up_to_ten_years_ahead(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        opp = create_opportunity(uow, customer_id=world["account"], name="x", amount=0,
                                 expected_close="2036-03-02", probability="0")
    assert opp.expected_close == dt.date(2036, 3, 2)


def test_a_closed_opportunity_cannot_move_or_change(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        opp = create_opportunity(uow, customer_id=world["account"], name="x", amount=1,
                                 expected_close="2026-05-01")
        win_opportunity(uow, opp.id)
    attempts: list[Callable[[Any], Any]] = [
        lambda uow: move_opportunity(uow, opp.id, "proposal"),
        lambda uow: win_opportunity(uow, opp.id),
        lambda uow: lose_opportunity(uow, opp.id, "price"),
        lambda uow: update_opportunity(uow, opp.id, amount=5),
        lambda uow: assign_opportunity(uow, opp.id, "li"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught, sales_app.transaction(now=day(1)) as uow:
            attempt(uow)
        assert caught.value.field == "status"
    assert count(sales_app, "sales_stage_change") == 2


def test_moves_stay_inside_the_pipeline(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        opp = create_opportunity(uow, customer_id=world["account"], name="x", amount=1,
                                 expected_close="2026-05-01")
    for stage in ("qualification", "won", "lost", "signed"):
        with pytest.raises(ValidationError) as caught, sales_app.transaction() as uow:
            move_opportunity(uow, opp.id, stage)
        assert caught.value.field == "stage"
    with pytest.raises(ValidationError) as caught, sales_app.transaction() as uow:
        move_opportunity(uow, opp.id, "proposal", probability=150)
    assert caught.value.field == "probability"
    assert count(sales_app, "sales_stage_change") == 1


def test_exactly_one_owner_chosen_and_handed_on(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        mine = create_opportunity(uow, customer_id=world["account"], name="a", amount=1,
                                  expected_close="2026-05-01")
        assert get_opportunity(uow, mine.id).owner_id == uow.session.exec(
            text("SELECT id FROM staff WHERE username = 'wang'")).scalar_one()
        with pytest.raises(ValidationError) as caught:
            create_opportunity(uow, customer_id=world["pool"], name="b", amount=1,
                               expected_close="2026-05-01")
        assert caught.value.field == "owner"
    with sales_app.transaction(now=day(0), as_user="li") as uow:  # the pool: the acting user
        pooled = create_opportunity(uow, customer_id=world["pool"], name="b", amount=1,
                                    expected_close="2026-05-01")
    with sales_app.transaction(now=day(1)) as uow:
        assert opportunity_detail(uow, pooled.id).opportunity.owner == "li"
        assign_opportunity(uow, mine.id, "li")
        assert opportunity_detail(uow, mine.id).opportunity.owner == "li"
        with pytest.raises(ValidationError) as caught:
            assign_opportunity(uow, mine.id, "ghost")
        assert caught.value.field == "owner"


def test_lead_hand_off_gives_the_lead_and_a_task_to_one_owner(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        opp_id = create_opportunity(uow, customer_id=world["account"], name="a", amount=1,
                                    expected_close="2026-05-01").id
        task_id = hand_off_lead(uow, world["account"], "li", with_opportunities=True)
    with sales_app.transaction() as uow:
        task = uow.session.get(Task, task_id)
        assert task is not None and task.source == "sales.lead" and task.due_at == day(1)
        li = uow.session.exec(text("SELECT id FROM staff WHERE username = 'li'")).scalar_one()
        assert task.assignee_id == li
        assert get_opportunity(uow, opp_id).owner_id == li
        assert customer_360(uow, world["account"]).owner == "li"


def test_an_agent_may_hand_his_lead_to_another_team(sales_app: App, world: dict) -> None:
    """Once li (another team) owns it, wang no longer sees the account: the hand-off
    must still finish (it used to fail re-reading the customer as wang)."""
    with sales_app.transaction(now=day(0), as_user="wang") as uow:
        opp_id = create_opportunity(uow, customer_id=world["account"], name="a", amount=1,
                                    expected_close="2026-05-01").id
        task_id = hand_off_lead(uow, world["account"], "li", with_opportunities=True)
    with sales_app.transaction(as_user="li") as uow:
        assert customer_360(uow, world["account"]).owner == "li"
        assert get_opportunity(uow, opp_id).owner_id == uow.actor_id
        task = uow.session.get(Task, task_id)
        assert task is not None and task.assignee_id == uow.actor_id
    with pytest.raises(NotFoundError), sales_app.transaction(as_user="wang") as uow:
        customer_360(uow, world["account"])


def test_contacts_and_competitors_must_fit_the_account(sales_app: App, world: dict) -> None:
    cases = [({"contact_id": world["other"]}, "contact"),
             ({"competitors": [world["other"]]}, "competitors"),
             ({"competitors": [world["account"]]}, "competitors"),
             ({"competitors": [99999]}, "competitors")]
    for change, field in cases:
        with pytest.raises(ValidationError) as caught, sales_app.transaction(now=day(0)) as uow:
            create_opportunity(uow, customer_id=world["account"], name="x", amount=1,
                               expected_close="2026-05-01", **change)
        assert caught.value.field == field


def test_update_changes_fields_and_replaces_competitors(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        second = add_competitor(uow, customer_id=world["other"], products="挖掘机").customer_id
        opp = create_opportunity(uow, customer_id=world["account"], name="x", amount=1,
                                 expected_close="2026-05-01", competitors=[world["rival"]])
        update_opportunity(uow, opp.id, name="y", amount="99.90", probability=33,
                           expected_close="2026-07-01", approach="试用", competitors=[second])
    with sales_app.transaction() as uow:
        detail = opportunity_detail(uow, opp.id)
        assert "competitor" in customer_360(uow, world["other"]).customer.roles
    row = detail.opportunity
    assert (row.name, row.amount, row.probability, row.expected_close, detail.approach) == (
        "y", Decimal("99.90"), 33, dt.date(2026, 7, 1), "试用")
    assert detail.competitors == [(second, "宏达建设")]
    with pytest.raises(ValidationError) as caught, sales_app.transaction() as uow:
        update_opportunity(uow, opp.id, stage="won")
    assert caught.value.field == "stage"


def test_competitors_are_listed_with_our_record_against_them(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        for n, outcome in enumerate(["won", "lost", "lost", "open"]):
            opp = create_opportunity(uow, customer_id=world["account"], name=f"o{n}", amount=1,
                                     expected_close="2026-05-01", competitors=[world["rival"]])
            if outcome == "won":
                win_opportunity(uow, opp.id)
            elif outcome == "lost":
                lose_opportunity(uow, opp.id, "price")
    with sales_app.transaction() as uow:
        [row] = list_competitors(uow)
    assert (row.name, row.strengths, row.weaknesses) == ("远大", "价格低", "售后差")
    assert row.scale == "大型"
    assert (row.open, row.won, row.lost, row.win_rate) == (1, 1, 2, pytest.approx(1 / 3, abs=1e-4))


def test_the_account_view_shows_contacts_and_open_business(sales_app: App, world: dict) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        create_opportunity(uow, customer_id=world["account"], name="open one", amount=100,
                           expected_close="2026-05-01")
        closed = create_opportunity(uow, customer_id=world["account"], name="won one",
                                    amount=200, expected_close="2026-05-01")
        win_opportunity(uow, closed.id)
        view = account_view(uow, world["account"])
        section = customer_360(uow, world["account"]).sections
    assert view.owner == "wang"
    assert view.contact_info["fax"] == ["021-5555 0001"]
    assert view.contact_info["web"] == ["https://ht.example.cn"]
    assert [(c["name"], c["email"]) for c in view.contacts] == [("李经理", "li@ht.cn")]
    assert [o.name for o in view.opportunities] == ["open one"]
    [sales] = [s for s in section if "sales" in s.title]
    assert dict(sales.rows) == {"open opportunities": "1 (100.00)",
                                "won opportunities": "1 (200.00)"}


def test_core_customers_are_flagged_once_when_contact_is_overdue(
    sales_app: App, world: dict
) -> None:
    with pytest.raises(ValidationError) as caught, sales_app.transaction(now=day(0)) as uow:
        set_core_customer(uow, world["pool"], period_days=30)  # nobody owns it
    assert caught.value.field == "owner"
    with pytest.raises(ValidationError) as caught, sales_app.transaction(now=day(0)) as uow:
        set_core_customer(uow, world["account"], period_days=0)
    assert caught.value.field == "period"
    with sales_app.transaction(now=day(0)) as uow:
        set_core_customer(uow, world["account"], period_days=14)
        set_core_customer(uow, world["pool"], owner="li")  # the default period, 30 days
        # A contact with the account's person counts; an internal note does not.
        log_interaction(uow, customer_id=world["person"], kind="core.contact", channel="phone",
                        direction="outbound", occurred_at=day(-2), payload={"summary": "x"})
        log_interaction(uow, customer_id=world["account"], kind="core.note",
                        occurred_at=day(0), direction="internal", payload={"text": "x"})
    with sales_app.transaction(now=day(5)) as uow:
        rows = {r.customer_id: r for r in list_core_customers(uow)}
    assert rows[world["account"]].last_contact == day(-2)
    assert rows[world["account"]].next_due == day(12)
    assert rows[world["pool"]].next_due == day(30)  # never contacted: from its creation
    assert not any(r.overdue for r in rows.values())
    with sales_app.transaction(now=day(13)) as uow:
        assert check_core_cadence(uow, day(13)) == "flagged 1 of 1 overdue core customers"
    with sales_app.transaction(now=day(14)) as uow:  # still overdue, already flagged
        assert check_core_cadence(uow, day(14)) == "flagged 0 of 1 overdue core customers"
        tasks = uow.session.exec(select(Task).where(Task.source == "sales.core_cadence")).all()
        assert len(tasks) == 1 and tasks[0][0].customer_id == world["account"]
        log_interaction(uow, customer_id=world["account"], kind="core.contact", channel="visit",
                        direction="outbound", occurred_at=day(14), payload={"summary": "visit"})
    with sales_app.transaction(now=day(27)) as uow:  # next due: the account day 28, pool 30
        assert check_core_cadence(uow, day(27)) == "flagged 0 of 0 overdue core customers"
    with sales_app.transaction(now=day(31)) as uow:
        assert check_core_cadence(uow, day(31)) == "flagged 2 of 2 overdue core customers"
        owners = dict(uow.session.exec(
            select(Task.customer_id, Staff.username).join(Staff, Staff.id == Task.assignee_id)
            .where(Task.source == "sales.core_cadence", Task.due_at > day(30))).all())
    assert owners == {world["account"]: "wang", world["pool"]: "li"}


def test_the_cadence_job_is_registered(sales_app: App) -> None:
    job = sales_app.registry.jobs["sales.core_cadence"]
    assert job.daily_at == dt.time(7, 0) and job.func is check_core_cadence


def test_export_and_erasure_cover_opportunities(sales_app: App) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        add_staff(uow, username="wang", display_name="王芳")
        person = add_customer(uow, name="张三", owner="wang")
        opp = create_opportunity(uow, customer_id=person.id, name="张三 买车",
                                 amount=100000, expected_close="2026-05-01",
                                 approach="张三喜欢红色")
        exported = export_personal_data(uow, person.id)
    assert json.dumps(exported, ensure_ascii=False, default=str).count("张三喜欢红色") == 1
    assert exported["plugins"]["sales"]["opportunities"][0]["approach"] == "张三喜欢红色"
    with sales_app.transaction(now=day(1)) as uow:
        erase_customer(uow, person.id, reason="data subject request")
    with sales_app.engine.connect() as c:
        row = c.execute(select(Opportunity.__table__)).mappings().one()
    assert "张三" not in json.dumps(dict(row), ensure_ascii=False, default=str)
    assert row["amount"] == Decimal("100000.00") and row["id"] == opp.id  # aggregates stay


def test_permissions_are_checked(sales_app: App, world: dict) -> None:
    with pytest.raises(AccessDenied), sales_app.transaction(as_user="zhao") as uow:
        create_opportunity(uow, customer_id=world["account"], name="x", amount=1,
                           expected_close="2026-05-01")
    assert count(sales_app, "sales_opportunity") == 0


def test_an_agent_sees_only_the_opportunities_of_customers_he_may_see(
    sales_app: App, world: dict
) -> None:
    with sales_app.transaction(now=day(0)) as uow:
        mine = create_opportunity(uow, customer_id=world["account"], name="mine", amount=1,
                                  expected_close="2026-05-01", competitors=[world["rival"]])
        theirs = create_opportunity(uow, customer_id=world["other"], name="theirs", amount=1,
                                    expected_close="2026-05-01", competitors=[world["rival"]])
        pool = create_opportunity(uow, customer_id=world["pool"], name="pool", amount=1,
                                  expected_close="2026-05-01", owner="li")
    with sales_app.transaction(as_user="wang") as uow:
        assert {o.name for o in list_opportunities(uow, status=None)} == {"mine", "pool"}
        with pytest.raises(NotFoundError):
            get_opportunity(uow, theirs.id)
        with pytest.raises(NotFoundError):
            move_opportunity(uow, theirs.id, "proposal")
        links = uow.session.exec(select(func.count()).select_from(OpportunityCompetitor)).one()
        changes = uow.session.exec(select(StageChange.opportunity_id)).scalars().all()
        assert list_competitors(uow)[0].open == 1  # his own opportunity against it
    assert links == (1,) and set(changes) == {mine.id, pool.id}
    with sales_app.transaction(as_user="li") as uow:
        assert {o.name for o in list_opportunities(uow)} == {"theirs", "pool"}
    with sales_app.transaction() as uow:
        assign_opportunity(uow, mine.id, "li")
    with sales_app.transaction(as_user="li") as uow:  # his now, on an account he cannot see
        assert move_opportunity(uow, mine.id, "proposal").stage == "proposal"
        assert list_opportunities(uow, status=None)[0].customer is None
        win_opportunity(uow, mine.id)
    with sales_app.engine.connect() as c:
        kinds = c.execute(select(Interaction.kind).where(
            Interaction.customer_id == world["account"]).order_by(Interaction.id)).scalars().all()
    assert kinds[-3:] == ["sales.stage_changed", "sales.opportunity_won", "sales.order"]


# ----------------------------------------------------------------------------- CLI


@pytest.fixture
def sales_cli(tmp_path: Path, database_url: str) -> GuanxiCli:
    gx = GuanxiCli(tmp_path / "crm", database_url, plugins=["sales"])
    gx("init", "--db", database_url)
    return gx


def test_the_command_line_covers_the_opportunity_life(sales_cli: GuanxiCli) -> None:
    gx = sales_cli
    gx("staff", "add", "wang", "王芳")
    gx("staff", "add", "li", "李强")
    gx("access", "grant", "wang", "agent")
    account = gx.json("sales", "account", "add", "恒通机械", "--owner", "wang",
                      "--fax", "021-5555 0001", "--web", "https://ht.example.cn",
                      "--address", "徐州市 1 号")["id"]
    rival = gx.json("sales", "competitor", "add", "远大", "--strengths", "价格低",
                    "--scale", "大型")["customer_id"]
    opened = gx.json("sales", "opportunity", "add", str(account), "挖掘机", "--amount", "1000.50",
                     "--close", "2030-01-31", "--competitor", str(rival), "--source", "lead",
                     as_user="wang")
    oid = str(opened["opportunity"]["id"])
    assert opened["opportunity"]["owner"] == "wang"
    moved = gx.json("sales", "opportunity", "move", oid, "proposal", as_user="wang")
    assert moved["opportunity"]["probability"] == 50
    assert "field 'stage'" in gx.fails("sales", "opportunity", "move", oid, "nowhere")
    assert "field 'reason'" in gx.fails("sales", "opportunity", "lose", oid, "--reason", "bad")
    assert "field 'amount'" in gx.fails("sales", "opportunity", "add", str(account), "x",
                                        "--amount", "-3", "--close", "2030-01-01")
    assert "field 'expected_close'" in gx.fails("sales", "opportunity", "add", str(account), "x",
                                                "--amount", "3", "--close", "1990-01-01")
    assert "field 'probability'" in gx.fails("sales", "opportunity", "add", str(account), "x",
                                             "--amount", "3", "--close", "2030-01-01",
                                             "--probability", "120")
    listed = gx.json("sales", "opportunity", "list")
    assert [(o["id"], o["stage"], o["weighted"]) for o in listed] == [(int(oid), "proposal",
                                                                       "500.25")]
    gx("sales", "opportunity", "assign", oid, "li")
    won = gx.json("sales", "opportunity", "win", oid)
    assert won["opportunity"]["status"] == "won"
    assert "field 'status'" in gx.fails("sales", "opportunity", "move", oid, "negotiation")
    shown = gx.json("sales", "opportunity", "show", oid)
    assert [s["to_stage"] for s in shown["history"]] == ["qualification", "proposal", "won"]
    assert "stage history" in gx("sales", "opportunity", "show", oid).stdout
    view = gx.json("sales", "account", "show", str(account))
    assert view["contact_info"]["fax"] == ["021-5555 0001"] and view["owner"] == "wang"
    assert gx.json("sales", "competitor", "list")[0]["win_rate"] == 1.0
    core = gx.json("sales", "core", "set", str(account), "--period", "21")
    assert core["period_days"] == 21 and core["owner"] == "wang"
    assert [r["id"] for r in gx.json("sales", "core", "list")] == [account]
    stages = gx.json("sales", "pipeline", "list")
    assert [s["stage"] for s in stages][:2] == ["qualification", "needs_analysis"]
    assert "handed" in gx("sales", "lead", "assign", str(account), "li").stdout
    assert gx.fails("sales", "opportunity", "show", "99") == "error: no opportunity with id 99"
    second = gx.json("sales", "opportunity", "add", str(account), "配件", "--amount", "10",
                     "--close", "2030-02-01")["opportunity"]["id"]
    updated = gx.json("sales", "opportunity", "update", str(second), "--amount", "20.5",
                      "--probability", "40", "--approach", "试用", "--competitor", str(rival))
    assert (updated["opportunity"]["amount"], updated["opportunity"]["probability"]) == (
        "20.50", 40)
    assert updated["approach"] == "试用" and updated["competitors"] == [[rival, "远大"]]
    assert "远大" in gx("sales", "competitor", "show", str(rival)).stdout
    assert "proposal" in gx("sales", "report", "funnel").stdout
    assert "win/loss by owner" in gx("sales", "report", "win-loss").stdout
    assert "2030-Q1" in gx("sales", "report", "forecast", "--by", "team").stdout
    assert "恒通机械" in gx("sales", "account", "show", str(account)).stdout
    assert "no longer" in gx("sales", "core", "remove", str(account)).stdout
    assert gx.json("sales", "core", "list") == []
