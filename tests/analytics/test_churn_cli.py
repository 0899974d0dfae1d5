"""``guanxi analytics churn …`` on the command line: tables, JSON, CSV, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics"])
    cli("init", "--db", database_url)
    cli("staff", "add", "wang", "王芳")
    cli("access", "grant", "wang", "agent")
    cli("staff", "add", "li", "李四")
    cli("access", "grant", "li", "agent")
    return cli


def _buy(gx: GuanxiCli, customer: int, when: str, amount: str) -> None:
    gx("interaction", "log", str(customer), "--kind", "core.purchase", "--at", when,
       "--revenue", amount)


def test_the_command_line(gx: GuanxiCli) -> None:
    zhang = gx.json("customer", "add", "张三", "--owner", "wang")["id"]
    wu = gx.json("customer", "add", "吴六", "--owner", "wang")["id"]
    hidden = gx.json("customer", "add", "赵七", "--owner", "li")["id"]
    for when in ("2026-01-05 10:00", "2026-02-05 10:00"):
        _buy(gx, zhang, when, "300")
    _buy(gx, wu, "2026-01-06 10:00", "80")
    _buy(gx, hidden, "2026-01-07 10:00", "50")
    _buy(gx, hidden, "2026-02-07 10:00", "50")

    # Cohort Jan = 张三, 吴六, 赵七; Feb: 张三, 赵七 → 2/3.
    period = ("--from", "2026-01-01", "--to", "2026-02-28")
    matrix = gx.json("analytics", "churn", "cohorts", *period)
    assert matrix["cohorts"] == [{"cohort": "2026-01", "customers": 3, "active": [3, 2],
                                  "retention": [1.0, 0.6667]}]
    table = gx("analytics", "churn", "cohorts", *period).stdout
    assert "2026-01" in table and "66.7%" in table
    csv_lines = gx("analytics", "churn", "cohorts", *period, "--csv").stdout.splitlines()
    assert csv_lines == ["cohort,customers,+0,+1", "2026-01,3,1.0,0.6667"]
    # wang does not see 赵七: Jan 张三, 吴六; Feb 张三 → 1/2.
    mine = gx.json("analytics", "churn", "retention", *period, as_user="wang")
    assert [(r["month"], r["at_risk"], r["retained"], r["retention_rate"]) for r in mine] == [
        ("2026-01", 0, 0, None), ("2026-02", 2, 1, 0.5)]
    quarter = gx("analytics", "churn", "retention", *period, "--by", "quarter",
                 "--csv").stdout.splitlines()
    assert quarter[0].startswith("quarter,at_risk,active,new,retained")

    # 张三 must buy twice a month: February's one purchase raises a threshold alert.
    assert gx.json("analytics", "churn", "threshold", "set", str(zhang), "--count", "2") == {
        "customer_id": zhang, "min_amount": None, "min_count": 2}
    assert "min_amount" in gx.fails("analytics", "churn", "threshold", "set", str(wu),
                                    "--amount", "-3")
    gx("analytics", "churn", "threshold", "set", str(wu), "--amount", "50.5")
    listed = gx.json("analytics", "churn", "threshold", "list", as_user="wang")
    assert [(t["customer"], t["min_amount"], t["min_count"]) for t in listed] == [
        ("张三", None, 2), ("吴六", "50.50", None)]
    assert "removed" in gx("analytics", "churn", "threshold", "clear", str(wu)).stdout
    assert "no threshold" in gx("analytics", "churn", "threshold", "clear", str(wu)).stdout
    counts = gx("analytics", "churn", "cohorts", *period, "--counts", "--csv").stdout
    assert counts.splitlines()[1] == "2026-01,3,3,2"
    [alert] = gx.json("analytics", "churn", "scan", "--month", "2026-02")
    assert (alert["customer"], alert["kind"], alert["count"], alert["basis"]) == (
        "张三", "threshold", 1, "customer")
    assert gx.json("analytics", "churn", "scan", "--month", "2026-02") == []
    assert "month" in gx.fails("analytics", "churn", "scan", "--month", "2026-13")
    assert "not ended" in gx.fails("analytics", "churn", "scan", "--month", "2999-01")
    assert [a["id"] for a in gx.json("analytics", "churn", "alerts", as_user="wang")] == [
        alert["id"]]
    assert gx.json("analytics", "churn", "alerts", as_user="li") == []
    assert "may not" in gx.fails("analytics", "churn", "close-alert", str(alert["id"]),
                                 "--outcome", "retained", as_user="wang")
    assert "cause" in gx.fails("analytics", "churn", "close-alert", str(alert["id"]),
                               "--outcome", "churned")
    gx("analytics", "churn", "ack-alert", str(alert["id"]))
    closed = gx.json("analytics", "churn", "close-alert", str(alert["id"]), "--outcome",
                     "churned", "--cause", "competition", "--note", "去了对手那里")
    assert (closed["status"], closed["cause"]) == ("closed", "competition")
    causes = gx.json("analytics", "churn", "causes")
    assert causes["causes"][0] == {"cause": "competition", "alerts": 1, "share": 1.0}

    risk = gx.json("analytics", "churn", "risk", as_user="wang")
    assert {r["customer_id"] for r in risk} == {zhang, wu}
    assert {r["basis"] for r in risk} <= {"gap", "population_gap"}
    report = json.loads(gx("report", "run", "analytics.churn_risk", "--option", "limit=1",
                           "--json").stdout)
    assert len(report["rows"]) == 1
    assert gx("analytics", "churn", "retention", "--by", "week", ok=False).exit_code == 2
