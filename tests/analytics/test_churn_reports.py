"""The churn area's reports, KPIs and HTML report sections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi_analytics.churn import html_sections, kpis
from guanxi_analytics.churn.models import ChurnAlert
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import collect_kpis
from tests.analytics.churn_support import at, buy, people

FEB = Period(dt.date(2026, 2, 1), dt.date(2026, 3, 1))
JAN_FEB = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 1))
JAN_MAR = Period(dt.date(2026, 1, 1), dt.date(2026, 4, 1))


@pytest.fixture
def world(analytics_app: App) -> dict[str, int]:
    """A buys in Jan and Feb, B in Jan only, C (another agent's) in Jan and Feb; one open
    and one closed alert for February."""
    app = analytics_app
    ids = people(app, list("ABC"), hidden=("C",))
    buy(app, ids["A"], ("2026-01-10", 100), ("2026-02-10", 100))
    buy(app, ids["B"], ("2026-01-11", 50))
    buy(app, ids["C"], ("2026-01-12", 10), ("2026-02-12", 10))
    with app.transaction(now=at("2026-03-02")) as uow:
        for customer, status in (("B", "open"), ("C", "closed")):
            uow.session.add(ChurnAlert(
                customer_id=ids[customer], kind="threshold", month=FEB.start,
                amount=Decimal("0"), count=0, threshold_amount=Decimal("25"), basis="default",
                status=status, raised_at=at("2026-03-01 03:30"),
                outcome="churned" if status == "closed" else None,
                cause="firm" if status == "closed" else None,
                closed_at=at("2026-03-05") if status == "closed" else None))
    return ids


def test_kpis(analytics_app: App, world: dict) -> None:
    found = {k.key: k for k in kpis()}
    assert set(found) == {"churn.retention_rate", "churn.churn_rate", "churn.open_alerts"}
    assert set(found) <= set(collect_kpis())
    with analytics_app.transaction(now=at("2026-03-10")) as uow:
        values = {key: kpi.compute(uow, FEB) for key, kpi in found.items()}
    # Jan {A, B, C} → Feb {A, C}: retention 2/3, churn 1/3; alerts of Feb not closed: B's.
    assert values == {"churn.retention_rate": 0.6667, "churn.churn_rate": 0.3333,
                      "churn.open_alerts": 1.0}
    with analytics_app.transaction(as_user="agent", now=at("2026-03-10")) as uow:
        restricted = {key: kpi.compute(uow, FEB) for key, kpi in found.items()}
    # Without C: Jan {A, B} → Feb {A}: 1/2.
    assert restricted["churn.retention_rate"] == 0.5
    with analytics_app.transaction() as uow:
        # January: nobody bought in December, and no alert is for January.
        assert found["churn.retention_rate"].compute(uow, Period(
            dt.date(2026, 1, 1), dt.date(2026, 2, 1))) is None
        assert found["churn.open_alerts"].compute(uow, Period(
            dt.date(2026, 1, 1), dt.date(2026, 2, 1))) is None


def test_html_sections_carry_charts_and_formulas(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-03-10")) as uow:
        sections = {s.key: s for s in html_sections(uow, JAN_MAR)}
    assert list(sections) == ["churn.cohorts", "churn.retention", "churn.alerts", "churn.risk"]
    cohorts = sections["churn.cohorts"]
    # One cohort (Jan: A, B, C); Feb: A, C → 66.7 %; March: nobody yet. Month +0 (always
    # 100 %) is left out of the heatmap; the row label carries the cohort's size.
    assert cohorts.chart.kind == "heatmap" and cohorts.chart.columns == ["+1", "+2"]
    assert cohorts.chart.series == {"2026-01 (3)": [66.7, 0.0]}
    assert cohorts.table.rows == [["2026-01", 3, 3, 2, 0]]
    assert "still running" in cohorts.summary
    # Jan: nobody bought in Dec (no rate); Feb 2 of 3. March (0 of 2 so far) is still
    # running on 10 March: in the table, marked, and out of the line.
    retention = sections["churn.retention"]
    assert retention.chart.kind == "line" and retention.chart.labels == ["2026-01", "2026-02"]
    assert retention.chart.series == {"retention": [None, 66.7], "churn": [None, 33.3]}
    assert retention.table.rows[2][:2] == ["2026-03 (running)", 2]
    alerts = sections["churn.alerts"]
    assert alerts.chart.kind == "stacked_bar"
    assert alerts.chart.series == {"threshold": [0, 2, 0], "drop": [0, 0, 0]}
    # C's alert was closed on 5 March as churned through the firm's errors.
    assert alerts.table.rows[2] == ["firm", 1, 100.0]
    assert sections["churn.risk"].table.rows and all(s.formula for s in sections.values())


def test_html_sections_say_what_is_missing(analytics_app: App) -> None:
    with analytics_app.transaction(now=at("2026-03-10")) as uow:
        sections = html_sections(uow, JAN_FEB)
    assert all(s.empty and s.chart is None and s.table is None for s in sections)


def test_reports(analytics_app: App, world: dict) -> None:
    reports = analytics_app.registry.reports
    with analytics_app.transaction(now=at("2026-03-10")) as uow:
        cohorts = reports["analytics.cohorts"].func(uow, start="2026-01-01", end="2026-02-28")
        retention = reports["analytics.retention"].func(uow, start="2026-01-01",
                                                        end="2026-02-28", by="month")
        alerts = reports["analytics.churn_alerts"].func(uow, start="2026-01-01",
                                                         end="2026-02-28")
        causes = reports["analytics.churn_causes"].func(uow, start="2026-03-01",
                                                         end="2026-03-31")
        risk = reports["analytics.churn_risk"].func(uow, limit="2")
    assert cohorts["cohorts"][0]["active"] == [3, 2]
    assert [r["retention_rate"] for r in retention["rows"]] == [None, 0.6667]
    assert alerts["by_month"][1] == {"month": "2026-02", "threshold": 2, "drop": 0, "total": 2}
    assert causes["outcomes"] == {"churned": 1}
    # 10 March: B bought once, 58 days ago, against the median gap 31 of A and C (1.87);
    # A last bought 28 days ago against its own 31 days (0.90), C 26/31 (0.84).
    assert risk["basis"] == "population_gap" and len(risk["rows"]) == 2
    assert [(r["customer_id"], r["overdue"]) for r in risk["rows"]] == [
        (world["B"], 1.87), (world["A"], 0.9)]
    for name, options, field in (
            ("analytics.retention", {"by": "week"}, "by"),
            ("analytics.cohorts", {"start": "2026-13-01"}, "start"),
            ("analytics.cohorts", {"colour": "red"}, "colour"),
            ("analytics.churn_risk", {"limit": "many"}, "limit")):
        with pytest.raises(ValidationError) as error, analytics_app.transaction() as uow:
            reports[name].func(uow, **options)
        assert error.value.field == field
