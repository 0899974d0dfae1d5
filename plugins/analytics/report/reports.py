"""The report area's core report, ``analytics.report`` (``guanxi report run``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.inputs import parse_date
from guanxi_analytics.common import resolve_period
from guanxi_analytics.settings import analytics_settings


def report_contents(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """What the HTML report of a period holds: its sections' keys, titles, chart kinds
    and which say there is no data. Options ``from``/``to`` (YYYY-MM-DD) and ``section``
    (comma-separated area names or section keys)."""
    from guanxi.errors import ValidationError
    from guanxi_analytics.report.service import gather_sections, section_summary

    unknown = set(options) - {"from", "to", "section"}
    if unknown:
        raise ValidationError(
            sorted(unknown)[0], "not an option of analytics.report (from, to, section)")
    period = resolve_period(uow, parse_date(options.get("from"), "from"),
                            parse_date(options.get("to"), "to"))
    wanted = [t for t in str(options.get("section") or "").split(",") if t.strip()]
    wanted = wanted or analytics_settings(uow).report.sections
    sections = gather_sections(uow, period, wanted)
    return {"from": period.start.isoformat(), "to": period.last.isoformat(),
            "sections": section_summary(sections)}


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.report``."""
    register("analytics.report", report_contents,
             description="the sections of the HTML analytics report (keys, titles, charts)")
