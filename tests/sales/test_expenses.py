"""Expense reports (开支报销): claims, decisions, totals per salesperson and period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import AuditEntry
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi.testing import GuanxiCli
from guanxi_sales.expenses import (
    ExpenseTotal,
    approve_expense,
    expense_report,
    expense_report_for_cli,
    get_expense,
    list_expenses,
    reject_expense,
    submit_expense,
    totals,
)
from guanxi_sales.models import Expense

NOW = dt.datetime(2026, 7, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 on 10 July in Shanghai
D = Decimal


class World:
    """华东 (lead wang; li, chen) under 销售部 (lead boss); zhao in 华北; root is admin."""

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
                add_staff(uow, username=user, display_name=user.title())
                if team:
                    add_member(uow, team=team, staff=user, lead=lead)
                grant_role(uow, staff=user, role=role)
            self.hengtong = add_customer(uow, kind="organization", name="恒通", owner="li").id
            self.zhang = add_customer(
                uow, name="张三", organization_id=self.hengtong, owner="li"
            ).id

    def claim(self, as_user: str | None = "li", now: dt.datetime = NOW, **fields: Any) -> int:
        fields.setdefault("spent_on", "2026-07-01")
        fields.setdefault("category", "travel")
        fields.setdefault("amount", "10.00")
        fields.setdefault("description", "出租车")
        with self.app.transaction(as_user=as_user, now=now) as uow:
            return submit_expense(uow, **fields).id  # type: ignore[return-value]

    def decide(self, as_user: str | None, expense_id: int, approve: bool = True) -> None:
        with self.app.transaction(as_user=as_user, now=NOW) as uow:
            if approve:
                approve_expense(uow, expense_id)
            else:
                reject_expense(uow, expense_id, reason="no receipt")


@pytest.fixture
def world(sales_app: App) -> World:
    return World(sales_app)


def stored(app: App) -> int:
    with app.transaction() as uow:
        return uow.session.exec(select(func.count()).select_from(Expense)).one()


def test_a_claim_is_stored_exactly(world: World) -> None:
    eid = world.claim(
        amount="1234.5", customer_id=world.zhang, category="meals", description=" 客户午餐 "
    )
    with world.app.transaction(as_user="li", now=NOW) as uow:
        expense = get_expense(uow, eid)
        assert (expense.amount, expense.category, expense.description, expense.status) == (
            D("1234.50"),
            "meals",
            "客户午餐",
            "submitted",
        )
        assert expense.spent_on == dt.date(2026, 7, 1) and expense.customer_id == world.zhang
    # "Today" is the display time zone's: at 20:00 UTC on 9 July it is already 04:00 on
    # 10 July in Shanghai, so the 10th is not in the future; the 11th is.
    evening = dt.datetime(2026, 7, 9, 20, 0, tzinfo=dt.UTC)
    assert world.claim(now=evening, spent_on=dt.date(2026, 7, 10)) > eid
    with pytest.raises(ValidationError, match="field 'spent_on': 2026-07-11 is in the future"):
        world.claim(now=evening, spent_on=dt.date(2026, 7, 11))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"category": "golf"}, "category"),
        ({"spent_on": "2026-07-11"}, "spent_on"),  # tomorrow in Shanghai
        ({"spent_on": "July 1st"}, "spent_on"),
        ({"description": "   "}, "description"),
        ({"customer_id": 999_999}, "customer_id"),
        ({"opportunity_id": 999_999}, "opportunity_id"),
        ({"staff": "nobody"}, "staff"),
    ],
)
def test_bad_claims_are_refused_naming_the_field_and_nothing_is_stored(
    world: World, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        world.claim(**fields)
    message = str(caught.value)
    assert message.startswith(f"field {field!r}: ") and "\n" not in message
    assert stored(world.app) == 0


def test_categories_are_a_setting(make_sales_app: Any) -> None:
    app = make_sales_app(settings={"sales": {"expense_categories": ["golf"]}})
    world = World(app)
    assert world.claim(category="golf") > 0
    with pytest.raises(ValidationError, match="unknown category 'travel' \\(one of golf\\)"):
        world.claim(category="travel")


def test_who_may_decide_a_claim(world: World) -> None:
    first, second, third = (world.claim(customer_id=world.hengtong) for _ in range(3))
    own = world.claim(as_user="wang", customer_id=world.hengtong)
    with pytest.raises(AccessDenied, match="wang may not decide his own expense"):
        world.decide("wang", own)
    with pytest.raises(AccessDenied, match="chen may not decide expenses of staff outside"):
        world.decide("chen", first)  # a teammate, not the lead
    world.decide("wang", first)  # the lead of li's team
    world.decide("boss", second, approve=False)  # the lead of the team above
    world.decide("root", third)  # an admin
    world.decide(None, own)  # the system
    with pytest.raises(ValidationError, match="field 'status': expense .* is approved"):
        world.decide("root", first, approve=False)
    with (
        pytest.raises(ValidationError, match="field 'reason': is required"),
        world.app.transaction(as_user="root", now=NOW) as uow,
    ):
        reject_expense(uow, own, reason=" ")
    with world.app.transaction() as uow:
        statuses = [e.status for e in list_expenses(uow)]
        decisions = uow.session.exec(
            select(AuditEntry.actor, AuditEntry.detail)
            .where(AuditEntry.entity == "sales.expense", AuditEntry.detail.is_not(None))  # type: ignore[union-attr]
            .order_by(AuditEntry.id)
        ).all()
    assert statuses == ["approved", "rejected", "approved", "approved"]
    assert [tuple(d) for d in decisions] == [
        ("wang", "wang may not decide his own expense"),
        ("chen", "chen may not decide expenses of staff outside the teams he leads"),
        ("wang", "expense approved"),
        ("boss", "expense rejected: no receipt"),
        ("root", "expense approved"),
        ("system", "expense approved"),
    ]


def test_record_policies_decide_who_sees_a_claim(world: World) -> None:
    li_on_customer = world.claim(customer_id=world.hengtong)
    li_alone = world.claim()
    zhaos = world.claim(as_user="zhao")

    def seen(user: str) -> list[int]:
        with world.app.transaction(as_user=user, now=NOW) as uow:
            return [e.id for e in list_expenses(uow)]  # type: ignore[misc]

    assert seen("li") == [li_on_customer, li_alone]
    assert seen("chen") == [li_on_customer]  # sees the team's customer, not li's own claims
    assert seen("zhao") == [zhaos]
    assert seen("root") == [li_on_customer, li_alone, zhaos]
    with pytest.raises(NotFoundError), world.app.transaction(as_user="zhao", now=NOW) as uow:
        get_expense(uow, li_alone)


def add_history(world: World) -> None:
    """wang and li's claims over the second quarter (and one on either side of it)."""
    for user, day, category, amount, decision in (
        ("wang", "2026-03-31", "travel", "5.00", None),
        ("wang", "2026-04-05", "travel", "100.00", True),
        ("wang", "2026-04-20", "meals", "20.50", None),
        ("wang", "2026-05-02", "travel", "30.25", False),
        ("wang", "2026-06-30", "other", "9.99", None),
        ("li", "2026-05-15", "travel", "200.00", True),
        ("li", "2026-07-01", "travel", "1.00", None),
    ):
        eid = world.claim(as_user=user, spent_on=day, category=category, amount=amount)
        if decision is not None:
            world.decide("root", eid, approve=decision)


def line(
    staff: str,
    period: str,
    count: int,
    submitted: str,
    approved: str,
    rejected: str,
    category: str | None = None,
) -> ExpenseTotal:
    return ExpenseTotal(
        staff,
        period,
        category,
        count,
        D(submitted),
        D(approved),
        D(rejected),
        D(submitted) + D(approved),
    )


def test_totals_per_salesperson_and_month(world: World) -> None:
    add_history(world)
    with world.app.transaction(as_user="root", now=NOW) as uow:
        report = expense_report(uow, start="2026-04-01", end="2026-06-30")
    assert report == [
        line("li", "2026-05", 1, "0", "200.00", "0"),
        line("wang", "2026-04", 2, "20.50", "100.00", "0"),
        line("wang", "2026-05", 1, "0", "0", "30.25"),
        line("wang", "2026-06", 1, "9.99", "0", "0"),
    ]
    assert totals(report) == {
        "count": 5,
        "submitted": D("30.49"),
        "approved": D("300.00"),
        "rejected": D("30.25"),
        "claimed": D("330.49"),
    }


def test_totals_per_quarter_and_category(world: World) -> None:
    add_history(world)
    with world.app.transaction(as_user="root", now=NOW) as uow:
        quarters = expense_report(uow, period="quarter")
        wang = expense_report(
            uow, period="quarter", staff="wang", by_category=True, start="2026-04-01"
        )
        with pytest.raises(ValidationError, match="field 'period': unknown period 'week'"):
            expense_report(uow, period="week")
    assert quarters == [
        line("li", "2026-Q2", 1, "0", "200.00", "0"),
        line("li", "2026-Q3", 1, "1.00", "0", "0"),
        line("wang", "2026-Q1", 1, "5.00", "0", "0"),
        line("wang", "2026-Q2", 4, "30.49", "100.00", "30.25"),
    ]
    assert wang == [
        line("wang", "2026-Q2", 1, "20.50", "0", "0", "meals"),
        line("wang", "2026-Q2", 1, "9.99", "0", "0", "other"),
        line("wang", "2026-Q2", 2, "0", "100.00", "30.25", "travel"),
    ]


def test_the_report_counts_only_what_the_user_may_see(world: World) -> None:
    add_history(world)
    with world.app.transaction(as_user="li", now=NOW) as uow:
        result = expense_report_for_cli(uow, period="quarter")
    assert [(t.staff, t.period) for t in result["lines"]] == [("li", "2026-Q2"), ("li", "2026-Q3")]
    assert result["totals"]["claimed"] == D("201.00")


def test_erasure_clears_descriptions_and_keeps_amounts(world: World) -> None:
    about = world.claim(customer_id=world.zhang, description="张三 的生日礼物", amount="88.00")
    other = world.claim(customer_id=world.hengtong, description="会议茶歇")
    with world.app.transaction() as uow:
        exported = export_personal_data(uow, world.zhang)["plugins"]["sales"]["expenses"]
        assert [e["id"] for e in exported] == [about]
        erase_customer(uow, world.zhang, reason="request")
    with world.app.transaction() as uow:
        rows = {e.id: e for e in uow.session.exec(select(Expense))}
    assert (rows[about].description, rows[about].amount) == ("[erased]", D("88.00"))
    assert rows[other].description == "会议茶歇"


# --------------------------------------------------------------------------- command line


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    guanxi = GuanxiCli(tmp_path / "crm", database_url, plugins=["sales"])
    guanxi("init", "--db", database_url)
    guanxi("team", "add", "华东")
    guanxi("staff", "add", "wang", "王芳", "--team", "华东", "--lead")
    guanxi("staff", "add", "li", "李强", "--team", "华东")
    for user in ("wang", "li"):
        guanxi("access", "grant", user, "agent")
    guanxi("customer", "add", "恒通", "--org-kind", "--owner", "li")
    return guanxi


def test_cli_claim_list_decide_report(gx: GuanxiCli) -> None:
    added = gx.json(
        "--as",
        "li",
        "sales",
        "expense",
        "add",
        "高铁票",
        "--amount",
        "553.5",
        "--category",
        "travel",
        "--on",
        "2026-05-03",
        "--customer",
        "1",
    )
    assert (added["amount"], added["status"], added["customer_id"]) == ("553.50", "submitted", 1)
    gx(
        "--as",
        "li",
        "sales",
        "expense",
        "add",
        "午餐",
        "--amount",
        "80",
        "--category",
        "meals",
        "--on",
        "2026-05-20",
    )
    gx(
        "--as",
        "li",
        "sales",
        "expense",
        "add",
        "话费",
        "--amount",
        "50",
        "--category",
        "telephone",
        "--on",
        "2026-07-02",
    )
    assert gx("--as", "wang", "sales", "expense", "approve", "1").stdout.strip() == (
        "expense 1 approved"
    )
    assert gx.fails("--as", "li", "sales", "expense", "approve", "2") == (
        "error: li may not decide his own expense"
    )
    gx("sales", "expense", "reject", "2", "--reason", "超标")
    listed = gx.json(
        "--as", "li", "sales", "expense", "list", "--from", "2026-05-01", "--to", "2026-05-31"
    )
    assert [(e["id"], e["amount"], e["status"]) for e in listed] == [
        (1, "553.50", "approved"),
        (2, "80.00", "rejected"),
    ]
    report = gx.json("sales", "expense", "report", "--period", "quarter")
    assert report["lines"] == [
        {
            "staff": "li",
            "period": "2026-Q2",
            "category": None,
            "count": 2,
            "submitted": "0.00",
            "approved": "553.50",
            "rejected": "80.00",
            "claimed": "553.50",
        },
        {
            "staff": "li",
            "period": "2026-Q3",
            "category": None,
            "count": 1,
            "submitted": "50.00",
            "approved": "0.00",
            "rejected": "0.00",
            "claimed": "50.00",
        },
    ]
    assert report["totals"]["claimed"] == "603.50"
    text = gx("sales", "expense", "report").stdout
    assert "2026-05" in text and "2026-07" in text
    assert "total: 3 claims, claimed 603.50 (approved 553.50, rejected 80.00)" in text
    via_reports = gx.json("report", "run", "sales.expenses", "--option", "period=quarter")
    assert via_reports["totals"] == report["totals"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--amount", "-12.00", "--category", "travel"],
            "error: field 'amount': -12.00 is negative",
        ),
        (
            ["--amount", "12", "--category", "golf"],
            "error: field 'category': unknown category 'golf'",
        ),
        (
            ["--amount", "12", "--category", "travel", "--on", "2999-01-01"],
            "error: field 'spent_on': 2999-01-01 is in the future",
        ),
        (
            ["--amount", "12", "--category", "travel", "--customer", "nobody@x.cn"],
            "error: field 'customer_id': ",
        ),
    ],
)
def test_cli_refuses_bad_claims_in_one_line(gx: GuanxiCli, args: list[str], message: str) -> None:
    line_ = gx.fails("--as", "li", "sales", "expense", "add", "x", *args)
    assert line_.startswith(message), line_
    assert gx.json("sales", "expense", "list") == []
