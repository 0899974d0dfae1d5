"""``guanxi analytics delivered …`` and ``guanxi analytics loyalty …`` on the command line,
with the default settings and analytics alone: tables, --json, --csv, reports, record
policies and one-line errors."""

from __future__ import annotations

from pathlib import Path

from guanxi.app import App
from guanxi.testing import GuanxiCli
from tests.analytics.delivered_support import buy, count, log, people

PERIOD = ("--from", "2026-01-01", "--to", "2026-06-30")


def test_delivered_and_loyalty_commands(analytics_app: App, tmp_path: Path,
                                        database_url: str) -> None:
    ids = people(analytics_app, ["张三", "李四"], hidden=["王五"],
                 tags={"张三": ["vip"], "李四": ["vip"]})
    log(analytics_app, [
        buy(ids["张三"], "2026-02-10", "100.00"), buy(ids["张三"], "2026-03-10", "50.00"),
        buy(ids["李四"], "2026-04-01", "80.00"), buy(ids["王五"], "2026-04-01", "1000.00"),
    ])
    gx = GuanxiCli(tmp_path, database_url, plugins=["analytics"])
    # Defaults: product = price = revenue; service, personnel, image, energy assessed; time
    # from service tickets (none). 张三 assessed service 30 → CDV 30; 李四 0.
    out = gx("analytics", "delivered", "assess", str(ids["张三"]), "service", "30",
             "--at", "2026-05-01", "--note", "很满意").stdout
    assert "service = 30.00" in out
    rows = gx.json("analytics", "delivered", "customers", *PERIOD, "--group-by", "tag",
                   as_user="agent")
    assert [(r["customer"], r["value.product"], r["value.service"], r["cost.price"], r["cdv"])
            for r in rows] == [("张三", "150.00", "30.00", "150.00", "30.00"),
                               ("李四", "80.00", "0.00", "80.00", "0.00")]
    only = gx.json("analytics", "delivered", "customers", *PERIOD, "--group-by", "tag",
                   "--segment", "vip")
    assert [r["customer"] for r in only] == ["张三", "李四"]  # not 王五 (no tag)
    table = gx("analytics", "delivered", "customers", *PERIOD, as_user="agent").stdout
    assert "张三" in table and "王五" not in table
    csv_text = gx("analytics", "delivered", "segments", *PERIOD, "--group-by", "tag", "--csv",
                  as_user="agent").stdout
    lines = csv_text.splitlines()
    assert lines[0].startswith("segment,customers,value.product,value.service")
    assert lines[1].startswith("vip,2,115.00,15.00")  # (150 + 80)/2, (30 + 0)/2
    verdict = gx.json("analytics", "delivered", "guard", "--benefit", "120", "--cost", "100")
    assert (verdict[0]["net"], verdict[0]["acceptable"]) == ("20.00", True)
    # 5 % of the vip segment's 230 = 11.50 against 2 × 6 = 12: not acceptable.
    per_segment = gx.json("analytics", "delivered", "guard", "--uplift", "0.05",
                          "--cost-per-customer", "6", "--group-by", "tag", *PERIOD,
                          as_user="agent")
    assert [(v["segment"], v["benefit"], v["cost"], v["acceptable"]) for v in per_segment] == [
        ("vip", "11.50", "12.00", False)]
    report = gx.json("report", "run", "analytics.cdv_segments", "--option", "from=2026-01-01",
                     "--option", "to=2026-06-30", "--option", "group_by=tag")
    # The system sees 王五 too (no tag: "(none)", listed last).
    assert [(r["segment"], r["customers"], r["mean_cdv"]) for r in report["rows"]] == [
        ("vip", 2, "15.00"), ("(none)", 1, "0.00")]
    listed = gx.json("analytics", "delivered", "assessments", as_user="agent")
    assert [(a["component"], a["value"], a["note"]) for a in listed] == [
        ("service", "30.00", "很满意")]

    # Loyalty: repeat from the purchases; the agent does not see 王五.
    rep = gx.json("analytics", "loyalty", "repeat", *PERIOD, as_user="agent")
    assert [(r["customers"], r["repeaters"], r["repeat_rate"]) for r in rep] == [
        (2, 1, 0.5)]
    assert gx.json("report", "run", "analytics.loyalty", "--option", "from=2026-01-01",
                   "--option", "to=2026-06-30")["repeat"]["customers"] == 3
    assert "repeat_rate" in gx("analytics", "loyalty", "repeat", *PERIOD, "--csv").stdout
    membership = gx.json("analytics", "loyalty", "membership", *PERIOD)
    assert membership[0]["members"] == 0 and membership[0]["purchasers"] == 3

    # No survey kinds are enabled: a one-line "no data" and a failing exit.
    assert "no survey answers with a 0–10 score in 2026-01-01 – 2026-06-30" in gx.fails(
        "analytics", "loyalty", "nps", *PERIOD)
    assert "no purchases" in gx.fails("analytics", "loyalty", "repeat", "--from",
                                      "2020-01-01", "--to", "2020-12-31")


def test_bad_input_on_the_command_line(analytics_app: App, tmp_path: Path,
                                       database_url: str) -> None:
    ids = people(analytics_app, ["张三"])
    gx = GuanxiCli(tmp_path, database_url, plugins=["analytics"])
    before = count(analytics_app, "analytics_cdv_assessment")
    assert "field 'value': must not be negative" in gx.fails(
        "analytics", "delivered", "assess", "--", str(ids["张三"]), "service", "-5")
    assert "component" in gx.fails("analytics", "delivered", "assess", str(ids["张三"]),
                                   "price", "5")
    assert "customer" in gx.fails("analytics", "delivered", "assess", "nobody", "service", "5")
    assert count(analytics_app, "analytics_cdv_assessment") == before
    assert "give both --benefit and --cost" in gx.fails(
        "analytics", "delivered", "guard", "--benefit", "5")
    assert "group_by" in gx.fails("analytics", "delivered", "segments", "--group-by", "colour")
    assert "no customer has a delivered-value figure" in gx.fails(
        "analytics", "delivered", "customers", *PERIOD)
    assert "to" in gx.fails("analytics", "delivered", "customers", "--from", "2026-06-01",
                            "--to", "2026-01-01")
    bad = gx("analytics", "loyalty", "csat", "--by", "year", ok=False)
    assert bad.exit_code == 2  # click's usage error lists the choices
