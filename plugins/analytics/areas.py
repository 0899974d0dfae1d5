"""The areas the analytics plugin is built from (see :mod:`guanxi.areas`).

Every area is a package (``guanxi_analytics.value`` …) whose ``__init__`` defines the
module-level names of :class:`guanxi.areas.Area`, and may also define
``kpis() -> list[Kpi]`` (fed to the scorecard, :mod:`guanxi_analytics.kpi`) and
``html_sections(uow, period) -> list[ReportSection]`` (fed to the HTML report,
:mod:`guanxi_analytics.sections`).
"""

from __future__ import annotations

# What the standard roles may do with analytics records (on top of their settings).
ANALYSE = {
    "agent": ("read",),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export"),
}

# In migration order: an area's tables may refer only to tables of areas before it.
AREA_NAMES = (
    "value", "clv", "churn", "delivered", "loyalty", "pipeline", "kpis", "scorecard",
    "report",
)
