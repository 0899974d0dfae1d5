"""The self-contained HTML report: every area's sections, rendered with Jinja2.

:func:`gather_sections` asks each area for its
:class:`~guanxi_analytics.sections.ReportSection` list (as
:func:`guanxi_analytics.sections.collect_sections` does, one area at a time so that an
area that cannot compute — too few purchases to fit, say — becomes a section saying so
instead of failing the whole report). :func:`render_report` turns the sections into one
HTML page: charts as inline SVG (:mod:`guanxi_analytics.report.charts`), tables with
formatted numbers (:mod:`guanxi_analytics.report.formatting`), the template
``analytics/report.html`` (an edition overrides it by shipping its own).

The sections are computed inside the caller's unit of work, so every area's record
policies apply: a user's report holds only the customers that user may see.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup
from sqlmodel import select

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ConfigError, ValidationError
from guanxi_analytics.areas import AREA_NAMES
from guanxi_analytics.common import Period
from guanxi_analytics.report.charts import Style, render_chart
from guanxi_analytics.report.formatting import cell, is_numeric, ratio_kind
from guanxi_analytics.report.settings import ReportSettings
from guanxi_analytics.sections import ReportSection, Table
from guanxi_analytics.settings import analytics_settings

# The areas that may contribute sections (the report area itself does not).
SECTION_AREAS = tuple(name for name in AREA_NAMES if name != "report")

# The areas' headings in the report, by language.
AREA_TITLES = {
    "zh": {"value": "客户价值", "clv": "客户终身价值", "churn": "流失与保持",
           "delivered": "顾客让渡价值", "loyalty": "满意度与忠诚度", "pipeline": "销售周期",
           "kpis": "营销与服务指标", "scorecard": "平衡计分卡与 7P"},
    "en": {"value": "Customer value", "clv": "Customer lifetime value",
           "churn": "Churn and retention", "delivered": "Customer delivered value",
           "loyalty": "Satisfaction and loyalty", "pipeline": "Sales cycle",
           "kpis": "Campaign and service KPIs", "scorecard": "Scorecard and 7P"},
}

WORDS = {
    "zh": {"title": "客户分析报告", "period": "期间", "generated": "生成时间",
           "by": "生成人", "contents": "目录", "formula": "计算方法", "no_data": "暂无数据",
           "no_sections": "没有可显示的分析部分。",
           "rows_shown": "显示前 {shown} 行，共 {total} 行",
           "of_first": "占首阶段", "from_previous": "较上一阶段", "shown": "个点已显示",
           "total": "合计", "yes": "是", "no": "否", "edition": "版本", "table": "数据表",
           "could_not": "无法计算", "download_csv": "下载 CSV"},
    "en": {"title": "Customer analytics report", "period": "Period",
           "generated": "Generated", "by": "By", "contents": "Contents",
           "formula": "How it is computed", "no_data": "no data to draw",
           "no_sections": "No analysis sections to show.",
           "rows_shown": "first {shown} of {total} rows", "of_first": "of first",
           "from_previous": "from previous", "shown": "points shown", "total": "total",
           "yes": "yes", "no": "no", "edition": "Edition", "table": "Data table",
           "could_not": "could not be computed", "download_csv": "download CSV"},
}


@dataclass(frozen=True)
class TableView:
    """A section's table as text: headers (with whether the column holds numbers, to
    right-align it), cells ``(text, numeric)``, how many rows are shown of how many."""

    columns: list[tuple[str, bool]]
    rows: list[list[tuple[str, bool]]]
    shown: int
    total: int
    csv_href: str = ""  # the whole table as a data: URL, for a download link


@dataclass(frozen=True)
class SectionView:
    """A section ready for the template (the chart already SVG markup)."""

    key: str
    number: int  # 1, 2, … through the report
    anchor: str
    title: str
    summary: str
    chart: Markup | None
    chart_kind: str
    table: TableView | None
    formula: str
    empty: str
    heading: str = ""


@dataclass(frozen=True)
class AreaGroup:
    """The sections of one area, under the area's heading."""

    area: str
    title: str
    anchor: str
    sections: list[SectionView]


@dataclass(frozen=True)
class Report:
    """The rendered report: its HTML and what it holds."""

    html: str
    period: Period
    sections: list[ReportSection]


def words(uow: UnitOfWork) -> dict[str, str]:
    """The report's fixed words in the edition's language (Chinese unless ``en``)."""
    return WORDS["en"] if uow.app.settings.language == "en" else WORDS["zh"]


def _wanted_areas(wanted: Sequence[str], contributors: Mapping[str, object]) -> list[str]:
    """The areas and contributing plugins ``--section`` names (``churn`` or
    ``churn.cohorts`` both name churn), in report order."""
    known = [*SECTION_AREAS, *contributors]
    areas = []
    for token in wanted:
        area = token.split(".", 1)[0]
        if area not in known:
            raise ValidationError(
                "section", f"{token!r} names no analytics area (one of "
                           f"{', '.join(known)}, or <area>.<section>)")
        if area not in areas:
            areas.append(area)
    return [name for name in known if name in areas]


def gather_sections(uow: UnitOfWork, period: Period,
                    wanted: Sequence[str] = ()) -> list[ReportSection]:
    """The sections of ``period`` in area order, then those other plugins add through
    ``analytics_report_sections``; only those ``wanted`` names (area or plugin names, or
    section keys) when it is not empty.

    An area or plugin that raises :class:`ValidationError` (not enough data) gives one
    section saying why; a section key that matches nothing is refused, naming the keys
    there are.
    """
    wanted = [token.strip() for token in wanted if token.strip()]
    contributors = _contributors(uow)
    areas = _wanted_areas(wanted, contributors) if wanted else list(SECTION_AREAS)
    found: list[ReportSection] = []
    for name in areas:
        if name not in SECTION_AREAS:
            continue  # a contributing plugin, asked below
        build = getattr(importlib.import_module(f"guanxi_analytics.{name}"), "html_sections",
                        None)
        if build is not None:
            found.extend(_sections_of(uow, name, lambda b=build: b(uow, period)))
    for name, function in contributors.items():
        if not wanted or name in areas:
            found.extend(_sections_of(uow, name,
                                      lambda f=function: f(uow=uow, period=period) or []))
    if not wanted:
        return found
    chosen = []
    for section in found:
        area = section.key.split(".", 1)[0]
        if section.key in wanted or area in wanted or section.key == f"{area}.unavailable":
            chosen.append(section)
    for token in wanted:
        if "." in token and not any(s.key == token for s in found):
            area = token.split(".", 1)[0]
            keys = [s.key for s in found if s.key.startswith(area + ".")]
            raise ValidationError(
                "section", f"no section {token!r} (the {area} area has: "
                           f"{', '.join(keys) or 'none'})")
    return chosen


def _contributors(uow: UnitOfWork) -> dict[str, Callable[..., Any]]:
    """The plugins that implement ``analytics_report_sections``, by name, in load order."""
    caller = getattr(uow.app.pm.hook, "analytics_report_sections", None)
    if caller is None:
        return {}
    # get_hookimpls() lists them in registration order (pluggy *calls* them in reverse).
    return {impl.plugin_name: impl.function for impl in caller.get_hookimpls()}


def _sections_of(uow: UnitOfWork, name: str,
                 build: Callable[[], Sequence[ReportSection]]) -> list[ReportSection]:
    """An area's or plugin's sections, or one saying why they could not be computed."""
    try:
        return list(build())
    except ValidationError as exc:
        return [ReportSection(key=f"{name}.unavailable", title=name,
                              empty=f"{words(uow)['could_not']}: {exc}")]


def _table_view(table: Table, settings: ReportSettings, language: dict[str, str],
                currency: str) -> TableView:
    headers = [str(c) for c in table.columns]
    ratios = [ratio_kind(c) for c in headers]
    yes_no = (language["yes"], language["no"])
    rows, numeric = [], [True] * len(headers)
    for raw in list(table.rows)[: settings.max_table_rows]:
        values = list(raw)[: len(headers)] + [None] * (len(headers) - len(raw))
        row = []
        for i, value in enumerate(values):
            number = is_numeric(value)
            numeric[i] = numeric[i] and (number or value is None)
            row.append((cell(value, ratio=ratios[i], currency=currency, yes_no=yes_no),
                        number))
        rows.append(row)
    columns = [(header, numeric[i] and bool(rows)) for i, header in enumerate(headers)]
    return TableView(columns, rows, len(rows), len(table.rows), csv_data_url(table))


CSV_ROWS_UP_TO = 10_000  # rows the download link carries (the page stays a few MB at most)


def csv_data_url(table: Table) -> str:
    """The table as CSV in a ``data:`` URL: every row (up to :data:`CSV_ROWS_UP_TO`),
    plain values (``1234.5``, ``0.25``) as ``--csv`` prints them, with a byte-order mark
    so a spreadsheet reads the Chinese right. Nothing is fetched: the data are in the
    link."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(c) for c in table.columns])
    for row in list(table.rows)[:CSV_ROWS_UP_TO]:
        writer.writerow(["" if v is None else to_jsonable(v) for v in row])
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + out.getvalue(), safe="")


def _anchor(key: str, taken: set[str]) -> str:
    """An HTML id from a section key (letters, digits, ``-``), unique in the page."""
    base = "s-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-") or "section")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def section_views(uow: UnitOfWork, sections: Sequence[ReportSection]) -> list[SectionView]:
    """The sections with their charts drawn and tables formatted."""
    settings = analytics_settings(uow).report
    language = words(uow)
    currency = uow.app.settings.currency
    taken: set[str] = set()
    views = []
    for section in sections:
        chart = None
        if section.chart is not None and not section.empty:
            style = Style(title=section.title, currency=currency, words=language,
                          max_points=settings.max_scatter_points)
            chart = Markup(render_chart(section.chart, style))  # every label escaped in svg
        table = None
        if section.table is not None and not section.empty:
            table = _table_view(section.table, settings, language, currency)
        views.append(SectionView(
            key=section.key, number=len(views) + 1, anchor=_anchor(section.key, taken),
            title=section.title,
            summary=section.summary, chart=chart,
            chart_kind=section.chart.kind if section.chart else "", table=table,
            formula=section.formula, empty=section.empty, heading=section.heading))
    return views


def area_groups(uow: UnitOfWork, views: Sequence[SectionView]) -> list[AreaGroup]:
    """The sections in runs of the same area (the order stays the areas')."""
    titles = AREA_TITLES["en" if uow.app.settings.language == "en" else "zh"]
    groups: list[AreaGroup] = []
    for view in views:
        area = view.key.split(".", 1)[0]
        if not groups or groups[-1].area != area:
            groups.append(AreaGroup(area, view.heading or titles.get(area, area),
                                    f"a-{re.sub(r'[^A-Za-z0-9_-]+', '-', area)}-{len(groups)}",
                                    []))
        groups[-1].sections.append(view)
    return groups


def principal_name(uow: UnitOfWork) -> str:
    """Who the report is generated for: the staff user's name (and login), or system."""
    from guanxi.models import Staff

    principal = uow.principal
    if principal.is_system:
        return principal.username
    name = uow.session.exec(
        select(Staff.display_name).where(Staff.username == principal.username)).first()
    return f"{name} ({principal.username})" if name else principal.username


def render_report(uow: UnitOfWork, period: Period, wanted: Sequence[str] = ()) -> Report:
    """The report of ``period`` as one self-contained HTML page.

    ``wanted`` are area names or section keys (``--section``); when empty, the
    ``[analytics.report] sections`` setting, and when that is empty too, everything.
    """
    settings = analytics_settings(uow).report
    language = words(uow)
    sections = gather_sections(uow, period, list(wanted) or settings.sections)
    edition = uow.app.edition
    views = section_views(uow, sections)
    context: dict[str, Any] = {
        "title": settings.title or language["title"],
        "words": language,
        "lang": "en" if uow.app.settings.language == "en" else "zh-CN",
        "edition_title": edition.title,
        "period": period,
        "generated": uow.app.local_time(uow.now).strftime("%Y-%m-%d %H:%M %Z"),
        "principal": principal_name(uow),
        "sections": views,  # flat, for a simpler template
        "groups": area_groups(uow, views),
    }
    try:
        html = uow.app.render(settings.template, **context)
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(
            f"[analytics.report] template: no template {exc.name!r} in the edition's or "
            "the plugins' template folders") from None
    return Report(html=html, period=period, sections=sections)


def section_summary(sections: Sequence[ReportSection]) -> list[dict[str, Any]]:
    """What a report holds, one row per section (for ``--json`` and the core report)."""
    return [{"key": s.key, "title": s.title,
             "chart": s.chart.kind if s.chart is not None and not s.empty else None,
             "table_rows": len(s.table.rows) if s.table is not None and not s.empty else None,
             "empty": s.empty or None} for s in sections]
