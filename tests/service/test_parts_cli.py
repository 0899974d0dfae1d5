"""Spare parts on the command line: catalogue, locations, stock, transfers, counts,
reservations, stock-outs, low stock, turnover; bad input as one line, nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli
from tests.service.test_repairs_cli import rows


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["service"])
    cli("init", "--db", database_url)
    for user, role in (("wang", "agent"), ("boss", "manager")):
        cli("staff", "add", user, user)
        cli("access", "grant", user, role)
    zhang = str(cli.json("customer", "add", "张三", "--owner", "wang")["id"])
    cli("service", "repairs", "open", "--customer", zhang)
    cli("service", "parts", "add", "p-1", "液压泵密封圈", "--unit", "个", "--cost", "38.00")
    cli("service", "parts", "add", "P-2", "斗齿", "--cost", "85.00")
    for code, name, kind, region in (("XZ", "徐州中心库", "warehouse", "华东"),
                                     ("CD", "成都服务站", "station", "西南")):
        cli("service", "parts", "locations", "--add", code, "--name", name, "--kind", kind,
            "--region", region)
    return cli


def test_stock_moves_and_reports_on_the_command_line(gx: GuanxiCli) -> None:
    assert [(p["number"], p["name"], p["unit"]) for p in gx.json("service", "parts", "list")] \
        == [("P-1", "液压泵密封圈", "个"), ("P-2", "斗齿", "pc")]
    assert [(r["code"], r["region"]) for r in gx.json("service", "parts", "locations")] == [
        ("CD", "西南"), ("XZ", "华东")]
    assert "received 10: 10 on hand, 10 available" in gx(
        "service", "parts", "receive", "P-1", "XZ", "10", "--reference", "PO-1").stdout
    moved = gx.json("service", "parts", "transfer", "P-1", "XZ", "CD", "4")
    assert (moved["from"]["on_hand"], moved["to"]["on_hand"]) == (6, 4)
    counted = gx.json("service", "parts", "adjust", "P-1", "XZ", "5", "--reason", "盘点",
                      as_user="boss")
    assert (counted["book"], counted["counted"]) == (6, 5)
    gx("service", "parts", "reorder", "P-1", "CD", "--point", "3", "--quantity", "10")
    held = gx.json("service", "parts", "reserve", "RO-000001", "P-1", "CD", "6",
                   "--backorder")
    assert (held["reserved"], held["short"]) == (4, 2)
    assert [(r["part"], r["held"]) for r in gx.json("service", "parts", "reservations")] == [
        ("P-1", 4)]
    stock = {r["location"]: r for r in gx.json("service", "parts", "stock", "--part", "P-1")}
    assert (stock["CD"]["on_hand"], stock["CD"]["reserved"], stock["CD"]["available"]) == (
        4, 4, 0)
    assert stock["XZ"]["value"] == "190.00"
    low = gx.json("service", "parts", "low-stock")
    assert [(r["location"], r["shortfall"], r["open_stockouts"]) for r in low] == [("CD", 3, 1)]
    outs = gx.json("service", "parts", "stockouts", "--open")
    assert [(s["part"], s["short"], s["repair"]) for s in outs] == [("P-1", 2, "RO-000001")]
    assert "held" in gx("service", "parts", "release", str(held["reservation_id"]),
                        "--quantity", "1").stdout
    gx("service", "repairs", "use-part", "RO-000001", "P-1", "3")
    turnover = {(r["part"], r["location"]): r for r in gx.json("service", "parts",
                                                                "turnover")}
    assert turnover[("P-1", "CD")]["issued"] == 3
    assert "turnover" in gx("service", "parts", "turnover").stdout
    assert gx.json("report", "run", "service.parts_stockouts")["count"] == 1


def test_bad_input_is_one_line_and_stores_nothing(gx: GuanxiCli) -> None:
    gx("service", "parts", "receive", "P-1", "XZ", "3")
    before = {t: rows(gx, t) for t in ("service_stock_movement", "service_part_reservation",
                                       "service_stockout", "service_part")}
    assert gx.fails("service", "parts", "reserve", "RO-000001", "P-1", "XZ", "5") == (
        "error: field 'quantity': cannot reserve 5 个 of P-1 at XZ: only 3 available "
        "(3 on hand, 0 reserved)")
    assert "quantity" in gx.fails("service", "parts", "receive", "P-1", "XZ", "0")
    assert "quantity" in gx.fails("service", "parts", "transfer", "P-1", "XZ", "CD", "9")
    assert "part" in gx.fails("service", "parts", "receive", "P-9", "XZ", "1")
    assert "number" in gx.fails("service", "parts", "add", "P-1", "重复")
    assert "unit_cost" in gx.fails("service", "parts", "add", "P-3", "滤芯", "--cost", "abc")
    assert "may not create service.stock_adjustment" in gx.fails(
        "service", "parts", "adjust", "P-1", "XZ", "2", "--reason", "盘点", as_user="wang")
    assert {t: rows(gx, t) for t in before} == before
