"""The analytics plugin's HTTP API (``/api/analytics``) and console pages (``/analytics``).

Registered by the plugin's ``register_routes`` hook (imported late: the command line
never loads the web stack). Nothing is computed here: the API runs the reports the
areas register (``guanxi report run``), and the console shows each area's report
sections with the HTML report's own renderers (charts as inline SVG, formatted tables:
:func:`~guanxi_analytics.report.service.section_views`), and the whole report at
``/analytics/report``.

Analytics reads the core's customers and log (decision 13) inside the acting user's
unit of work, so record policies apply to every figure: a user who sees only his own
customers gets analyses of his own customers. Every route needs ``customer:read`` (the
analyses are about customers) on top of whatever each analysis checks itself.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_date
from guanxi.registry import Report
from guanxi.web import ApiContext, ConsoleContext, NavItem, render
from guanxi_analytics.common import Period, resolve_period

PERMISSION = ("customer", "read")
PLUGIN = "analytics"
Day = Annotated[str | None, Query(max_length=10, description="A day, YYYY-MM-DD (inclusive)")]

router = APIRouter(prefix="/analytics", tags=["analytics"])
console = APIRouter(include_in_schema=False)


class ReportInfo(BaseModel):
    """A report the analytics plugin registers."""

    name: str = Field(description="As registered, e.g. analytics.nps")
    description: str


class ReportResult(BaseModel):
    """What a report returned (its dict, as ``guanxi report run NAME --json`` prints it)."""

    name: str
    options: dict[str, str]
    result: Any


# ----------------------------------------------------------------------------- helpers


def reports_of(app: App) -> list[Report]:
    """The analytics plugin's registered reports, by name."""
    return sorted((r for r in app.registry.reports.values() if r.plugin == PLUGIN),
                  key=lambda r: r.name)


def find_report(app: App, name: str) -> Report:
    """A report of the analytics plugin by its name (``analytics.nps`` or ``nps``)."""
    for report in reports_of(app):
        if name in (report.name, report.name.removeprefix(f"{PLUGIN}.")):
            return report
    raise NotFoundError(f"no analytics report {name!r}")


def run_report(uow: UnitOfWork, report: Report, options: dict[str, str]) -> Any:
    """Run a report with text options, as ``guanxi report run`` does; an option the
    report does not take, or a value it cannot use, is bad input naming the option."""
    try:
        inspect.signature(report.func).bind(None, **options)
    except TypeError as exc:
        field = next(iter(options), "options")
        raise ValidationError(field, f"not an option of {report.name}: {exc}") from None
    try:
        return to_jsonable(report.func(uow, **options))
    except (TypeError, ValueError) as exc:  # an option of the wrong kind reached the analysis
        raise ValidationError(next(iter(options), "options"), str(exc)) from None


def period_of(uow: UnitOfWork, start: str | None, last: str | None) -> Period:
    """The period from ``from``/``to`` query values (default: the twelve months to today)."""
    return resolve_period(uow, parse_date(start or None, "from"), parse_date(last or None, "to"))


def area_names(uow: UnitOfWork) -> list[str]:
    """The areas (and contributing plugins) that have report sections, in report order."""
    from guanxi_analytics.report.service import SECTION_AREAS, _contributors

    return [*SECTION_AREAS, *_contributors(uow)]


def _reader(uow: UnitOfWork) -> None:
    require(uow, *PERMISSION)


# ----------------------------------------------------------------------------- API


@router.get("/reports", response_model=list[ReportInfo], summary="List analytics reports")
def api_reports(ctx: ApiContext) -> list[ReportInfo]:
    """The reports of the analytics plugin (``guanxi report list``), by name."""
    with ctx.transaction() as uow:
        _reader(uow)
        return [ReportInfo(name=r.name, description=r.description) for r in reports_of(uow.app)]


@router.get("/reports/{name}", response_model=ReportResult, summary="Run an analytics report",
            responses={404: {"description": "No such report"},
                       422: {"description": "An option the report does not take, or a bad "
                                              "value (named in the error)"}})
def api_report(
    ctx: ApiContext, request: Request,
    name: Annotated[str, Path(max_length=100, description="analytics.nps, or nps")],
) -> ReportResult:
    """Run a report over the customers you may see. Every query parameter is an option
    of the report (as ``--option NAME=VALUE`` of ``guanxi report run``): most take
    ``from`` and ``to`` (YYYY-MM-DD)."""
    options: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in options:
            raise ValidationError(key, "given more than once")
        options[key] = value
    with ctx.transaction() as uow:
        _reader(uow)
        report = find_report(uow.app, name)
        result = run_report(uow, report, options)
    return ReportResult(name=report.name, options=options, result=result)


# ----------------------------------------------------------------------------- console


@console.get("/analytics", response_class=HTMLResponse)
def analytics_home(ctx: ConsoleContext) -> Response:
    """The analyses (one page per area), the full report and the registered reports."""
    with ctx.transaction() as uow:
        _reader(uow)
        areas = area_names(uow)
        reports = reports_of(uow.app)
    return render(ctx, "analytics/console/index.html", areas=areas, reports=reports)


@console.get("/analytics/report", response_class=HTMLResponse)
def full_report(ctx: ConsoleContext, start: Annotated[Day, Query(alias="from")] = None,
                last: Annotated[Day, Query(alias="to")] = None) -> Response:
    """The whole HTML report (``guanxi analytics report``) of the period, as it is."""
    from guanxi_analytics.report.service import render_report

    with ctx.transaction() as uow:
        _reader(uow)
        report = render_report(uow, period_of(uow, start, last))
    return HTMLResponse(report.html)


@console.get("/analytics/{name}", response_class=HTMLResponse)
def area_page(ctx: ConsoleContext, name: Annotated[str, Path(max_length=60)],
              start: Annotated[Day, Query(alias="from")] = None,
              last: Annotated[Day, Query(alias="to")] = None) -> Response:
    """One area's sections: each a chart (the report's inline SVG) and its table."""
    from guanxi_analytics.report.service import gather_sections, section_views

    with ctx.transaction() as uow:
        _reader(uow)
        if name not in area_names(uow):
            raise NotFoundError(f"no analysis {name!r}")
        period = period_of(uow, start, last)
        views = section_views(uow, gather_sections(uow, period, [name]))
        words = _report_words(uow)
    return render(ctx, "analytics/console/area.html", area=name, sections=views,
                  period=period, words=words)


def _report_words(uow: UnitOfWork) -> dict[str, str]:
    from guanxi_analytics.report.service import words

    return words(uow)


NAV = (NavItem("analytics.reports", "/analytics", permission="customer:read", order=70),)

_WORDS = {
    "zh": {"reports": "分析报表", "analyses": "分析", "full_report": "完整分析报告",
           "full_report_note": "所有分析汇总为一页，可打印或另存", "period": "期间",
           "from": "开始日期", "to": "结束日期", "show": "显示",
           "registered": "可通过 API 调用的报表", "name": "名称", "description": "说明",
           "no_sections": "该分析没有可显示的内容"},
    "en": {"reports": "Analytics", "analyses": "Analyses", "full_report": "Full analytics report",
           "full_report_note": "every analysis on one page, to print or save",
           "period": "Period", "from": "From", "to": "To", "show": "Show",
           "registered": "Reports available through the API", "name": "Name",
           "description": "Description", "no_sections": "Nothing to show for this analysis"},
}


def _messages() -> dict[str, dict[str, str]]:
    """The console strings: ``analytics.<word>``, and ``analytics.area.<area>`` (the
    report's own area headings)."""
    from guanxi_analytics.report.service import AREA_TITLES

    messages: dict[str, dict[str, str]] = {}
    for language in ("zh", "en"):
        strings = {f"analytics.{k}": v for k, v in _WORDS[language].items()}
        strings.update({f"analytics.area.{k}": v for k, v in AREA_TITLES[language].items()})
        messages[language] = strings
    return messages


def register(register_routes: Any) -> None:
    """Hand the API router, the console pages, the menu and the strings to the web app."""
    register_routes(router)
    register_routes(console, console=True, nav=NAV, messages=_messages())
