"""Fake report sections for the report area's tests: one of every chart kind, awkward
labels included, served as if an area's ``html_sections`` had returned them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest

import guanxi_analytics.value
from guanxi.app import UnitOfWork
from guanxi_analytics.common import Period
from guanxi_analytics.sections import Chart, ReportSection, Table

EVIL = '<script>alert("x")</script>'


def every_kind() -> list[ReportSection]:
    """One section of each chart kind, plus an empty one, with a hostile label."""
    return [
        ReportSection(
            key="value.tiers", title="价值分层 tiers",
            summary="Most customers are low value.",
            chart=Chart("bar", labels=["high", "medium", "low", EVIL],
                        series={"customers": [2, 5, 11, 0]}),
            table=Table(["tier", "customers", "revenue", "share"],
                        [["high", 2, Decimal("123456.5"), 0.625],
                         ["medium", 5, Decimal("50000"), 0.25],
                         [EVIL, 0, Decimal("-12.3"), None]]),
            formula="tier by margin percentile [S004:983]"),
        ReportSection(
            key="value.mix", title="Revenue mix",
            chart=Chart("stacked_bar", labels=["2026-01", "2026-02"],
                        series={"core": [100, 50], "sales": [20, -10]}, unit="CNY")),
        ReportSection(
            key="churn.trend", title="Retention trend",
            chart=Chart("line", labels=["1月", "2月", "3月", "4月"],
                        series={"retention": [0.5, None, 0.25, 0.2], "repeat": [0.1, 0.2, 0.3,
                                                                                  None]},
                        unit="%")),
        ReportSection(
            key="churn.cohorts", title="Cohort retention 留存矩阵",
            chart=Chart("heatmap", labels=["2026-01", "2026-02"], columns=["M0", "M1", "M2"],
                        series={"2026-01": [1.0, 0.5, 0.25], "2026-02": [1.0, 0.4, None]},
                        unit="%")),
        ReportSection(
            key="pipeline.funnel", title="Sales funnel",
            chart=Chart("funnel", labels=["lead", "qualified", "won"],
                        series={"opportunities": [200, 50, 10]})),
        ReportSection(
            key="value.quadrants", title="Revenue × cost",
            chart=Chart("scatter", points=[(10.0, 2.0, "keep"), (80.0, 30.0, EVIL),
                                           (40.0, 12.5, "keep")],
                        x_label="revenue", y_label="cost", x_cut=50.0, y_cut=10.0)),
        ReportSection(key="loyalty.nps", title="NPS", empty="no survey answers in the period"),
    ]


def serve(monkeypatch: pytest.MonkeyPatch,
          sections: Sequence[ReportSection] | Callable[[UnitOfWork, Period],
                                                       list[ReportSection]],
          area: object = guanxi_analytics.value) -> None:
    """Make the areas return ``sections`` from ``html_sections``, each the sections its
    key names (``churn.cohorts`` from the churn area), whatever they implement by now.
    A function instead of a list is served by ``area`` (the value area by default) and
    the other areas return none."""
    import importlib

    from guanxi_analytics.report.service import SECTION_AREAS

    for name in SECTION_AREAS:
        module = importlib.import_module(f"guanxi_analytics.{name}")
        mine = [] if callable(sections) else [
            s for s in sections if s.key.split(".", 1)[0] == name]
        monkeypatch.setattr(module, "html_sections",
                            lambda uow, period, mine=mine: list(mine), raising=False)
    if callable(sections):
        monkeypatch.setattr(area, "html_sections", sections, raising=False)
