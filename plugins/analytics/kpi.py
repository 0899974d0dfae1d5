"""Key performance indicators: what each area measures, for the balanced scorecard.

An area that measures something a manager would put on a scorecard (retention rate, NPS,
win rate, SLA compliance …) exposes ``kpis() -> list[Kpi]`` in its package. The
scorecard area (:mod:`guanxi_analytics.scorecard`) collects them with
:func:`collect_kpis` and places them in the four perspectives an edition configures.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from guanxi.app import UnitOfWork
from guanxi_analytics.areas import AREA_NAMES
from guanxi_analytics.common import Period

Unit = Literal["ratio", "amount", "count", "days", "hours", "score"]


@dataclass(frozen=True)
class Kpi:
    """One indicator: how to compute it over a period, and how to read it.

    ``compute`` returns ``None`` when the period holds no data for it (no surveys, no
    opportunities closed): a scorecard shows "no data" rather than a misleading zero.
    A ``ratio`` is a fraction between 0 and 1 (shown as a percentage).
    """

    key: str  # "<area>.<name>", e.g. "churn.retention_rate"
    label: str
    unit: Unit
    higher_is_better: bool
    compute: Callable[[UnitOfWork, Period], float | None]
    description: str = ""
    source: str = ""  # the formula's source: a REQUIREMENTS citation or a reference


def collect_kpis() -> dict[str, Kpi]:
    """Every area's indicators, by key, in area order."""
    found: dict[str, Kpi] = {}
    for name in AREA_NAMES:
        area = importlib.import_module(f"guanxi_analytics.{name}")
        for kpi in getattr(area, "kpis", lambda: [])():
            found[kpi.key] = kpi
    return found
