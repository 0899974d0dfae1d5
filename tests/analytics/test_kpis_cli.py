"""``guanxi analytics kpis …``, the kpis reports, KPIs and HTML sections, over a small
log (figures by hand in the comments; the edition's zone is UTC here)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from guanxi.app import App, create_app
from guanxi.testing import GuanxiCli
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import collect_kpis
from guanxi_analytics.sections import collect_sections
from tests.analytics.kpis_support import NOW, campaign, log, purchase, repair, ticket

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")
MARCH_PERIOD = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))


def small_log(app: App) -> None:
    """Campaign 1 sent to A and B (cost 50 each), A responded 03-03 and bought 300 on 03-08
    (credited to 1 by every model): ROI (300 − 100) / 100 = 2.0. Tickets: T1 urgent
    resolved in 2 h (met), T2 normal complaint resolved in 80 h (missed, target 72) →
    SLA 1/2; complaints 1 opened, 1 resolved. Repairs: one on time, one late → 1/2."""
    from guanxi.services.customers import add_customer

    with app.transaction(now=NOW) as uow:
        a = add_customer(uow, name="张三").id
        b = add_customer(uow, name="李四").id
    log(app, [
        campaign("sent", a, 1, "03-01", cost="50", direction="outbound"),
        campaign("sent", b, 1, "03-01", cost="50", direction="outbound"),
        campaign("responded", a, 1, "03-03"), purchase(a, "03-08", "300"),
        ticket("opened", a, 1, "03-02", priority="urgent"),
        ticket("resolved", a, 1, "03-02 02:00", priority="urgent"),
        ticket("opened", b, 2, "03-02", type_="complaint"),
        ticket("resolved", b, 2, "03-05 08:00", type_="complaint"),
        repair(a, 1, "03-10", True), repair(b, 2, "03-11", False),
    ])


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    plugins = ["analytics", "marketing", "service"]
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=plugins)
    cli("init", "--db", database_url)
    app = create_app(cli.project, settings={
        "core": {"database_url": database_url, "timezone": "UTC"},
        "service": {"surveys": {"send_after": []}}}, enable=plugins)
    try:
        small_log(app)
    finally:
        app.close()
    return cli


def test_the_kpis_commands_and_reports(gx: GuanxiCli) -> None:
    [row] = gx.json("analytics", "kpis", "campaigns", *MARCH)
    assert (row["members"], row["responded"], row["response_rate"], row["cost"],
            row["attributed_linear"], row["roi"]) == (2, 1, 0.5, "100.00", "300.00", 2.0)
    table = gx("analytics", "kpis", "campaigns", *MARCH).stdout
    assert "春季促销" in table and "200.0%" in table
    [credit] = gx.json("analytics", "kpis", "attribution", *MARCH)
    assert credit == {"campaign_id": 1, "first_touch": "300.00", "last_touch": "300.00",
                      "linear": "300.00"}
    figures = {r["indicator"]: (r["rate"], r["count"], r["of"])
               for r in gx.json("analytics", "kpis", "service", *MARCH)}
    assert figures["sla_compliance"] == (0.5, 1, 2)
    assert figures["repair_on_time"] == (0.5, 1, 2)
    assert figures["complaint_resolution"] == (1.0, 1, 1)
    assert figures["complaint_satisfaction"] == (None, 0, 0)  # no survey answered
    csv = gx("analytics", "kpis", "sla", *MARCH, "--csv").stdout.splitlines()
    assert csv[0].startswith("priority,resolved,target_hours,measured,met,compliance")
    assert csv[1:] == ["urgent,1,4.0,1,1,1.0,0,2.0", "normal,1,72.0,1,0,0.0,0,80.0"]
    report = gx.json("report", "run", "analytics.service_kpis", "--option", "from=2026-03-01",
                     "--option", "to=2026-03-31")
    assert (report["sla_compliance"], report["repair_on_time_rate"]) == (0.5, 0.5)
    campaigns = gx.json("report", "run", "analytics.campaign_kpis", "--option",
                        "from=2026-03-01", "--option", "to=2026-03-31")
    assert campaigns["roi"] == 2.0
    # Bad input: one line naming the option, exit 1.
    assert "window" in gx.fails("analytics", "kpis", "attribution", "--window", "0")
    assert "window" in gx.fails("report", "run", "analytics.attribution", "--option",
                                "window=a week")
    assert "model" in gx.fails("report", "run", "analytics.service_kpis", "--option",
                               "model=linear")


def test_without_marketing_and_service_the_commands_say_no_data(
        tmp_path: Path, database_url: str) -> None:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics"])
    cli("init", "--db", database_url)
    assert cli("analytics", "kpis", "campaigns").stdout.startswith(
        "no data: no campaign entries (marketing.campaign_sent")
    assert cli("analytics", "kpis", "sla").stdout.startswith("no data: no ticket resolutions")
    assert json.loads(cli("analytics", "kpis", "attribution", "--json").stdout) == []
    rates = {r["indicator"]: r["rate"] for r in json.loads(
        cli("analytics", "kpis", "service", "--json").stdout)}
    assert set(rates.values()) == {None}
    assert "no data" in cli("analytics", "kpis", "service").stdout


def test_scorecard_kpis_and_report_sections(make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(enable=["marketing", "service"], settings={
        "core": {"timezone": "UTC"}, "service": {"surveys": {"send_after": []}}})
    small_log(app)
    found = collect_kpis()
    with app.transaction(now=NOW) as uow:
        values = {key: found[key].compute(uow, MARCH_PERIOD) for key in (
            "kpis.campaign_roi", "kpis.sla_compliance", "kpis.repair_on_time",
            "kpis.complaint_resolution", "pipeline.win_rate")}
        sections = {s.key: s for s in collect_sections(uow, MARCH_PERIOD)
                    if s.key.startswith(("kpis.", "pipeline."))}
    assert values == {"kpis.campaign_roi": 2.0, "kpis.sla_compliance": 0.5,
                      "kpis.repair_on_time": 0.5, "kpis.complaint_resolution": 1.0,
                      "pipeline.win_rate": None}  # sales is not enabled: no data
    assert sections["pipeline.funnel"].empty.startswith("no opportunity entries")
    roi = sections["kpis.campaign_roi"]
    assert roi.chart is not None and roi.chart.kind == "bar"
    assert roi.chart.series == {"ROI": [200.0]}
    service = sections["kpis.service"]
    assert service.chart is not None and service.chart.labels == ["2026-03"]
    assert service.chart.series["SLA compliance"] == [50.0]
    assert json.dumps([s.table.rows for s in sections.values() if s.table], default=str)
