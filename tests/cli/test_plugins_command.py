"""``guanxi plugins``: the listing with bridges, ``--hook NAME`` and ``--graph``."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli
from tests.core.test_plugins import install_fake_distribution, plugin_dir

__all__ = ["plugin_dir"]  # the fixture, used below

BRIDGE = """
import guanxi
plugin = guanxi.Plugin(name="sales_service", version="0.4.2", bridge=True,
                       requires={"sales": ">=0.1", "service": ">=0.1"})

@guanxi.hookimpl(tryfirst=True)
def customer_360_sections(uow, customer):
    return None
"""


@pytest.fixture
def project(tmp_path: Path, plugin_dir: Path) -> Path:
    install_fake_distribution(plugin_dir, "sales_service", BRIDGE)
    folder = tmp_path / "crm"
    GuanxiCli(folder)("init")
    return folder


def test_inactive_bridge_is_listed_with_what_it_needs(project: Path) -> None:
    gx = GuanxiCli(project, plugins=["sales_service"])
    with_service_off = GuanxiCli(project, plugins=["sales_service"])
    with_service_off.runner.env["GUANXI_DISABLED_PLUGINS"] = "service"
    rows = {row["name"]: row for row in with_service_off.json("plugins")}
    assert rows["sales_service"]["status"] == "inactive"
    assert rows["sales_service"]["reason"] == "needs service"
    assert rows["service"]["status"] == "disabled"
    assert rows["sales_service"]["requires"] == {"sales": ">=0.1", "service": ">=0.1"}
    table = with_service_off("plugins").stdout
    assert "inactive (needs service)" in table
    # With both sides on (the generic edition enables sales and service) it is active.
    rows = {row["name"]: row for row in gx.json("plugins")}
    assert rows["sales_service"]["status"] == "enabled" and rows["sales_service"]["bridge"]
    assert rows["sales_service"]["hooks"] == ["customer_360_sections"]


def test_hook_lists_implementations_in_call_order(project: Path) -> None:
    gx = GuanxiCli(project, plugins=["sales_service"])
    rows = gx.json("plugins", "--hook", "customer_360_sections")
    plugins = [row["plugin"] for row in rows]
    # tryfirst puts the bridge first; the others run last-registered first.
    assert plugins[0] == "sales_service" and rows[0]["options"] == "tryfirst"
    assert rows[0]["function"] == "gx_test_sales_service.customer_360_sections"
    assert plugins[1:] == ["service", "sales", "analytics"]  # reverse of the load order
    assert [row["order"] for row in rows] == [1, 2, 3, 4]
    # The core calls registration hooks once per plugin in load order.
    jobs = [row["plugin"] for row in gx.json("plugins", "--hook", "register_jobs")]
    in_load_order = [row["name"] for row in gx.json("plugins") if "register_jobs" in row["hooks"]]
    assert jobs == in_load_order and jobs[0] == "core"


def test_hook_offered_by_a_plugin_is_known(project: Path) -> None:
    rows = GuanxiCli(project).json("plugins", "--hook", "analytics_report_sections")
    assert rows == []  # offered by analytics, implemented by no generic plugin


def test_unknown_hook_is_one_line_with_a_suggestion(project: Path) -> None:
    error = GuanxiCli(project).fails("plugins", "--hook", "customer_360_section")
    assert error == ("error: --hook: no hook named 'customer_360_section' "
                     "(did you mean 'customer_360_sections'?)")
    usage = GuanxiCli(project)("plugins", "--hook", "app_ready", "--graph", ok=False)
    assert usage.exit_code == 2
    assert "--hook and --graph do not go together" in usage.stderr


def test_graph_of_the_enabled_set(project: Path) -> None:
    gx = GuanxiCli(project, plugins=["sales_service"])
    graph = gx.json("plugins", "--graph")
    names = {node["name"] for node in graph["nodes"]}
    assert {"sales", "marketing", "service", "analytics", "sales_service"} <= names
    assert "core" not in names
    assert {"from": "sales_service", "to": "service", "range": ">=0.1"} in graph["edges"]
    assert all(edge["from"] in names and edge["to"] in names for edge in graph["edges"])
    text = gx("plugins", "--graph").stdout
    lines = text.splitlines()
    bridge_line = next(i for i, line in enumerate(lines) if "sales_service" in line)
    assert "[bridge]" in lines[bridge_line]
    # What the bridge requires hangs beneath it, with the range it wants.
    beneath = "\n".join(lines[bridge_line + 1 : bridge_line + 3])
    assert "sales 0.1.0 (wants >=0.1)" in beneath and "service 0.1.0 (wants >=0.1)" in beneath


def test_graph_shows_an_inactive_bridge(project: Path) -> None:
    gx = GuanxiCli(project, plugins=["sales_service"])
    gx.runner.env["GUANXI_DISABLED_PLUGINS"] = "sales"
    graph = gx.json("plugins", "--graph")
    node = next(node for node in graph["nodes"] if node["name"] == "sales_service")
    assert node["status"] == "inactive (needs sales)"
    assert "sales_service [bridge] inactive (needs sales)" in gx("plugins", "--graph").stdout
