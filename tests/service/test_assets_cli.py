"""Assets and warranties on the command line: ``guanxi service assets …``."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli
from tests.service.assets_support import count


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["service"])
    cli("init", "--db", database_url)
    return cli


def _world(gx: GuanxiCli) -> dict[str, int]:
    gx("staff", "add", "wang", "王芳")
    gx("access", "grant", "wang", "agent")
    gx("staff", "add", "li", "李强")
    return {
        "owner": gx.json("customer", "add", "三一工程有限公司", "--org-kind",
                         "--email", "info@sany.example.cn", "--owner", "wang")["id"],
        "buyer": gx.json("customer", "add", "华东建设有限公司", "--org-kind",
                         "--owner", "li")["id"],
        "dealer": gx.json("customer", "add", "徐工江苏经销", "--org-kind",
                          "--role", "dealer")["id"],
    }


def test_the_command_line_keeps_an_asset_archive(gx: GuanxiCli) -> None:
    w = _world(gx)
    made = gx.json("service", "assets", "register", "info@sany.example.cn", "xe215-0001 ",
                   "--product", "履带式挖掘机", "--model", "XE215", "--dealer", str(w["dealer"]),
                   "--location", "徐州工地", "--attr", "工作小时=120", "--attr", "发动机号=SC1")
    asset = str(made["asset"]["id"])
    assert (made["asset"]["serial_number"], made["asset"]["dealer"], made["attributes"]) == (
        "XE215-0001", "徐工江苏经销", {"工作小时": "120", "发动机号": "SC1"})
    assert "handed over asset" in gx("service", "assets", "handover", "XE215-0001",
                                     "--on", "2025-01-10").stdout
    added = gx.json("service", "assets", "warranty", "add", asset, "--terms", "整机三包 12 个月",
                    "--months", "12", "--coverage", "整机")
    assert (added["starts_on"], added["ends_on"]) == ("2025-01-10", "2026-01-09")
    assert gx.json("service", "assets", "warranty", "status", asset, "--on", "2025-06-01")[
        "status"] == "in_warranty"
    assert "expired" in gx("service", "assets", "warranty", "status", asset, "--on",
                           "2026-01-10").stdout
    listed = gx.json("service", "assets", "warranty", "list", asset)
    assert [(t["terms"], t["ends_on"]) for t in listed] == [("整机三包 12 个月", "2026-01-09")]
    updated = gx.json("service", "assets", "update", asset, "--model", "XE215E",
                      "--attr", "工作小时=800", "--attr", "发动机号=")
    assert (updated["asset"]["model"], updated["attributes"]) == (
        "XE215E", {"工作小时": "800"})
    shown = gx("service", "assets", "show", asset).stdout
    assert "dealer: 徐工江苏经销" in shown and "warranty 1: 整机三包 12 个月" in shown
    rows = gx.json("service", "assets", "list", "--customer", str(w["owner"]))
    assert [(r["serial_number"], r["customer"]) for r in rows] == [
        ("XE215-0001", "三一工程有限公司")]
    assert gx.json("service", "assets", "list", "--search", "xe215", as_user="wang")
    moved = gx.json("service", "assets", "transfer", asset, str(w["buyer"]),
                    "--note", "二手转让")
    assert moved["customer_id"] == w["buyer"]
    assert gx.json("service", "assets", "list", as_user="wang") == []  # not his customer's now
    history = gx.json("service", "assets", "history", asset, "--source", "asset")
    assert [e["kind"] for e in history] == [
        "handed_over", "registered", "warranty_added", "updated", "transferred"]
    assert "transferred" in gx("service", "assets", "history", asset).stdout
    assert gx.json("service", "assets", "retire", asset, "--reason", "报废")["asset"][
        "status"] == "retired"
    assert gx.json("service", "assets", "by-dealer", "--all")[0]["dealer"] == "徐工江苏经销"
    assert gx.json("service", "assets", "expiring", "--days", "30") == []
    report = gx.json("report", "run", "service.assets_by_dealer")
    assert report["total"]["assets"] == 0  # the only asset is retired


def test_bad_input_on_the_command_line_is_one_line_and_stores_nothing(
    gx: GuanxiCli, database_url: str
) -> None:
    w = _world(gx)
    asset = str(gx.json("service", "assets", "register", str(w["owner"]), "LW500-1",
                        "--product", "轮式装载机", "--handed-over", "2025-06-01")["asset"]["id"])
    before = (count_of(gx, "service_asset"), count_of(gx, "service_warranty"))
    cases = [
        (("register", "999999", "X-1", "--product", "x"), "field 'customer'"),
        (("register", str(w["owner"]), "lw500-1 ", "--product", "x"), "field 'serial_number'"),
        (("register", str(w["owner"]), "X-2", "--product", "x", "--dealer", str(w["buyer"])),
         "field 'dealer'"),
        (("register", str(w["owner"]), "X-3", "--product", "x", "--handed-over", "2099-01-01"),
         "field 'handed_over_on'"),
        (("register", str(w["owner"]), "X-4", "--product", "x", "--attr", "novalue"),
         "field 'attributes'"),
        (("warranty", "add", asset, "--terms", "x", "--starts", "2025-05-01", "--months", "3"),
         "field 'starts_on'"),
        (("warranty", "add", asset, "--terms", "x", "--starts", "2025-07-01", "--ends",
          "2025-06-30"), "field 'ends_on'"),
        (("warranty", "add", asset, "--terms", "x"), "field 'ends_on'"),
        (("warranty", "status", asset, "--on", "yesterday"), "field 'on'"),
        (("transfer", asset, str(w["owner"])), "field 'to_customer'"),
        (("handover", asset), "field 'on'"),
        (("update", asset, "--serial", "坏"), "field 'serial_number'"),
        (("expiring", "--days", "-3"), "field 'days'"),
    ]
    for args, message in cases:
        assert message in gx.fails("service", "assets", *args), args
    assert gx.fails("service", "assets", "show", "NOPE-1") == "error: no asset 'NOPE-1'"
    assert (count_of(gx, "service_asset"), count_of(gx, "service_warranty")) == before


def count_of(gx: GuanxiCli, table: str) -> int:
    from guanxi.app import create_app

    app = create_app(gx.project, settings={"core": {"database_url": gx.database_url}},
                     enable=["service"])
    try:
        return count(app, table)
    finally:
        app.close()
