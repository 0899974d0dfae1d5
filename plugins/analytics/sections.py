"""What an area contributes to the HTML report: data, not markup.

An area exposes ``html_sections(uow, period) -> list[ReportSection]`` in its package.
Each section says what to draw (a :class:`Chart`), what to list (a :class:`Table`) and
the formula behind it; the report area (:mod:`guanxi_analytics.report`) turns that into
inline SVG and HTML. Areas never write HTML, so every chart looks alike and the report
stays self-contained.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from guanxi.app import UnitOfWork
from guanxi_analytics.areas import AREA_NAMES
from guanxi_analytics.common import Period

ChartKind = Literal["bar", "stacked_bar", "line", "heatmap", "funnel", "scatter"]


@dataclass(frozen=True)
class Chart:
    """A chart described by its data.

    - ``bar`` / ``stacked_bar`` / ``line``: ``labels`` along the x axis, ``series`` maps
      a series name to one value per label (``None`` for a gap).
    - ``heatmap``: ``labels`` are the rows, ``columns`` the columns, ``series`` maps each
      row label to one value per column (a cohort matrix: rows are cohorts).
    - ``funnel``: ``labels`` are the stages in order, ``series`` has one series of counts.
    - ``scatter``: ``points`` are ``(x, y, group)``; ``x_label``/``y_label`` name the axes
      and ``x_cut``/``y_cut`` draw the quadrant lines when given.
    """

    kind: ChartKind
    labels: Sequence[str] = ()
    series: Mapping[str, Sequence[float | None]] = field(default_factory=dict)
    columns: Sequence[str] = ()
    points: Sequence[tuple[float, float, str]] = ()
    # Shown on the value axis and in tooltips: "%" for percentage points (42.5 is 42.5%),
    # "ratio" for fractions shown as percentages (0.425 is 42.5%), or "CNY", "days" …
    unit: str = ""
    x_label: str = ""
    y_label: str = ""
    x_cut: float | None = None
    y_cut: float | None = None


@dataclass(frozen=True)
class Table:
    """A small table: headers and rows of plain values (numbers, strings, None)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class ReportSection:
    """One section of the report: a title, a sentence or two, a chart, a table, a formula."""

    key: str  # "<area>.<name>" (another plugin: "<plugin>.<name>"), unique in the report
    title: str
    summary: str = ""
    chart: Chart | None = None
    table: Table | None = None
    formula: str = ""  # how it is computed, with its source
    empty: str = ""  # set instead of chart/table when there is no data, saying what is missing
    # The heading of the group the section stands under; the areas' come from the report.
    heading: str = ""


def collect_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """Every area's report sections for ``period``, in area order."""
    sections: list[ReportSection] = []
    for name in AREA_NAMES:
        area = importlib.import_module(f"guanxi_analytics.{name}")
        build = getattr(area, "html_sections", None)
        if build is not None:
            sections.extend(build(uow, period))
    return sections
