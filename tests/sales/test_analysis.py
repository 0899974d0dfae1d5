"""Forecast, win/loss, funnel, time in stage and sales cycle, on data small enough that
every expected figure below was worked out by hand; and record-level access in reports
and listings, on the demo data, against an oracle over the raw tables.

The data (T0 = 2026-03-01 00:00 UTC, 08:00 in Shanghai; "dN" = N days later):

====  ======  =======  ========  ===========================================  ==========
opp   owner   amount   source    stages                                       competitors
====  ======  =======  ========  ===========================================  ==========
A     wang    1000     lead      d0 qualification, d2 needs, d5 proposal,     R1
                                 d10 won
B     wang    2000     campaign  d0 qualification, d4 needs, d6 lost (price)  R1, R2
C     li      3000     lead      d1 qualification, d3 proposal, d8 needs,     R2 (at loss)
                                 d9 lost (competitor)
D     li      4000     lead      d2 qualification, d7 negotiation (75 %),     -
                                 open, closes 2026-05-15
E     wang    500.50   -         d3 qualification at 20 %, open, closes       -
                                 2026-04-10
====  ======  =======  ========  ===========================================  ==========

The reports are read at d12. wang is in team 东区, li in 北区; both are agents.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from guanxi.app import App
from guanxi.cli import cli
from guanxi.demo import generate_demo
from guanxi.errors import ValidationError
from guanxi.models import Customer, Staff, TeamMember
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi_sales.accounts import add_competitor
from guanxi_sales.analysis import forecast, funnel, sales_cycle, time_in_stage, win_loss
from guanxi_sales.models import Opportunity
from guanxi_sales.opportunities import (
    create_opportunity,
    list_opportunities,
    lose_opportunity,
    move_opportunity,
    win_opportunity,
)

T0 = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(days=12)
D = Decimal


def day(n: float) -> dt.datetime:
    """``n`` days after T0."""
    return T0 + dt.timedelta(days=n)


@pytest.fixture
def data(sales_app: App) -> App:
    app = sales_app
    with app.transaction(now=day(0)) as uow:
        for username, team in (("wang", "东区"), ("li", "北区")):
            add_team(uow, name=team)
            add_staff(uow, username=username, display_name=username)
            add_member(uow, team=team, staff=username)
            grant_role(uow, staff=username, role="agent")
        mine = add_customer(uow, kind="organization", name="恒通机械", owner="wang").id
        theirs = add_customer(uow, kind="organization", name="宏达建设", owner="li").id
        r1 = add_competitor(uow, name="远大").customer_id
        r2 = add_competitor(uow, name="华美").customer_id
    ids: dict[str, int] = {}

    def at(n: float, action: Callable[[Any], Any]) -> None:
        with app.transaction(now=day(n)) as uow:
            action(uow)

    def opened(name: str, **fields: Any) -> Callable[[Any], None]:
        def action(uow: Any) -> None:
            ids[name] = create_opportunity(uow, name=name, **fields).id

        return action

    at(0, opened("A", customer_id=mine, amount=1000, expected_close="2026-04-30",
                 source="lead", competitors=[r1]))
    at(0, opened("B", customer_id=mine, amount=2000, expected_close="2026-04-30",
                 source="campaign", competitors=[r1, r2]))
    at(1, opened("C", customer_id=theirs, amount=3000, expected_close="2026-04-30",
                 source="lead"))
    at(2, opened("D", customer_id=theirs, amount=4000, expected_close="2026-05-15",
                 source="lead"))
    at(2, lambda uow: move_opportunity(uow, ids["A"], "needs_analysis"))
    at(3, lambda uow: move_opportunity(uow, ids["C"], "proposal"))
    at(3, opened("E", customer_id=mine, amount="500.50", expected_close="2026-04-10",
                 probability=20))
    at(4, lambda uow: move_opportunity(uow, ids["B"], "needs_analysis"))
    at(5, lambda uow: move_opportunity(uow, ids["A"], "proposal"))
    at(6, lambda uow: lose_opportunity(uow, ids["B"], "price"))
    at(7, lambda uow: move_opportunity(uow, ids["D"], "negotiation"))
    at(8, lambda uow: move_opportunity(uow, ids["C"], "needs_analysis"))
    at(9, lambda uow: lose_opportunity(uow, ids["C"], "competitor", competitor=r2))
    at(10, lambda uow: win_opportunity(uow, ids["A"]))
    return app


def run(app: App, report: Callable[..., Any], as_user: str | None = None, **options: Any) -> Any:
    with app.transaction(now=NOW, as_user=as_user) as uow:
        return report(uow, **options)


def test_forecast_by_month_and_owner(data: App) -> None:
    rows = run(data, forecast, period="month", by="owner")
    assert [(r.period, r.label, r.open_count, r.pipeline, r.weighted, r.won_count, r.won)
            for r in rows] == [
        ("2026-03", "wang", 0, D("0.00"), D("0.00"), 1, D("1000.00")),  # A, won on d10
        ("2026-04", "wang", 1, D("500.50"), D("100.10"), 0, D("0.00")),  # E at 20 %
        ("2026-05", "li", 1, D("4000.00"), D("3000.00"), 0, D("0.00")),  # D at 75 %
    ]


def test_forecast_by_quarter_team_and_total(data: App) -> None:
    by_owner = run(data, forecast, period="quarter", by="owner")
    assert [(r.period, r.label, r.weighted, r.won) for r in by_owner] == [
        ("2026-Q1", "wang", D("0.00"), D("1000.00")),
        ("2026-Q2", "li", D("3000.00"), D("0.00")),
        ("2026-Q2", "wang", D("100.10"), D("0.00")),
    ]
    by_team = run(data, forecast, period="quarter", by="team")
    assert [(r.period, r.label, r.pipeline) for r in by_team] == [
        ("2026-Q1", "东区", D("0.00")), ("2026-Q2", "东区", D("500.50")),
        ("2026-Q2", "北区", D("4000.00"))]  # labels in code point order: 东 before 北
    total = run(data, forecast, period="quarter", by="none")
    assert [(r.period, r.label, r.open_count, r.pipeline, r.weighted, r.won) for r in total] == [
        ("2026-Q1", "all", 0, D("0.00"), D("0.00"), D("1000.00")),
        ("2026-Q2", "all", 2, D("4500.50"), D("3100.10"), D("0.00"))]
    april_on = run(data, forecast, period="month", by="none", start="2026-04-01")
    assert [r.period for r in april_on] == ["2026-04", "2026-05"]


def test_win_loss_by_every_dimension(data: App) -> None:
    def table(by: str) -> list[tuple[Any, ...]]:
        return [(r.label, r.won, r.lost, r.win_rate, r.won_amount, r.lost_amount)
                for r in run(data, win_loss, by=by)]

    assert table("owner") == [("li", 0, 1, 0.0, D("0.00"), D("3000.00")),
                              ("wang", 1, 1, 0.5, D("1000.00"), D("2000.00"))]
    assert table("team") == [("东区", 1, 1, 0.5, D("1000.00"), D("2000.00")),
                             ("北区", 0, 1, 0.0, D("0.00"), D("3000.00"))]
    assert table("source") == [("campaign", 0, 1, 0.0, D("0.00"), D("2000.00")),
                               ("lead", 1, 1, 0.5, D("1000.00"), D("3000.00"))]
    assert table("competitor") == [("华美", 0, 2, 0.0, D("0.00"), D("5000.00")),
                                   ("远大", 1, 1, 0.5, D("1000.00"), D("2000.00"))]
    assert table("pipeline") == [("default", 1, 2, 0.3333, D("1000.00"), D("5000.00"))]
    # By stage: among the closed opportunities that reached it (C went back to needs).
    assert table("stage") == [
        ("qualification", 1, 2, 0.3333, D("1000.00"), D("5000.00")),
        ("needs_analysis", 1, 2, 0.3333, D("1000.00"), D("5000.00")),
        ("proposal", 1, 1, 0.5, D("1000.00"), D("3000.00")),
        ("negotiation", 0, 0, None, D("0.00"), D("0.00")),
    ]
    only_march_7 = run(data, win_loss, by="owner", start="2026-03-07", end="2026-03-07")
    assert [(r.label, r.won, r.lost) for r in only_march_7] == [("wang", 0, 1)]  # B


def test_amounts_in_two_currencies_are_never_added(data: App) -> None:
    """wang also sells in USD on d11: F open (300 at 50 %, closes in April), G won (1200),
    H lost (800). Each currency gets its own rows; the CNY figures are those above."""
    with data.transaction(now=day(11)) as uow:
        account = uow.session.exec(
            select(Customer.id).where(Customer.name == "恒通机械")).scalar_one()
        usd = {"customer_id": account, "currency": "USD", "expected_close": "2026-04-20"}
        create_opportunity(uow, name="F", amount=300, probability=50, **usd)
        win_opportunity(uow, create_opportunity(uow, name="G", amount=1200, **usd).id)
        lose_opportunity(uow, create_opportunity(uow, name="H", amount=800, **usd).id, "price")

    rows = run(data, forecast, period="month", by="owner")
    assert [(r.period, r.label, r.currency, r.open_count, r.pipeline, r.weighted, r.won_count,
             r.won) for r in rows] == [
        ("2026-03", "wang", "CNY", 0, D("0.00"), D("0.00"), 1, D("1000.00")),  # A
        ("2026-03", "wang", "USD", 0, D("0.00"), D("0.00"), 1, D("1200.00")),  # G, won on d11
        ("2026-04", "wang", "CNY", 1, D("500.50"), D("100.10"), 0, D("0.00")),  # E
        ("2026-04", "wang", "USD", 1, D("300.00"), D("150.00"), 0, D("0.00")),  # F at 50 %
        ("2026-05", "li", "CNY", 1, D("4000.00"), D("3000.00"), 0, D("0.00")),  # D
    ]
    total = run(data, forecast, period="quarter", by="none")
    assert [(r.period, r.currency, r.pipeline, r.won) for r in total] == [
        ("2026-Q1", "CNY", D("0.00"), D("1000.00")), ("2026-Q1", "USD", D("0.00"), D("1200.00")),
        ("2026-Q2", "CNY", D("4500.50"), D("0.00")), ("2026-Q2", "USD", D("300.00"), D("0.00"))]

    def table(by: str) -> list[tuple[Any, ...]]:
        return [(r.label, r.currency, r.won, r.lost, r.win_rate, r.won_amount, r.lost_amount)
                for r in run(data, win_loss, by=by)]

    assert table("owner") == [
        ("li", "CNY", 0, 1, 0.0, D("0.00"), D("3000.00")),
        ("wang", "CNY", 1, 1, 0.5, D("1000.00"), D("2000.00")),
        ("wang", "USD", 1, 1, 0.5, D("1200.00"), D("800.00")),
    ]
    assert table("pipeline") == [("default", "CNY", 1, 2, 0.3333, D("1000.00"), D("5000.00")),
                                 ("default", "USD", 1, 1, 0.5, D("1200.00"), D("800.00"))]
    # By stage: every stage in every currency; G and H closed from qualification.
    assert table("stage")[:4] == [
        ("qualification", "CNY", 1, 2, 0.3333, D("1000.00"), D("5000.00")),
        ("qualification", "USD", 1, 1, 0.5, D("1200.00"), D("800.00")),
        ("needs_analysis", "CNY", 1, 2, 0.3333, D("1000.00"), D("5000.00")),
        ("needs_analysis", "USD", 0, 0, None, D("0.00"), D("0.00")),
    ]
    assert len(table("stage")) == 8
    # The funnel and the sales cycle carry no amounts: one row per stage or group.
    assert [r.entered for r in run(data, funnel)] == [8, 3, 2, 1]
    assert [(r.label, r.won, r.lost) for r in run(data, sales_cycle, by="owner")] == [
        ("li", 0, 1), ("wang", 2, 2)]


def test_funnel_conversion_and_time_in_stage(data: App) -> None:
    rows = run(data, funnel)
    assert [(r.stage, r.entered, r.advanced, r.conversion, r.won, r.lost_here, r.open_here)
            for r in rows] == [
        ("qualification", 5, 4, 0.8, 1, 0, 1),
        ("needs_analysis", 3, 2, 0.6667, 1, 2, 0),
        ("proposal", 2, 1, 0.5, 1, 0, 0),
        ("negotiation", 1, 0, 0.0, 0, 0, 1),
    ]
    # Stays: qualification 2 + 4 + 2 + 5 + 9 (E, open until d12); needs 3 + 2 + 1;
    # proposal 5 + 5; negotiation 5 (D, open since d7).
    assert [(r.stays, r.avg_days) for r in rows] == [(5, 4.4), (3, 2.0), (2, 5.0), (1, 5.0)]
    assert run(data, time_in_stage) == {"qualification": (5, 4.4), "needs_analysis": (3, 2.0),
                                        "proposal": (2, 5.0), "negotiation": (1, 5.0)}


def test_sales_cycle(data: App) -> None:
    rows = run(data, sales_cycle, by="owner")
    assert [(r.label, r.won, r.lost, r.avg_days_won, r.avg_days_lost, r.avg_days)
            for r in rows] == [("li", 0, 1, None, 8.0, 8.0), ("wang", 1, 1, 10.0, 6.0, 8.0)]
    by_source = run(data, sales_cycle, by="source")
    assert [(r.label, r.avg_days) for r in by_source] == [("campaign", 6.0), ("lead", 9.0)]


def test_reports_apply_the_record_policies(data: App) -> None:
    """wang (agent) sees his own accounts and the unowned competitors, not li's."""
    assert [(r.period, r.label) for r in run(data, forecast, "wang", period="month")] == [
        ("2026-03", "wang"), ("2026-04", "wang")]
    assert [(r.label, r.won, r.lost) for r in run(data, win_loss, "wang", by="owner")] == [
        ("wang", 1, 1)]
    assert [(r.label, r.won, r.lost) for r in run(data, win_loss, "wang", by="competitor")] == [
        ("华美", 0, 1), ("远大", 1, 1)]
    assert [r.entered for r in run(data, funnel, "wang")] == [3, 2, 1, 0]
    # His stays: qualification A 2, B 4, E 9; needs A 3, B 2; proposal A 5.
    assert run(data, time_in_stage, "wang") == {
        "qualification": (3, 5.0), "needs_analysis": (2, 2.5), "proposal": (1, 5.0)}
    assert [r.label for r in run(data, sales_cycle, "wang", by="team")] == ["东区"]
    assert [(r.label, r.lost) for r in run(data, win_loss, "li", by="stage")][:2] == [
        ("qualification", 1), ("needs_analysis", 1)]


def test_bad_report_options_are_field_errors(data: App) -> None:
    for report, options, field in [(forecast, {"period": "week"}, "period"),
                                   (forecast, {"by": "source"}, "by"),
                                   (win_loss, {"by": "weather"}, "by"),
                                   (win_loss, {"start": "March"}, "start"),
                                   (funnel, {"pipeline": "nope"}, "pipeline")]:
        with pytest.raises(ValidationError) as caught:
            run(data, report, **options)
        assert caught.value.field == field


def test_the_reports_are_registered_and_on_the_command_line(
    data: App, tmp_path: Path, database_url: str
) -> None:
    names = {"sales.forecast", "sales.win_loss", "sales.funnel", "sales.cycle"}
    assert names <= set(data.registry.reports)
    runner = CliRunner(env={"GUANXI_PLUGINS": "sales"})

    def gx(*args: str, as_user: str | None = None) -> Any:
        who = ["--as", as_user] if as_user else []
        result = runner.invoke(cli, ["-C", str(tmp_path), "--db", database_url, *who, *args,
                                     "--json"])
        assert result.exit_code == 0, result.output + result.stderr
        return json.loads(result.stdout)

    rows = gx("sales", "report", "forecast", "--period", "quarter")
    assert [(r["period"], r["owner"], r["currency"], r["weighted"], r["won"]) for r in rows] == [
        ("2026-Q1", "wang", "CNY", "0.00", "1000.00"), ("2026-Q2", "li", "CNY", "3000.00", "0.00"),
        ("2026-Q2", "wang", "CNY", "100.10", "0.00")]
    rows = gx("sales", "report", "win-loss", "--by", "stage")
    assert [(r["stage"], r["currency"], r["won"], r["lost"], r["win_rate"]) for r in rows][2] == (
        "proposal", "CNY", 1, 1, 0.5)
    rows = gx("sales", "report", "win-loss", "--by", "owner", as_user="wang")
    assert [(r["owner"], r["won"], r["lost"]) for r in rows] == [("wang", 1, 1)]
    rows = gx("sales", "report", "funnel")
    assert [(r["stage"], r["entered"], r["conversion"]) for r in rows[:1]] == [
        ("qualification", 5, 0.8)]
    rows = gx("sales", "report", "cycle", "--by", "source")
    assert [(r["source"], r["avg_days"]) for r in rows] == [("campaign", 6.0), ("lead", 9.0)]
    result = gx("report", "run", "sales.win_loss", "--option", "by=source")
    assert [(r["label"], r["currency"], r["win_rate"]) for r in result["rows"]] == [
        ("campaign", "CNY", 0.0), ("lead", "CNY", 0.5)]


# ----------------------------------------------------------------------------- demo data


def visible_to(app: App, username: str) -> tuple[set[int], set[int]]:
    """The staff ids whose opportunities an agent sees through their owner (his own, and
    his people's in the teams he leads) and the customers he may see, from the raw tables."""
    with app.engine.connect() as c:
        staff_id = c.execute(select(Staff.id).where(Staff.username == username)).scalar_one()
        owners = dict(c.execute(select(Customer.id, Customer.owner_id)).all())
        memberships = c.execute(
            select(TeamMember.team_id, TeamMember.staff_id, TeamMember.is_lead)).all()
    teams = {t for t, s, _ in memberships if s == staff_id}
    led = {t for t, s, lead in memberships if s == staff_id and lead}
    team_members = {s for t, s, _ in memberships if t in teams}
    overseen = {s for t, s, _ in memberships if t in led} | {staff_id}
    return overseen, {cid for cid, owner in owners.items()
                      if owner is None or owner == staff_id or owner in team_members}


def test_demo_opportunities_follow_their_customers_visibility(
    make_sales_app: Callable[..., App], tmp_path: Path, database_url: str
) -> None:
    app = make_sales_app()
    generate_demo(app)
    with app.transaction() as uow:
        agents = uow.session.exec(select(Staff.username).order_by(Staff.id)).scalars().all()
    username = agents[4]  # an agent of the generic edition's demo (chen.5)
    colleagues, visible = visible_to(app, username)
    with app.engine.connect() as c:
        every = c.execute(select(Opportunity.id, Opportunity.customer_id, Opportunity.owner_id,
                                 Opportunity.status, Opportunity.amount)).all()
    expected = {o.id for o in every if o.customer_id in visible or o.owner_id in colleagues}
    assert len(every) > 50 and 0 < len(expected) < len(every)
    assert {o.status for o in every} == {"open", "won", "lost"}
    with app.transaction(as_user=username) as uow:
        seen = {o.id for o in list_opportunities(uow, status=None, limit=100_000)}
        total = forecast(uow, by="none", period="quarter")
        closed = win_loss(uow, by="pipeline")
    assert seen == expected
    mine = [o for o in every if o.id in expected]
    assert sum(r.pipeline for r in total) == sum(o.amount for o in mine if o.status == "open")
    assert sum(r.won for r in total) == sum(o.amount for o in mine if o.status == "won")
    assert sum(r.lost for r in closed) == sum(1 for o in mine if o.status == "lost")
    runner = CliRunner(env={"GUANXI_PLUGINS": "sales"})
    result = runner.invoke(cli, ["-C", str(tmp_path), "--db", database_url, "--as", username,
                                 "sales", "opportunity", "list", "--status", "all", "--limit",
                                 "100000", "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    assert {o["id"] for o in json.loads(result.stdout)} == expected
