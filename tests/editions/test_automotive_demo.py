"""The automotive demo: ``init --demo``, ``edition check``, and the analytics report.

One ``init --demo`` for the module. The demo is a dealer network's: dealers with the
dealer role, a car for most owners sold at one of them, serviced at it or another,
calls to the 800 centre, website registrations — and the analytics report shows the
edition's kinds, its owner-club tiers and the figures the demo implies.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> GuanxiCli:
    gx = GuanxiCli(tmp_path_factory.mktemp("automotive-demo"))
    result = gx("init", "--edition", "automotive", "--demo")
    assert "320 people" in result.output
    return gx


def test_the_demo_checks_and_looks_like_a_dealer_network(demo: GuanxiCli) -> None:
    checked = demo("edition", "check").output
    assert "database: at head, schema matches the models" in checked
    dealers = demo.json("customer", "list", "--role", "dealer", "--limit", "100")
    assert {"上海浦东新世纪汽车销售服务有限公司", "苏州工业园区华骏汽车4S店"} <= {
        d["name"] for d in dealers
    }
    vehicles = demo.json("service", "assets", "list", "--product", "乘用车", "--limit", "1000")
    assert 200 <= len(vehicles) <= 320
    assert all(len(v["serial_number"]) == 17 for v in vehicles)
    # One car's archive reads across the dealers that serviced it, in time order.
    history = demo.json("automotive", "vehicle", vehicles[0]["serial_number"])["history"]
    assert history[0]["what"] in ("automotive.vehicle_sale", "service.handed_over")
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    repairs = demo.json("interaction", "list", "--kind", "automotive.repair_order",
                        "--limit", "5000")  # fmt: skip
    assert 500 <= len(repairs) <= 1200


def _text(html: str) -> str:
    """The report's visible text, one space between words."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_analytics_report_shows_the_edition(demo: GuanxiCli, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    demo("analytics", "report", "--out", str(out), "--from", "2025-11-01", "--to", "2026-10-31")
    page = _text(out.read_text(encoding="utf-8"))
    assert "版本 汽车经销商网络 Automotive dealer network" in page
    # The new-car pipeline's stages and the edition's lost reasons drive the funnel.
    assert "Sales funnel (new_car)" in page
    stages = re.findall(r"(线索|到店|试驾|报价|订车|交车): \d+", page)
    assert stages[:6] == ["线索", "到店", "试驾", "报价", "订车", "交车"]
    assert "贷款未批" in page or "竞品" in page
    # The demo's after-sales products (vocabulary) are the 7P product view.
    for product in ("延保服务 3 年", "保养套餐 (4 次)", "原厂脚垫"):
        assert product in page, product
    # The lifecycle figures are the demo's: as many test-drive customers as the list has.
    on_test_drive = demo.json("customer", "list", "--stage", "test_drive", "--limit", "1000")
    assert f"test_drive {len(on_test_drive)}" in page
