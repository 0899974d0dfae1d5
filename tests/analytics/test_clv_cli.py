"""``guanxi analytics clv …`` on the command line: fit, show, customers, holdout; JSON,
CSV and tables; bad input as one line; what a restricted user sees."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from guanxi.app import App
from guanxi.testing import GuanxiCli
from tests.analytics.clv_support import small_base


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics"])
    cli("init", "--db", database_url)
    for name in ("wang", "li"):
        cli("staff", "add", name, name)
        cli("access", "grant", name, "agent")
    return cli


def test_the_command_line(gx: GuanxiCli, make_analytics_app: Callable[..., App]) -> None:
    assert "no CLV fit yet" in gx.fails("analytics", "clv", "show")
    assert "no purchases" in gx.fails("analytics", "clv", "fit")
    owners = {f"C{n:02d}": ("wang" if n <= 15 else "li") for n in range(1, 61)}
    # The data goes in through the services, on the database the command line uses.
    ids = small_base(make_analytics_app(migrate=False), owners=owners)
    # Agents may read CLV figures but not refit.
    assert "may not create analytics.model_fit" in gx.fails(
        "analytics", "clv", "fit", "--to", "2025-12-31", as_user="wang")
    assert "before the first purchase" in gx.fails(
        "analytics", "clv", "fit", "--calibration-end", "2024-01-01", "--to", "2025-12-31")

    fit = gx.json("analytics", "clv", "fit", "--calibration-end", "2025-09-30",
                  "--to", "2025-12-31")
    assert (fit["customers"], fit["calibration_end"], fit["observation_end"]) == (
        60, "2025-09-30", "2025-12-31")
    assert set(fit["params"]) >= {"r", "alpha", "a", "b", "p", "q", "gamma"}
    assert fit["holdout"]["time_unit"] == "weeks" and "tracking" not in fit["holdout"]
    text = gx("analytics", "clv", "show").stdout
    assert f"fit {fit['id']}: calibration" in text and "BG/NBD α" in text
    assert "holdout 2025-09-30 – 2025-12-31: predicted" in text

    everyone = gx.json("analytics", "clv", "customers", "--limit", "100")
    assert len(everyone) == 60
    assert [float(r["clv"]) for r in everyone] == sorted(
        (float(r["clv"]) for r in everyone), reverse=True)
    mine = gx.json("analytics", "clv", "customers", "--limit", "100", as_user="wang")
    assert {r["customer_id"] for r in mine} == {ids[f"C{n:02d}"] for n in range(1, 16)}
    risky = gx.json("analytics", "clv", "customers", "--order", "p_alive", "--ascending",
                    "--alive-below", "0.5")
    assert all(r["p_alive"] < 0.5 for r in risky)
    lines = gx("analytics", "clv", "customers", "--limit", "3", "--csv").stdout.splitlines()
    assert lines[0] == ("customer_id,customer,frequency,recency,age,monetary,"
                        "expected_purchases,p_alive,clv") and len(lines) == 4
    assert "customer lifetime value" in gx("analytics", "clv", "customers").stdout
    unknown = gx("analytics", "clv", "customers", "--order", "value", ok=False)
    assert unknown.exit_code == 2 and "Invalid value for '--order'" in unknown.stderr
    assert "alive_below" in gx.fails("analytics", "clv", "customers", "--alive-below", "2")

    groups = gx.json("analytics", "clv", "holdout")
    assert [g["frequency"] for g in groups] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(g["customers"] for g in groups) == 60
    weeks = gx("analytics", "clv", "holdout", "--by", "week", "--csv").stdout.splitlines()
    assert weeks[0] == "week_ending,period,actual,predicted"
    assert weeks[-1].startswith("2025-12-31,holdout,")
    assert gx.json("report", "run", "analytics.clv_fit")["fit"]["id"] == fit["id"]
    top = gx.json("report", "run", "analytics.clv_customers", "--option", "limit=2",
                  as_user="wang")
    assert [r["customer_id"] for r in top["customers"]] == [r["customer_id"] for r in mine[:2]]
