"""The report area of the analytics plugin (interface: :class:`guanxi.areas.Area`).

The self-contained HTML report (``guanxi analytics report --out FILE.html``): every
area's :class:`~guanxi_analytics.sections.ReportSection` list rendered with Jinja2
(template ``analytics/report.html``), charts as inline SVG drawn in Python
(:mod:`guanxi_analytics.report.charts`, :mod:`guanxi_analytics.report.shapes`), no
network. It stores nothing: the report is computed on demand inside the caller's unit of
work, so record policies apply to everything in it.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from guanxi_analytics.report.models import TABLES

__all__ = ["TABLES"]


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.report``: the sections the HTML report of a period holds."""
    from guanxi_analytics.report.reports import register_reports as register_own

    register_own(register)


def register_commands(group: click.Group) -> None:
    """``guanxi analytics report --out FILE.html [--from --to] [--section KEY …]``."""
    from guanxi_analytics.report.cli import report

    group.add_command(report)
