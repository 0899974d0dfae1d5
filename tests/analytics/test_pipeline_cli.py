"""``guanxi analytics pipeline …`` and the pipeline reports, over the scenario of
test_pipeline (O1–O6, one customer; the edition's zone is UTC here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guanxi.app import create_app
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.testing import GuanxiCli
from tests.analytics.test_pipeline import NOW, scenario

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics", "sales"])
    cli("init", "--db", database_url)
    app = create_app(cli.project, settings={"core": {"database_url": database_url,
                                                     "timezone": "UTC"}},
                     enable=["analytics", "sales"])
    try:
        with app.transaction(now=NOW) as uow:
            mine = add_customer(uow, name="张三").id
            log_interactions(uow, scenario(mine, None))
    finally:
        app.close()
    return cli


def test_funnel_stages_win_rate_and_cycle_on_the_command_line(gx: GuanxiCli) -> None:
    steps = gx.json("analytics", "pipeline", "funnel", *MARCH)
    # Reached Q 5, N 4, P 2, won 2 (hand-computed in test_pipeline).
    assert [(s["stage"], s["reached"], s["step_conversion"]) for s in steps] == [
        ("qualification", 5, None), ("needs_analysis", 4, 0.8), ("proposal", 2, 0.5),
        ("won", 2, 1.0)]
    table = gx("analytics", "pipeline", "funnel", *MARCH).stdout
    assert "needs_analysis" in table and "80.0%" in table and "40.0%" in table
    csv = gx("analytics", "pipeline", "funnel", *MARCH, "--csv").stdout.splitlines()
    assert csv[0] == ("pipeline,step,stage,entered,reached,step_conversion,"
                      "cumulative_conversion")
    assert csv[2] == "default,2,needs_analysis,3,4,0.8,0.8"
    stages = {r["stage"]: r["mean_days"] for r in gx.json("analytics", "pipeline", "stages",
                                                          *MARCH)}
    assert stages == {"qualification": 4.0, "needs_analysis": 3.25, "proposal": 8.0}
    owners = {r["owner"]: r["win_rate"] for r in gx.json(
        "analytics", "pipeline", "win-rate", *MARCH, "--by", "owner")}
    assert owners == {"wang": 0.6667, "li": 0.5}
    [cycle] = gx.json("analytics", "pipeline", "cycle", *MARCH)
    assert (cycle["won"], cycle["median_days"]) == (3, 13.0)
    reasons = gx("analytics", "pipeline", "reasons", *MARCH, "--csv").stdout.splitlines()
    assert reasons == ["reason,lost,share", "price,1,0.5", "timing,1,0.5"]


def test_reports_and_bad_input(gx: GuanxiCli) -> None:
    report = gx.json("report", "run", "analytics.win_rate", "--option", "from=2026-03-01",
                     "--option", "to=2026-03-31", "--option", "by=source")
    assert {r["group"]: (r["won"], r["lost"]) for r in report["rows"]} == {
        "web": (2, 1), "fair": (1, 1)}
    funnel = gx.json("report", "run", "analytics.pipeline_funnel", "--option",
                     "from=2026-03-01", "--option", "to=2026-03-31")
    assert funnel["steps"][-1]["cumulative_conversion"] == 0.4
    # A period that ends before it starts, an unknown grouping, an unknown option.
    assert "to" in gx.fails("analytics", "pipeline", "funnel", "--from", "2026-03-31",
                            "--to", "2026-03-01")
    assert "'team' is not one of" in gx.fails(
        "report", "run", "analytics.sales_cycle", "--option", "by=team")
    assert "colour" in gx.fails("report", "run", "analytics.pipeline_stages", "--option",
                                "colour=red")
    assert "not a date" in gx.fails("report", "run", "analytics.win_rate", "--option",
                                    "from=2026-02-30")
    assert gx("analytics", "pipeline", "win-rate", "--by", "moon", ok=False).exit_code == 2
    assert gx("analytics", "pipeline", "funnel", *MARCH, "--pipeline", "retail").stdout == (
        "no data: no opportunity of pipeline 'retail' was created in "
        "2026-03-01 – 2026-03-31\n")


def test_without_sales_the_commands_say_no_data(tmp_path: Path, database_url: str) -> None:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics"])
    cli("init", "--db", database_url)
    for command in ("funnel", "stages", "win-rate", "reasons", "cycle"):
        out = cli("analytics", "pipeline", command).stdout
        assert out.startswith("no data: no opportunity entries (sales.opportunity_created"), out
        assert json.loads(cli("analytics", "pipeline", command, "--json").stdout) == []
