"""The balanced scorecard: KPIs placed in four perspectives, judged against targets.

Each configured entry's KPI is computed for the period and for the previous period of
the same length; the status compares the value with the entry's target and amber
threshold in the KPI's direction, and the trend compares it with the previous value.
The process perspective shows only the key processes of the edition's value discipline
(REQUIREMENTS §7.4.6). The perspectives come in cause-and-effect order, learning →
process → customer → financial, each naming the link to the next [S003:67–71].
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from guanxi.app import App, UnitOfWork
from guanxi.errors import ConfigError, ValidationError
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi, collect_kpis
from guanxi_analytics.scorecard.basics import previous_period
from guanxi_analytics.scorecard.processes import (
    CHAIN_LINKS,
    DISCIPLINE_LABELS,
    PERSPECTIVE_LABELS,
    PROCESS_LABELS,
    SUBPROCESS_LABELS,
    SUBPROCESSES,
    key_processes,
)
from guanxi_analytics.scorecard.settings import PERSPECTIVES, ScorecardEntry, ScorecardSettings
from guanxi_analytics.settings import analytics_settings

GREEN, AMBER, RED, NONE, NO_DATA = "green", "amber", "red", "none", "no data"
# Attainment above this is not counted in a perspective's score: a KPI far past its
# target must not hide another one that misses.
ATTAINMENT_CAP = 1.0


@dataclass
class Line:
    """One scorecard line: a KPI's value, its target and how it compares."""

    perspective: str
    kpi: str
    label: str
    unit: str
    higher_is_better: bool
    value: float | None
    previous: float | None
    target: float | None
    warn: float | None
    weight: float
    status: str
    attainment: float | None  # value against target (1.0 = on target), None: no target
    change: float | None  # value − previous
    trend: str  # ↑ ↓ → or "" without two values
    improved: bool | None  # the change in the KPI's good direction
    process: str | None = None
    subprocess: str | None = None
    note: str = ""  # why there is no value


@dataclass
class PerspectiveScore:
    """A perspective's lines and its weighted attainment."""

    name: str
    label: str
    lines: list[Line]
    attainment: float | None  # Σ w·min(attainment, 1) / Σ w over lines with a target
    status: str  # the worst status of its lines with a status
    leads_to: str | None  # the next perspective in the chain
    link: str  # why it drives the next one


@dataclass
class Scorecard:
    """The whole card for one period, with the previous period it compares against."""

    period: Period
    previous: Period
    discipline: str
    discipline_label: str
    processes: list[dict[str, object]]
    perspectives: list[PerspectiveScore]
    missing: list[str] = field(default_factory=list)  # optional KPIs no area provides

    def lines(self) -> list[Line]:
        """Every line, perspective by perspective."""
        return [line for p in self.perspectives for line in p.lines]


def status_of(value: float | None, target: float | None, warn: float | None,
              higher_is_better: bool) -> str:
    """Green at or past the target, amber at or past ``warn``, red otherwise.

    "Past" follows the direction: at or above for a KPI where higher is better, at or
    below otherwise. No value → ``no data``; no target → ``none``.
    """
    if value is None:
        return NO_DATA
    if target is None:
        return NONE
    sign = 1 if higher_is_better else -1
    if sign * value >= sign * target:
        return GREEN
    if warn is not None and sign * value >= sign * warn:
        return AMBER
    return RED


def attainment_of(value: float | None, target: float | None,
                  higher_is_better: bool) -> float | None:
    """value / target (target / value when lower is better), at least 0; None when
    undefined.

    A target of 0 or a negative one (growth, ROI) has no meaningful ratio: attainment
    is then 1 when the target is met and 0 otherwise.
    """
    if value is None or target is None:
        return None
    if target <= 0 or (not higher_is_better and value <= 0):
        met = value >= target if higher_is_better else value <= target
        return 1.0 if met else 0.0
    # A negative value against a positive target attains nothing (not "−1870%").
    return max(0.0, value / target if higher_is_better else target / value)


def trend_of(value: float | None, previous: float | None,
             higher_is_better: bool) -> tuple[float | None, str, bool | None]:
    """The change, its arrow and whether it went the good way (``None`` when flat)."""
    if value is None or previous is None:
        return None, "", None
    change = value - previous
    if math.isclose(value, previous, rel_tol=1e-9, abs_tol=1e-12):
        return 0.0, "→", None
    return change, "↑" if change > 0 else "↓", (change > 0) == higher_is_better


def check_entries(settings: ScorecardSettings, known: Iterable[str]) -> None:
    """Refuse an unknown KPI key in a required entry (one line naming the setting)."""
    names = set(known)
    groups = [(p, getattr(settings, p)) for p in PERSPECTIVES]
    groups += [(f"seven_p.{p}", entries) for p, entries in settings.seven_p.items()]
    for where, entries in groups:
        for index, entry in enumerate(entries):
            if entry.kpi not in names and not entry.optional:
                raise ConfigError(
                    f"setting analytics.scorecard.{where}[{index}].kpi: unknown KPI "
                    f"{entry.kpi!r} (no area provides it; known: {', '.join(sorted(names))})")


def profile_fields(app: App) -> list[str]:
    """The custom fields the profiling view groups by (default: every one the edition
    declares); an unknown one is a :class:`ConfigError` naming the setting."""
    settings = app.settings_for("analytics").scorecard
    known = list(app.registry.custom_fields)
    if settings.profile_fields is None:
        return known
    for index, name in enumerate(settings.profile_fields):
        if name not in known:
            raise ConfigError(
                f"setting analytics.scorecard.profile_fields[{index}]: {name!r} is not a "
                f"custom field of the customer record (known: {', '.join(known) or 'none'})")
    return list(settings.profile_fields)


def check_settings(app: App) -> None:
    """The start-up check of ``[analytics.scorecard]``: every required KPI exists and
    every profile field is a custom field of the customer record."""
    settings = app.settings_for("analytics").scorecard
    check_entries(settings, collect_kpis())
    profile_fields(app)


def compute(kpi: Kpi, uow: UnitOfWork, period: Period) -> tuple[float | None, str]:
    """A KPI's value, or None and why: no data, or the area's own validation message.

    An area refuses to compute when its inputs are missing (too few purchases to fit a
    model); on a scorecard that is "no data" with the reason, not a failed card.
    """
    try:
        value = kpi.compute(uow, period)
    except ValidationError as error:
        return None, str(error)
    if value is None:
        return None, "no data in the period"
    value = float(value)
    if not math.isfinite(value):
        return None, "no finite value in the period"
    return value, ""


def line_for(uow: UnitOfWork, perspective: str, entry: ScorecardEntry, kpi: Kpi,
             period: Period, previous: Period | None) -> Line:
    """One entry evaluated over ``period`` and the ``previous`` one (None: no trend)."""
    value, note = compute(kpi, uow, period)
    before = None if previous is None else compute(kpi, uow, previous)[0]
    change, arrow, improved = trend_of(value, before, kpi.higher_is_better)
    return Line(
        perspective=perspective, kpi=kpi.key, label=entry.label or kpi.label, unit=kpi.unit,
        higher_is_better=kpi.higher_is_better, value=value, previous=before,
        target=entry.target, warn=entry.warn, weight=entry.weight,
        status=status_of(value, entry.target, entry.warn, kpi.higher_is_better),
        attainment=attainment_of(value, entry.target, kpi.higher_is_better),
        change=change, trend=arrow, improved=improved, process=entry.process,
        subprocess=entry.subprocess, note=note,
    )


def perspective_attainment(lines: list[Line]) -> float | None:
    """Σ wᵢ·min(aᵢ, 1) / Σ wᵢ over the lines with an attainment (None: none has)."""
    scored = [(line.weight, min(line.attainment, ATTAINMENT_CAP))
              for line in lines if line.attainment is not None]
    total = sum(w for w, _ in scored)
    return sum(w * a for w, a in scored) / total if total else None


def worst_status(lines: list[Line]) -> str:
    """red if any line is red, else amber if any is amber, else green; none without."""
    found = {line.status for line in lines}
    for status in (RED, AMBER, GREEN):
        if status in found:
            return status
    return NO_DATA if found == {NO_DATA} else NONE


def build_scorecard(uow: UnitOfWork, period: Period, kpis: dict[str, Kpi] | None = None,
                    *, compare: bool = True) -> Scorecard:
    """The scorecard of ``period`` against the previous period of the same length.

    ``kpis`` defaults to every area's (:func:`collect_kpis`); tests pass their own.
    Without ``compare`` the previous period is not computed (a snapshot stores no trend).
    """
    settings = analytics_settings(uow).scorecard
    kpis = collect_kpis() if kpis is None else kpis
    check_entries(settings, kpis)
    previous = previous_period(period)
    emphasised = key_processes(settings.discipline)
    missing: list[str] = []
    perspectives = []
    for index, name in enumerate(PERSPECTIVES):
        lines = []
        for entry in getattr(settings, name):
            if entry.kpi not in kpis:
                missing.append(entry.kpi)
                continue
            if name == "process" and entry.process not in emphasised:
                continue
            lines.append(line_for(uow, name, entry, kpis[entry.kpi], period,
                                  previous if compare else None))
        if name == "process":  # in value-chain order: selection, acquisition, …
            order = list(SUBPROCESSES)
            lines.sort(key=lambda line: order.index(line.process or ""))
        following = PERSPECTIVES[index + 1] if index + 1 < len(PERSPECTIVES) else None
        perspectives.append(PerspectiveScore(
            name=name, label=PERSPECTIVE_LABELS[name], lines=lines,
            attainment=perspective_attainment(lines), status=worst_status(lines),
            leads_to=following, link=CHAIN_LINKS.get(name, ""),
        ))
    configured = {e.process for e in settings.process if e.kpi in kpis}
    processes: list[dict[str, object]] = [
        {"process": p, "label": PROCESS_LABELS[p],
         "subprocesses": [SUBPROCESS_LABELS[s] for s in SUBPROCESSES[p]],
         "has_kpis": p in configured}
        for p in emphasised
    ]
    return Scorecard(
        period=period, previous=previous, discipline=settings.discipline,
        discipline_label=DISCIPLINE_LABELS[settings.discipline], processes=processes,
        perspectives=perspectives, missing=sorted(set(missing)),
    )


def scorecard_json(card: Scorecard) -> dict[str, object]:
    """The card as plain JSON values (for ``--json`` and the report)."""
    from guanxi.cli.output import to_jsonable

    return {
        "period": {"from": card.period.start.isoformat(), "to": card.period.last.isoformat()},
        "previous": {"from": card.previous.start.isoformat(),
                     "to": card.previous.last.isoformat()},
        "discipline": card.discipline,
        "discipline_label": card.discipline_label,
        "key_processes": card.processes,
        "chain": " → ".join(PERSPECTIVES),
        "perspectives": [
            {"name": p.name, "label": p.label, "attainment": p.attainment,
             "status": p.status, "leads_to": p.leads_to, "link": p.link,
             "lines": [to_jsonable(line) for line in p.lines]}
            for p in card.perspectives
        ],
        "not_provided": card.missing,
    }


def format_value(value: float | None, unit: str) -> str:
    """A value as a person reads it: ratios in %, amounts to 2 places, counts whole."""
    if value is None:
        return "no data"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "amount":
        return f"{value:,.2f}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.1f}"
