"""What the pipeline area gives the scorecard (KPIs), ``guanxi report run`` (reports) and
the HTML report (sections): views over :mod:`guanxi_analytics.pipeline.service`."""

from __future__ import annotations

from typing import Any

from guanxi.app import UnitOfWork
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.pipeline.service import (
    CYCLE_BY,
    WIN_RATE_BY,
    funnel,
    loss_reasons,
    overall_conversion,
    sales_cycle,
    time_in_stage,
    win_rate,
)
from guanxi_analytics.sections import Chart, ReportSection, Table
from guanxi_analytics.sql import period_from_options

STAGE_SOURCE = "REQUIREMENTS §7.5 stage success ratio [S002:185]"
TIME_SOURCE = "REQUIREMENTS §5.1 time spent in a stage of the sales cycle [S001:80]"
WIN_SOURCE = "REQUIREMENTS §7.5 win/loss rates [S001:60, S001:68]"
NO_DATA = ("no opportunity entries (sales.opportunity_created, sales.stage_changed, "
           "sales.opportunity_won/lost) in the period — the sales plugin logs them")


def _total_win_rate(uow: UnitOfWork, period: Period) -> float | None:
    rows = win_rate(uow, period)
    return rows[0].win_rate if rows else None


def _mean_cycle(uow: UnitOfWork, period: Period) -> float | None:
    rows = sales_cycle(uow, period)
    return rows[0].mean_days if rows else None


def kpis() -> list[Kpi]:
    """``pipeline.win_rate``, ``pipeline.cycle_days`` and ``pipeline.stage_conversion``."""
    return [
        Kpi("pipeline.win_rate", "Win rate", "ratio", True, _total_win_rate,
            "won / (won + lost) of the opportunities closed in the period", WIN_SOURCE),
        Kpi("pipeline.cycle_days", "Sales cycle", "days", False, _mean_cycle,
            "mean days from creation to win of the opportunities won in the period",
            "Kotler & Keller, Marketing Management, ch. 18 (sales cycle length)"),
        Kpi("pipeline.stage_conversion", "Pipeline conversion", "ratio", True,
            overall_conversion,
            "won / created among the opportunities created in the period (the funnel's "
            "last cumulative conversion)", STAGE_SOURCE),
    ]


# --------------------------------------------------------------------------- reports


def funnel_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.pipeline_funnel`` (options: from, to, pipeline)."""
    period = period_from_options(uow, options, ["pipeline"])
    steps = funnel(uow, period, options.get("pipeline") or None)
    return {"period": period.label(), "steps": [s.public() for s in steps]}


def stages_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.pipeline_stages`` (options: from, to)."""
    period = period_from_options(uow, options)
    return {"period": period.label(), "stages": [r.public() for r in time_in_stage(uow, period)]}


def win_rate_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.win_rate`` (options: from, to, by)."""
    period = period_from_options(uow, options, ["by"])
    by = options.get("by") or "all"
    return {"period": period.label(), "by": by,
            "rows": [r.public() for r in win_rate(uow, period, by)],
            "loss_reasons": [r.public() for r in loss_reasons(uow, period)]}


def cycle_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.sales_cycle`` (options: from, to, by)."""
    period = period_from_options(uow, options, ["by"])
    by = options.get("by") or "all"
    return {"period": period.label(), "by": by,
            "rows": [r.public() for r in sales_cycle(uow, period, by)]}


def register_reports(register: Any) -> None:
    """The pipeline area's four reports."""
    register("analytics.pipeline_funnel", funnel_report,
             description="funnel of the opportunities created in a period: reached, step and "
             "cumulative conversion per stage (options: from, to, pipeline)")
    register("analytics.pipeline_stages", stages_report,
             description="mean/median days in each stage (options: from, to)")
    register("analytics.win_rate", win_rate_report,
             description=f"win rate and loss reasons (options: from, to, by: "
             f"{'|'.join(WIN_RATE_BY)})")
    register("analytics.sales_cycle", cycle_report,
             description=f"days from creation to win (options: from, to, by: "
             f"{'|'.join(CYCLE_BY)})")


# --------------------------------------------------------------------------- HTML report


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """The funnel, time in stage, the monthly win rate and the loss reasons."""
    steps = funnel(uow, period)
    if not steps:
        return [ReportSection("pipeline.funnel", "Sales funnel", empty=NO_DATA)]
    sections = []
    # The funnel chart shows the busiest pipeline; the table lists every one.
    first = max({s.pipeline for s in steps},
                key=lambda name: next(s.reached for s in steps if s.pipeline == name))
    shown = [s for s in steps if s.pipeline == first]
    sections.append(ReportSection(
        "pipeline.funnel", f"Sales funnel ({first})",
        summary=f"{shown[0].reached} opportunities created in the period; "
        f"{shown[-1].reached} won so far ({_pct(shown[-1].cumulative_conversion)}%).",
        chart=Chart("funnel", labels=[s.stage for s in shown],
                    series={"opportunities": [float(s.reached) for s in shown]}),
        table=Table(["pipeline", "stage", "entered", "reached", "step %", "cumulative %"],
                    [[s.pipeline, s.stage, s.entered, s.reached, _pct(s.step_conversion),
                      _pct(s.cumulative_conversion)] for s in steps]),
        formula="reached(k) = opportunities whose furthest stage is k or later, or won; "
        "step conversion = reached(k) / reached(k−1); cumulative = reached(k) / reached(1) "
        f"({STAGE_SOURCE})"))
    stays = time_in_stage(uow, period)
    if stays:
        sections.append(ReportSection(
            "pipeline.time_in_stage", "Time in stage",
            summary="Days opportunities spent in each stage, for stays that ended in the period.",
            chart=Chart("bar", labels=[f"{r.stage}" for r in stays], unit="days",
                        series={"mean": [r.mean_days for r in stays],
                                "median": [r.median_days for r in stays]}),
            table=Table(["pipeline", "stage", "stays", "mean", "median", "max", "open now",
                         "open mean age"],
                        [[r.pipeline, r.stage, r.stays, r.mean_days, r.median_days,
                          r.max_days, r.open_now, r.open_mean_age_days] for r in stays]),
            formula=f"stay = next entry's time − entry's time (LEAD over each opportunity's "
            f"entries) ({TIME_SOURCE})"))
    months = win_rate(uow, period, "month")
    total = win_rate(uow, period)
    cycle = sales_cycle(uow, period)
    if total:
        summary = f"Win rate {_pct(total[0].win_rate)}% ({total[0].won} won, {total[0].lost} lost)"
        if cycle:
            summary += f"; a won deal took {cycle[0].mean_days} days on average"
        sections.append(ReportSection(
            "pipeline.win_rate", "Win rate by month", summary=summary + ".",
            chart=Chart("line", labels=[m.group for m in months], unit="%",
                        series={"win rate": [_pct(m.win_rate) for m in months]}),
            table=Table(["month", "won", "lost", "win rate %", "won amount"],
                        [[m.group, m.won, m.lost, _pct(m.win_rate), str(m.won_amount)]
                         for m in months]),
            formula=f"win rate = won / (won + lost), closed in the month ({WIN_SOURCE})"))
    reasons = loss_reasons(uow, period)
    if reasons:
        sections.append(ReportSection(
            "pipeline.loss_reasons", "Why deals were lost",
            chart=Chart("bar", labels=[r.reason for r in reasons],
                        series={"lost": [float(r.lost) for r in reasons]}),
            table=Table(["reason", "lost", "share %"],
                        [[r.reason, r.lost, _pct(r.share)] for r in reasons]),
            formula="share = lost for the reason / lost in the period"))
    return sections
