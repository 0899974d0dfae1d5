"""Hooks the analytics plugin offers to other plugins (added through ``Plugin.hookspecs``).

A plugin that implements one must mark it ``@hookimpl(optionalhook=True)``: when
analytics is not enabled the hook does not exist, and the loader would otherwise reject
the implementation as misspelt.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("guanxi")


@hookspec
def analytics_report_sections(uow: Any, period: Any) -> Any:
    """Sections a plugin adds to the analytics HTML report, after the analytics areas'.

    ``period`` is the report's :class:`guanxi_analytics.common.Period` (``start``
    inclusive, ``end`` exclusive). Return a list of
    :class:`guanxi_analytics.sections.ReportSection` whose keys start with the plugin's
    name (``hospital.revisits``) and whose ``heading`` names the group they stand under
    in the report (``复诊与随访``), or ``None``. Called inside the report's unit of work,
    so the acting user's record policies apply to what the plugin reads. Raising
    :class:`guanxi.errors.ValidationError` (too little data) turns the plugin's part into
    one section saying why; the rest of the report is still made.
    """
