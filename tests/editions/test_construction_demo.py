"""The construction edition's demo data: it checks out, looks like a builder's CRM, and
shows up in the analytics HTML report (one ``init --demo`` for the module)."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli

UNTIL = "2026-10-31"  # the edition's [demo] until


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> GuanxiCli:
    gx = GuanxiCli(tmp_path_factory.mktemp("construction-demo"))
    gx("init", "--edition", "construction", "--demo")
    return gx


def count(gx: GuanxiCli, sql: str) -> int:
    with sqlite3.connect(gx.project / "guanxi.db") as db:
        return db.execute(sql).fetchone()[0]


def cells(html: str, key: str) -> list[str]:
    """The table cells of the report section ``key``, as text."""
    start = html.index(f'data-key="{key}"')
    section = html[start : html.index("</section>", start)]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", section)]


def test_demo_checks_out_and_has_the_size_asked_for(demo: GuanxiCli) -> None:
    assert demo("edition", "check").stdout.strip().endswith("ok")
    assert 300 <= count(demo, "select count(*) from customer") <= 600
    assert 3000 <= count(demo, "select count(*) from interaction") <= 6000
    kinds = dict(
        sqlite3.connect(demo.project / "guanxi.db")
        .execute("select kind, count(*) from interaction group by kind")
        .fetchall()
    )
    assert kinds["construction.tender_notice"] > 50
    assert kinds["construction.site_inspection"] > 100
    assert kinds["construction.contract_signed"] > 50


def test_demo_looks_like_a_builder(demo: GuanxiCli) -> None:
    # Departments with their roles.
    roles = {row["role"] for row in demo.json("access", "roles")}
    assert {"business_developer", "project_manager", "customer_manager"} <= roles
    for member in demo.json("team", "members", "客户管理部"):
        me = demo.json("access", "whoami", as_user=member["username"])
        assert (me["roles"], me["records"]) == (["customer_manager"], ["all"])
    engineer = demo.json("team", "members", "工程管理部")[-1]["username"]
    assert demo.json("access", "whoami", as_user=engineer)["records"] == ["own", "team"]
    # Owners with their profile; core customers with a contact period.
    owners = [
        c for c in demo.json("customer", "list", "--limit", "1000") if c["kind"] == "organization"
    ]
    grades = Counter(
        demo.json("customer", "show", str(o["id"]))["customer"]["custom"].get("customer_grade")
        for o in owners[:40]
    )
    assert grades["核心客户"] and grades["一般客户"] and None not in grades
    assert len(demo.json("sales", "core", "list")) >= 5
    # The owners' lifecycle stages follow their projects (construction.owner_stages).
    for stage in ("in_construction", "in_warranty", "bidding"):
        assert count(demo, f"select count(*) from customer where lifecycle_stage = '{stage}'")
    # Handed-over projects are assets with the warranty of their project type.
    built = demo.json("service", "assets", "list", "--product", "房建", "--limit", "500")
    assert built and all(a["serial_number"].startswith("GC-") for a in built)
    shown = demo.json("service", "assets", "show", built[0]["serial_number"])
    assert any(w["terms"].startswith("房屋建筑工程保修 2 年") for w in shown["warranties"])
    visits = demo.json("service", "visits", "list", "--plan", "handover", "--limit", "1000")
    assert {v["title"] for v in visits} == {"工程交付回访（移交后）"}


def test_the_report_shows_the_project_funnel_and_lost_bids(demo: GuanxiCli, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    demo("analytics", "report", "--out", str(out), "--from", "2023-01-01", "--to", UNTIL)
    html = out.read_text(encoding="utf-8")
    assert "Sales funnel (project)" in html
    # Every project stage with the number of projects that entered it, as sales counts it.
    funnel = cells(html, "pipeline.funnel")
    rows = {tuple(funnel[i : i + 3]) for i in range(len(funnel) - 2)}
    for stage in demo.json("sales", "report", "funnel", "--pipeline", "project"):
        assert ("project", stage["stage"], str(stage["entered"])) in rows
    # The edition's lost reasons (未中标, 主动放弃) explain the lost bids.
    reasons = cells(html, "pipeline.loss_reasons")
    assert "未中标-价格" in reasons and "主动放弃" in reasons


def test_the_expiry_job_closes_the_demo_projects_out_of_warranty(demo: GuanxiCli) -> None:
    def won() -> int:
        return count(
            demo,
            "select count(*) from sales_opportunity where pipeline = 'project' "
            "and stage = 'warranty_expired'",
        )

    ended = count(
        demo,
        "select count(*) from service_warranty w join service_asset a on a.id = w.asset_id "
        f"where a.serial_number like 'GC-%' and w.is_default and w.ends_on <= '{UNTIL}'",
    )
    # Projects whose warranty ended by the demo's today (the job run the next morning
    # counts the last day too).
    assert ended > 0
    before = won()
    for now in ("2026-10-31T23:00:00+08:00", "2026-11-01T08:00:00+08:00"):
        demo("jobs", "run-due", "--job", "service.warranty_expiry", "--now", now)
    assert won() == before + ended
    expiry = demo.json("service", "visits", "list", "--plan", "after_warranty", "--limit", "1000")
    assert len({v["customer_id"] for v in expiry}) >= 1
