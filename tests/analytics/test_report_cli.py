"""``guanxi analytics report`` and ``guanxi report run analytics.report`` on the command
line, and the record policies inside the report."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guanxi.app import App, UnitOfWork
from guanxi.models import Customer, Interaction
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role
from guanxi.testing import GuanxiCli
from guanxi_analytics.common import Period
from guanxi_analytics.report.service import render_report
from guanxi_analytics.sections import Chart, ReportSection, Table
from tests.analytics.report_support import every_kind, serve

MARCH = dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics"])
    cli("init", "--db", database_url)
    return cli


def test_the_command_writes_the_page_and_lists_its_sections(
    gx: GuanxiCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    periods: list[Period] = []

    def sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
        periods.append(period)
        return every_kind()

    serve(monkeypatch, sections)
    out = tmp_path / "report.html"
    table = gx("analytics", "report", "--out", str(out), "--from", "2026-01-01",
               "--to", "2026-03-31").stdout
    assert f"wrote {out} (2026-01-01 – 2026-03-31)" in table and "churn.cohorts" in table
    assert periods == [Period(dt.date(2026, 1, 1), dt.date(2026, 4, 1))]
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg ") == 6 and "2026-01-01 – 2026-03-31" in html

    serve(monkeypatch, every_kind())  # each area its own sections
    listed = gx.json("analytics", "report", "--out", str(out), "--section", "churn",
                     "--section", "pipeline.funnel", "--to", "2026-03-31")
    assert listed["from"] == "2025-04-01" and listed["to"] == "2026-03-31"  # 12 months back
    assert listed["sections"] == [
        {"key": "churn.trend", "title": "Retention trend", "chart": "line",
         "table_rows": None, "empty": None},
        {"key": "churn.cohorts", "title": "Cohort retention 留存矩阵", "chart": "heatmap",
         "table_rows": None, "empty": None},
        {"key": "pipeline.funnel", "title": "Sales funnel", "chart": "funnel",
         "table_rows": None, "empty": None},
    ]
    assert out.read_text(encoding="utf-8").count("<section ") == 3

    csv = gx("analytics", "report", "--out", str(out), "--section", "loyalty",
             "--csv").stdout.splitlines()
    assert csv == ["key,title,chart,table_rows,empty",
                   "loyalty.nps,NPS,,,no survey answers in the period"]


def test_an_out_file_that_cannot_be_written_is_refused(gx: GuanxiCli, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, every_kind())
    missing = tmp_path / "no-such-folder" / "r.html"
    assert gx.fails("analytics", "report", "--out", str(missing)) == (
        f"error: field 'out': the folder {missing.parent} does not exist")
    too_long = tmp_path / ("x" * 300 + ".html")  # no file system takes a 305-byte name
    assert gx.fails("analytics", "report", "--out", str(too_long)).startswith(
        f"error: field 'out': cannot write {too_long}: File name too long")
    refused = gx("analytics", "report", "--out", str(tmp_path), ok=False)
    assert refused.exit_code == 2 and "is a directory" in refused.stderr  # click's check


@pytest.mark.parametrize(("args", "words"), [
    (("--section", "value.nope"), "no section 'value.nope' (the value area has: value.tiers"),
    (("--section", "crm"), "'crm' names no analytics area"),
    (("--from", "2026-03-01", "--to", "2026-02-01"), "'to'"),
])
def test_bad_options_fail_in_one_line_and_write_nothing(
    gx: GuanxiCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
    words: str
) -> None:
    serve(monkeypatch, every_kind())
    out = tmp_path / "bad.html"
    error = gx.fails("analytics", "report", "--out", str(out), *args)
    assert words in error
    assert not out.exists()


def test_the_core_report_lists_the_sections(gx: GuanxiCli,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, every_kind())
    found = gx.json("report", "run", "analytics.report", "--option", "section=value,loyalty",
                    "--option", "from=2026-01-01", "--option", "to=2026-01-31")
    assert (found["from"], found["to"]) == ("2026-01-01", "2026-01-31")
    assert [s["key"] for s in found["sections"]] == [
        "value.tiers", "value.mix", "value.quadrants", "loyalty.nps"]
    assert found["sections"][0] == {"key": "value.tiers", "title": "价值分层 tiers",
                                    "chart": "bar", "table_rows": 3, "empty": None}
    assert "analytics.report" in gx("report", "list").stdout
    assert "'colour'" in gx.fails("report", "run", "analytics.report", "--option", "colour=red")
    assert "'from'" in gx.fails("report", "run", "analytics.report", "--option", "from=3.1")
    json.dumps(found)  # plain JSON


def revenue_by_customer(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """A stand-in area reading through the ORM, as every real area does."""
    rows = uow.session.execute(
        select(Customer.name, func.sum(Interaction.revenue))
        .join(Interaction, Interaction.customer_id == Customer.id)
        .group_by(Customer.name).order_by(Customer.name)).all()
    return [ReportSection(
        key="value.revenue", title="Revenue by customer",
        chart=Chart("bar", labels=[r[0] for r in rows],
                    series={"revenue": [r[1] for r in rows]}),
        table=Table(["customer", "revenue"], [list(r) for r in rows]))]


def test_the_report_holds_only_the_customers_its_reader_may_see(
    make_analytics_app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    app: App = make_analytics_app()  # type: ignore[operator]
    with app.transaction(now=MARCH) as uow:
        for user, name in (("chen", "陈销售"), ("li", "李其他")):
            add_staff(uow, username=user, display_name=name)
            grant_role(uow, staff=user, role="agent")
        mine = add_customer(uow, name="星辰科技", owner="chen")
        theirs = add_customer(uow, name="远方贸易", owner="li")
        log_interactions(uow, [
            {"customer_id": mine.id, "kind": "core.purchase", "revenue": Decimal("100"),
             "occurred_at": MARCH},
            {"customer_id": theirs.id, "kind": "core.purchase", "revenue": Decimal("250"),
             "occurred_at": MARCH},
        ])
    serve(monkeypatch, revenue_by_customer)
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    pages = {}
    for user in ("chen", "li", None):
        with app.transaction(as_user=user, now=MARCH) as uow:
            pages[user] = render_report(uow, period).html
    assert "星辰科技" in pages["chen"] and "远方贸易" not in pages["chen"]
    assert "¥100.00" in pages["chen"] and "250" not in pages["chen"]
    assert "远方贸易" in pages["li"] and "星辰科技" not in pages["li"]
    assert "星辰科技" in pages[None] and "远方贸易" in pages[None]
    assert "陈销售 (chen)" in pages["chen"]  # the header names the reader
