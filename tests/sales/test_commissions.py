"""Targets and commissions: periods, rule choice, attainment tiers, quote lines, access, CLI.

The expected commissions are computed by hand next to each assertion.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from guanxi.app import App, create_app
from guanxi.cli import cli
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, get_staff, grant_role
from guanxi_sales.commissions import (
    commission_report,
    list_targets,
    period_bounds,
    period_of,
    pick_rule,
    set_target,
)
from guanxi_sales.models import Opportunity
from guanxi_sales.products import add_product
from guanxi_sales.quotes import accept_quote, create_quote, reject_quote
from guanxi_sales.settings import DEFAULT_PIPELINE, CommissionRule

D = Decimal
MAY_1 = dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
RULES = [
    {"description": "base", "rate": "0.03"},
    {"description": "below half of target", "rate": "0.01", "max_attainment": "0.5"},
    {"description": "target met", "rate": "0.05", "min_attainment": "1.0"},
    {"description": "sensors", "rate": "0.08", "product": "P-100"},
    {
        "description": "sensors, target met",
        "rate": "0.10",
        "product": "P-100",
        "min_attainment": "1.0",
    },
    {"description": "key accounts", "rate": "0.04", "pipeline": "key"},
]
SETTINGS = {
    "sales": {
        "commission_rules": RULES,
        "pipelines": {
            "default": DEFAULT_PIPELINE.model_dump(),
            "key": DEFAULT_PIPELINE.model_dump(),
        },
    }
}


def _rules() -> list[CommissionRule]:
    return [CommissionRule.model_validate(rule) for rule in RULES]


# --------------------------------------------------------------------------- periods, rules


def test_periods() -> None:
    assert period_bounds("2026-05") == (dt.date(2026, 5, 1), dt.date(2026, 6, 1))
    assert period_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    assert period_bounds("2026-Q2") == (dt.date(2026, 4, 1), dt.date(2026, 7, 1))
    assert period_bounds("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    for bad in ("2026-13", "2026-Q5", "May", "2026-5", "2026-00"):
        with pytest.raises(ValidationError, match="not a month"):
            period_bounds(bad)
    assert period_of(dt.date(2026, 6, 30), "month") == "2026-06"
    assert period_of(dt.date(2026, 6, 30), "quarter") == "2026-Q2"
    assert period_of(dt.date(2026, 10, 1), "quarter") == "2026-Q4"


def test_most_specific_rule_then_highest_rate() -> None:
    rules = _rules()

    def chosen(product: str | None, pipeline: str, won: str, target: str | None) -> str | None:
        picked = pick_rule(
            rules,
            product=product,
            pipeline=pipeline,
            won=D(won),
            target=D(target) if target else None,
        )
        return None if picked is None else picked[1].description

    assert chosen(None, "default", "500", None) == "base"  # no target: no tier applies
    assert chosen(None, "default", "4999.99", "10000") == "below half of target"
    assert chosen(None, "default", "5000", "10000") == "base"  # max is exclusive
    assert chosen(None, "default", "10000", "10000") == "target met"  # min is inclusive
    assert chosen("P-100", "default", "7000", "10000") == "sensors"
    assert chosen("P-100", "default", "12000", "10000") == "sensors, target met"
    assert chosen("S-200", "default", "12000", "10000") == "target met"
    # Product-less business never gets a product rule.
    assert chosen(None, "default", "12000", "10000") == "target met"
    # Equally specific (one condition each): the higher rate wins.
    assert chosen(None, "key", "1000", "10000") == "key accounts"  # 4 % over 1 %
    assert chosen("P-100", "default", "1000", "10000") == "sensors"  # 8 % over 1 %
    # Equal rank: the earlier rule.
    twins = [
        CommissionRule(description="a", rate=D("0.02"), pipeline="x"),
        CommissionRule(description="b", rate=D("0.02"), product="P"),
    ]
    assert pick_rule(twins, product="P", pipeline="x", won=D(1), target=None)[0] == 0  # type: ignore[index]
    assert pick_rule(twins[1:], product=None, pipeline="x", won=D(1), target=None) is None


# --------------------------------------------------------------------------- the report


@pytest.fixture
def books(make_sales_app: Callable[..., App]) -> App:
    """Three salespeople's won business in April–June 2026 (see the test for the figures)."""
    app = make_sales_app(settings=copy.deepcopy(SETTINGS))  # make_app adds to it
    with app.transaction(now=MAY_1) as uow:
        for username, name in (("chen.a", "陈一"), ("li.b", "李二"), ("wang.c", "王三")):
            add_staff(uow, username=username, display_name=name)
            grant_role(uow, staff=username, role="agent")
        accounts = {
            u: add_customer(uow, name=f"{u} 的客户", kind="organization", owner=u).id
            for u in ("chen.a", "li.b", "wang.c")
        }
        nobody = add_customer(uow, name="无主客户", kind="organization").id
        add_product(uow, sku="P-100", name="传感器", list_price="100.00")
        add_product(uow, sku="S-200", name="服务", list_price="33.33", tax_rate="0.06")
        staff_ids = {u: get_staff(uow, u).id for u in accounts}

        def opp(
            owner: str | None,
            amount: str,
            closed: dt.datetime | None,
            *,
            status: str = "won",
            pipeline: str = "default",
            account: str | None = None,
        ) -> int:
            row = Opportunity(
                customer_id=accounts[account or owner] if (account or owner) else nobody,
                name=f"{owner} {amount}",
                pipeline=pipeline,
                stage="won" if status == "won" else "proposal",
                status=status,
                amount=D(amount),
                probability=100,
                expected_close=dt.date(2026, 5, 20),
                owner_id=staff_ids[owner] if owner else None,
                closed_at=closed,
                created_at=MAY_1,
                updated_at=MAY_1,
            )
            uow.session.add(row)
            uow.session.flush()
            assert row.id is not None
            return row.id

        may = dt.datetime(2026, 5, 10, 4, 0, tzinfo=dt.UTC)
        plain = opp("chen.a", "6000.00", may)
        quoted = opp("chen.a", "5000.00", None, status="open")
        # 20:00 UTC on 31 May is 04:00 on 1 June in Shanghai: June, not May.
        opp("chen.a", "2000.00", dt.datetime(2026, 5, 31, 20, 0, tzinfo=dt.UTC))
        opp("li.b", "8000.00", may, pipeline="key")
        opp("wang.c", "1000.00", may)
        opp("wang.c", "500.00", dt.datetime(2026, 4, 15, 4, 0, tzinfo=dt.UTC))
        opp("wang.c", "9999.00", None, status="lost")
        opp("chen.a", "7777.00", dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC))  # 31 Mar 23:00
        opp(None, "3000.00", may)
        # The quoted opportunity: 40 × 100.00 = 4000.00 and 30 × 33.33 = 999.90, accepted;
        # an earlier rejected quote on the plain one does not count.
        number = create_quote(
            uow,
            customer_id=accounts["chen.a"],
            opportunity_id=quoted,
            lines=[{"product": "P-100", "quantity": 40}, {"product": "S-200", "quantity": 30}],
        ).quote.number
        accept_quote(uow, number)
        rejected = create_quote(
            uow,
            customer_id=accounts["chen.a"],
            opportunity_id=plain,
            lines=[{"product": "P-100", "quantity": 60}],
        ).quote.number
        reject_quote(uow, rejected)
        won = uow.session.get(Opportunity, quoted)
        assert won is not None
        won.status, won.closed_at = "won", may
        set_target(uow, "chen.a", "2026-05", "10000")
        set_target(uow, "li.b", "2026-05", "20000.00")
        set_target(uow, "chen.a", "2026-Q2", "40000")
    return app


def test_monthly_commissions_with_tiers_and_quote_lines(books: App) -> None:
    with books.transaction() as uow:
        report = commission_report(uow, "2026-05")
    assert (report.period, report.start, report.end) == (
        "2026-05",
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 1),
    )
    people = {p.username: p for p in report.people}
    assert list(people) == ["chen.a", "li.b", "wang.c"]
    chen = people["chen.a"]
    # Won 6000 + 5000 = 11000 of 10000: attainment 1.1, the "target met" tiers apply.
    assert (chen.target, chen.won, chen.attainment) == (D("10000.00"), D("11000.00"), D("1.1000"))
    assert [
        (ln.quote is not None, ln.product, ln.base, ln.rule_description, ln.rate, ln.commission)
        for ln in chen.lines
    ] == [
        (False, None, D("6000.00"), "target met", D("0.05"), D("300.00")),  # 6000 × 5 %
        (True, "P-100", D("4000.00"), "sensors, target met", D("0.10"), D("400.00")),
        (True, "S-200", D("999.90"), "target met", D("0.05"), D("50.00")),  # 49.995 → 50.00
    ]
    assert chen.commission == D("750.00")
    assert [ln.rule for ln in chen.lines] == [3, 5, 3]
    li = people["li.b"]
    # 8000 of 20000 = 0.4: "below half" (1 %) and "key accounts" (4 %) tie on
    # specificity; the higher rate wins. 8000 × 4 % = 320.00
    assert (li.attainment, li.commission) == (D("0.4000"), D("320.00"))
    assert li.lines[0].rule_description == "key accounts"
    wang = people["wang.c"]
    # No target: only rules without an attainment range. 1000 × 3 % = 30.00
    assert (wang.target, wang.attainment, wang.commission) == (None, None, D("30.00"))
    assert wang.lines[0].rule_description == "base"
    assert report.total == D("1100.00")
    assert report.unowned == 1


def test_quarterly_commissions(books: App) -> None:
    with books.transaction() as uow:
        report = commission_report(uow, "2026-Q2")
    people = {p.username: p for p in report.people}
    chen = people["chen.a"]
    # 6000 + 5000 + 2000 (1 June local) = 13000 of 40000 = 0.325: "below half" (1 %),
    # except P-100, where "sensors" (8 %) is as specific and higher.
    assert (chen.won, chen.attainment) == (D("13000.00"), D("0.3250"))
    assert [ln.commission for ln in chen.lines] == [
        D("60.00"),
        D("320.00"),
        D("10.00"),
        D("20.00"),
    ]  # 999.90 × 1 % = 9.999
    assert chen.commission == D("410.00")
    # wang.c: April 500 + May 1000 with no quarterly target: 3 % = 45.00
    assert people["wang.c"].commission == D("45.00")
    # li.b has no quarterly target: the key-account rule alone, 320.00
    assert people["li.b"].commission == D("320.00")
    assert report.total == D("775.00")


def test_rules_configurable_and_none_matching(books: App) -> None:
    only_key = [CommissionRule(description="key only", rate=D("0.10"), pipeline="key")]
    with books.transaction() as uow:
        report = commission_report(uow, "2026-05", rules=only_key)
    people = {p.username: p for p in report.people}
    assert people["li.b"].commission == D("800.00")
    assert people["chen.a"].commission == D("0.00")
    assert {ln.rule_description for ln in people["chen.a"].lines} == {"no rule matches"}
    with books.transaction() as uow:
        june = commission_report(uow, "2026-06")
    # chen.a's 2000 of 1 June (local), no June target: the base rate, 60.00
    assert [(p.username, p.commission) for p in june.people] == [("chen.a", D("60.00"))]


def test_targets(books: App) -> None:
    with books.transaction() as uow:
        set_target(uow, "chen.a", "2026-05", "12000.50")  # replaces
        assert [(t.period, name, t.amount) for t, name in list_targets(uow, period="2026-05")] == [
            ("2026-05", "chen.a", D("12000.50")),
            ("2026-05", "li.b", D("20000.00")),
        ]
    for args, message in (
        (("chen.a", "2026-13", "1"), "not a month"),
        (("chen.a", "2026-06", "-5"), "must not be negative"),
        (("chen.a", "2026-06", "0"), "greater than zero"),
        (("chen.a", "2026-06", "1.001"), "2 decimal places"),
    ):
        with pytest.raises(ValidationError, match=message), books.transaction() as uow:
            set_target(uow, *args)
    with pytest.raises(NotFoundError), books.transaction() as uow:
        set_target(uow, "nobody", "2026-06", "1")
    with pytest.raises(AccessDenied), books.transaction(as_user="chen.a") as uow:
        set_target(uow, "chen.a", "2026-06", "1")


def test_record_policies_limit_the_report(books: App) -> None:
    with books.transaction(as_user="chen.a") as uow:
        report = commission_report(uow, "2026-05")
    assert [p.username for p in report.people] == ["chen.a"]
    assert report.people[0].commission == D("750.00")
    assert report.unowned == 1  # on an account of the unassigned pool, which agents see
    with books.transaction(as_user="li.b") as uow:
        assert [p.username for p in commission_report(uow, "2026-05").people] == ["li.b"]


# --------------------------------------------------------------------------- CLI


def test_cli_targets_and_commission_report(tmp_path: Path, database_url: str) -> None:
    project = tmp_path / "crm"
    runner = CliRunner(env={"GUANXI_PLUGINS": "sales"})

    def run(*args: str, code: int = 0) -> Any:
        result = runner.invoke(
            cli, ["-C", str(project), "--db", database_url, *args], catch_exceptions=False
        )
        assert result.exit_code == code, result.output + result.stderr
        return result

    run("init", "--db", database_url)
    with (project / "guanxi.toml").open("a", encoding="utf-8") as toml:
        toml.write(
            '\n[[sales.commission_rules]]\ndescription = "base"\nrate = "0.03"\n'
            '\n[[sales.commission_rules]]\ndescription = "over target"\nrate = "0.06"\n'
            'min_attainment = "1"\n'
        )
    run("staff", "add", "chen.a", "陈一")
    cid = json.loads(
        run("customer", "add", "甲公司", "--org-kind", "--owner", "chen.a", "--json").stdout
    )["id"]
    app = create_app(
        project,
        environ={"GUANXI_PLUGINS": "sales"},
        settings={"core": {"database_url": database_url}},
    )
    try:
        with app.transaction() as uow:
            owner = get_staff(uow, "chen.a").id
            for amount in ("3000.00", "2500.00"):
                uow.session.add(
                    Opportunity(
                        customer_id=cid,
                        name="项目",
                        pipeline="default",
                        stage="won",
                        status="won",
                        amount=D(amount),
                        probability=100,
                        expected_close=dt.date(2026, 5, 1),
                        owner_id=owner,
                        closed_at=MAY_1,
                        created_at=MAY_1,
                        updated_at=MAY_1,
                    )
                )
    finally:
        app.close()
    assert (
        "target of chen.a for 2026-05: 5000.00"
        in run("sales", "target", "set", "chen.a", "2026-05", "5000").stdout
    )
    failed = run("sales", "target", "set", "chen.a", "2026-5", "5000", code=1)
    assert failed.stderr.strip().count("\n") == 0 and "not a month" in failed.stderr
    targets = json.loads(run("sales", "target", "list", "--json").stdout)
    assert targets == [{"period": "2026-05", "user": "chen.a", "amount": "5000.00"}]
    # 5500 of 5000 = 1.1: "over target", 6 % of each: 180.00 + 150.00
    report = json.loads(
        run("sales", "commission", "report", "--period", "2026-05", "--json").stdout
    )
    person = report["people"][0]
    assert (person["username"], person["attainment"], person["commission"]) == (
        "chen.a",
        "1.1000",
        "330.00",
    )
    assert [line["rule_description"] for line in person["lines"]] == ["over target"] * 2
    assert report["total"] == "330.00"
    text = run("sales", "commission", "report", "--period", "2026-Q2").stdout
    assert "chen.a" in text and "base" in text  # no quarterly target: the base rate
    assert "330.00" not in text
    by_report = json.loads(
        run("report", "run", "sales.commissions", "--option", "period=2026-05", "--json").stdout
    )
    assert by_report["total"] == "330.00"
