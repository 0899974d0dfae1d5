"""Repair orders on the command line: open, steps, promise, parts used, delivery, reports;
bad input as one line with nothing stored; the demo's repair orders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from guanxi.testing import GuanxiCli
from tests.conftest import demo_content_on_sqlite_only


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["service"])
    cli("init", "--db", database_url)
    cli("staff", "add", "wang", "王工")
    cli("access", "grant", "wang", "agent")
    cli("staff", "add", "li", "李工")
    cli("access", "grant", "li", "agent")
    return cli


def rows(gx: GuanxiCli, table: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(gx.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def test_the_command_line_runs_a_repair_order(gx: GuanxiCli) -> None:
    zhang = str(gx.json("customer", "add", "张三", "--owner", "wang")["id"])
    asset = gx.json("service", "assets", "register", zhang, "XE215-9", "--product", "挖掘机",
                    "--model", "XE215")
    aid = str(asset["id"] if "id" in asset else asset["asset"]["id"])
    opened = gx.json("service", "repairs", "open", "--customer", zhang, "--asset", aid,
                     "--location", "field", "--site", "徐州工地", "--technician", "wang",
                     "--promised", "2099-01-01 17:00", "--description", "液压泵异响")
    rid = opened["repair"]["number"]
    assert (rid, opened["repair"]["billing"], opened["repair"]["step"]) == (
        "RO-000001", "paid", "received")
    assert "moved repair order RO-000001: open, step diagnosed" in gx(
        "service", "repairs", "step", rid, "diagnosed", "--note", "密封圈损坏").stdout
    promised = gx.json("service", "repairs", "promise", rid, "2099-01-03",
                       "--reason", "等配件")
    assert promised["promise_changes"] == 1
    gx("service", "parts", "add", "P-1", "密封圈", "--unit", "个", "--cost", "38.50")
    gx("service", "parts", "locations", "--add", "XZ", "--name", "徐州中心库",
       "--region", "华东")
    gx("service", "parts", "receive", "P-1", "XZ", "5")
    reserved = gx.json("service", "parts", "reserve", rid, "P-1", "XZ", "2")
    assert reserved["reserved"] == 2
    used = gx.json("service", "repairs", "use-part", rid, "P-1", "2")
    assert [u["quantity"] for u in used] == [2]
    shown = gx("service", "repairs", "show", rid).stdout
    assert "used 2 × P-1 密封圈 from XZ: 77.00" in shown and "diagnosed — 密封圈损坏" in shown
    assert "parts_cost: 77.00" in shown
    gx("service", "repairs", "note", rid, "已通知客户")
    gx("service", "repairs", "assign", rid, "li")
    assert gx.json("service", "repairs", "progress")[0]["technician"] == "li"
    done = gx.json("service", "repairs", "complete", rid, "--labour", "600")
    assert (done["repair"]["status"], done["repair"]["on_time"], done["labour_charge"]) == (
        "delivered", True, "600.00")
    listed = gx.json("service", "repairs", "list", "--status", "delivered")
    assert [(r["number"], r["customer"], r["parts_cost"]) for r in listed] == [
        ("RO-000001", "张三", "77.00")]
    by_tech = gx.json("service", "repairs", "on-time", "--by", "technician")
    assert [(r["technician"], r["on_time_rate"]) for r in by_tech] == [("li", 1.0),
                                                                        ("total", 1.0)]
    assert "100.0%" in gx("service", "repairs", "on-time").stdout
    report = gx.json("report", "run", "service.repair_on_time")
    assert report["total"]["delivered"] == 1
    assert gx.json("report", "run", "service.repair_progress")["open"] == 0
    second = gx.json("service", "repairs", "open", "--customer", zhang)["repair"]["number"]
    assert gx.json("service", "repairs", "cancel", second, "--reason", "重复")["repair"][
        "status"] == "cancelled"


def test_bad_input_is_one_line_and_stores_nothing(gx: GuanxiCli) -> None:
    zhang = str(gx.json("customer", "add", "张三", "--owner", "wang")["id"])
    lisi = str(gx.json("customer", "add", "李四", "--owner", "li")["id"])
    asset = gx.json("service", "assets", "register", lisi, "LW500-1", "--product", "装载机")
    aid = str(asset["id"] if "id" in asset else asset["asset"]["id"])
    before = rows(gx, "service_repair_order")
    assert gx.fails("service", "repairs", "open", "--customer", zhang, "--asset", aid) == (
        f"error: field 'asset_id': asset {aid} belongs to another customer")
    assert "promised_at" in gx.fails("service", "repairs", "open", "--customer", zhang,
                                     "--promised", "2001-01-01")
    assert "technician" in gx.fails("service", "repairs", "open", "--customer", zhang,
                                    "--technician", "nobody")
    assert "customer" in gx.fails("service", "repairs", "open", "--customer", "nobody@x.cn")
    assert rows(gx, "service_repair_order") == before
    rid = gx.json("service", "repairs", "open", "--customer", zhang)["repair"]["number"]
    assert "step" in gx.fails("service", "repairs", "step", rid, "painting")
    assert "reason" in gx.fails("service", "repairs", "cancel", rid, "--reason", " ")
    assert "no repair order" in gx.fails("service", "repairs", "show", "RO-999999")
    assert rows(gx, "service_repair_step") == 1


def test_the_demo_has_repair_orders_on_the_demo_assets(tmp_path: Path,
                                                       database_url: str) -> None:
    demo_content_on_sqlite_only(database_url)
    gx = GuanxiCli(tmp_path / "demo", database_url, plugins=["service"])
    gx("init", "--demo", "--db", database_url)
    orders = gx.json("service", "repairs", "list", "--limit", "500")
    assert 20 <= len(orders) <= 30
    assert all(o["asset_id"] is not None for o in orders)
    delivered = [o for o in orders if o["status"] == "delivered"]
    assert delivered and any(o["on_time"] is False for o in delivered)
    assert any(o["on_time"] for o in delivered)
    assert {o["status"] for o in orders} == {"open", "delivered", "cancelled"}
    assert {o["location"] for o in orders} == {"workshop", "field"}
    report = gx.json("report", "run", "service.repair_on_time", "--option", "by=product")
    assert 0 < report["total"]["on_time_rate"] < 1
    parts = gx.json("service", "parts", "stock")
    assert len({p["part"] for p in parts}) == 30 and len({p["location"] for p in parts}) == 4
    assert any(o["parts_cost"] != "0.00" for o in delivered)
    stockouts = gx.json("service", "parts", "stockouts")
    assert stockouts and any(s["filled_at"] for s in stockouts)
    turnover = gx.json("service", "parts", "turnover")
    assert any(t["turnover"] and t["turnover"] > 0 for t in turnover)
    assert gx.json("report", "run", "service.parts_low_stock")["rows"]
    assert dt.date.fromisoformat(gx.json("report", "run", "service.parts_turnover")["end"])
