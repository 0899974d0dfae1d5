"""The scorecard's reports (``guanxi report run analytics.scorecard`` …) and its sections
of the HTML report: data only, the report area draws them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi_analytics.common import Period, add_months, resolve_period
from guanxi_analytics.scorecard.card import build_scorecard, format_value, scorecard_json
from guanxi_analytics.sections import Chart, ReportSection, Table
from guanxi_analytics.settings import analytics_settings

FORMULA = (
    "status: green when value ≥ target (≤ when lower is better), amber when ≥ warn, else "
    "red; attainment = value / target (target / value when lower is better); perspective "
    "= Σ wᵢ·min(attainmentᵢ, 1) / Σ wᵢ; trend against the previous period of the same "
    "length. Perspectives and cause-and-effect chain [S003:2–71]; value discipline → key "
    "processes [S003:47–55] (REQUIREMENTS §5.8, §7.4.6)."
)
SEVEN_P_FORMULA = (
    "7P list from a vendor advertisement in the BSC paper [S003:101–104] (REQUIREMENTS "
    "§5.7), not from the paper itself. Profiling: customer counts per value (SQL GROUP BY "
    "on the customer record); Product: Σ quantity × unit price of purchase line items, "
    "unpriced lines sharing what the priced ones leave of the purchase's revenue."
)


def _day(value: Any, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _period(uow: UnitOfWork, options: dict[str, Any]) -> Period:
    unknown = sorted(set(options) - {"from", "to", "start", "end"})
    if unknown:
        raise ValidationError(unknown[0], "unknown option (use from and to, YYYY-MM-DD)")
    start = options.get("from", options.get("start"))
    last = options.get("to", options.get("end"))
    return resolve_period(uow, _day(start, "from"), _day(last, "to"))


def scorecard_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """The balanced scorecard of a period (options ``from``, ``to``)."""
    return scorecard_json(build_scorecard(uow, _period(uow, options)))


def seven_p_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """The 7P views of a period (options ``from``, ``to``)."""
    from guanxi_analytics.scorecard.sevenp import seven_p

    period = _period(uow, options)
    views = seven_p(uow, period)
    return {"period": {"from": period.start.isoformat(), "to": period.last.isoformat()},
            "views": [to_jsonable(v) for v in views]}


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.scorecard`` and ``analytics.seven_p``."""
    register("analytics.scorecard", scorecard_report,
             description="balanced scorecard: four perspectives, status, trend")
    register("analytics.seven_p", seven_p_report,
             description="7P views: KPIs per P, customer profile, revenue by product")


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """The scorecard (status table, attainment bars) and the 7P views."""
    from guanxi_analytics.scorecard.sevenp import seven_p

    card = build_scorecard(uow, period)
    lines = card.lines()
    title = f"平衡计分卡 Balanced scorecard — {card.discipline_label}"
    if not any(line.value is not None for line in lines):
        sections = [ReportSection(
            "scorecard.card", title, formula=FORMULA,
            empty="no KPI has data in the period (no purchases, surveys, opportunities or "
                  "tickets logged between these dates)")]
    else:
        scored = [p for p in card.perspectives if p.lines]
        chart = Chart(
            "bar", labels=[p.label for p in scored],
            series={"attainment": [_percent(p.attainment) for p in scored],
                    "target": [100.0 for _ in scored]},
            unit="%", y_label="attainment of target")
        rows = [[line.perspective, line.label, format_value(line.value, line.unit),
                 format_value(line.previous, line.unit), line.trend,
                 "" if line.target is None else format_value(line.target, line.unit),
                 line.status] for line in lines]
        status = ", ".join(f"{p.label}: {p.status}" for p in scored)
        chain = " → ".join(f"{p.label}" for p in card.perspectives)
        sections = [ReportSection(
            "scorecard.card", title,
            summary=f"{period.label()} against {card.previous.label()}. Chain: {chain}. "
                    f"{status}.",
            chart=chart,
            table=Table(["perspective", "KPI", "value", "previous", "trend", "target",
                         "status"], rows),
            formula=FORMULA)]
    views = seven_p(uow, period)
    rows = [[v.label, line.label, format_value(line.value, line.unit), line.trend,
             line.status] for v in views for line in v.lines]
    valued = [line for v in views for line in v.lines if line.value is not None]
    profile = next(v.profile for v in views if v.name == "profiling")
    product = next(v.products for v in views if v.name == "product")
    if not valued and not profile and not product:
        sections.append(ReportSection("scorecard.seven_p", "7P 客户分析 7P views",
                                      formula=SEVEN_P_FORMULA,
                                      empty="no customers and no KPI data in the period"))
        sections.append(history_section(uow, period))
        return sections
    # Profiling and product rows join the KPI lines: one small table for the seven Ps.
    rows += [["Profiling 客户概况分析", f"{r.dimension}: {r.value}",
              f"{r.customers} ({r.share * 100:.1f}%)", "", ""] for r in profile]
    rows += [["Product 客户产品分析", r.name, f"{r.revenue}"
              + ("" if r.share is None else f" ({r.share * 100:.1f}%)"), "", ""]
             for r in product[:10]]
    top = product[:10]
    chart = Chart("bar", labels=[p.name for p in top],
                  series={"revenue": [float(p.revenue) for p in top]}, unit="CNY",
                  y_label="revenue by product") if top else None
    stages = [r for r in profile if r.dimension == "lifecycle_stage"]
    summary = (f"{sum(r.customers for r in profile if r.dimension == 'kind')} customers; "
               + ", ".join(f"{r.value} {r.customers}" for r in stages)
               + (f"; top product {top[0].name} ({top[0].revenue})" if top else ""))
    sections.append(ReportSection(
        "scorecard.seven_p", "7P 客户分析 7P views", summary=summary, chart=chart,
        table=Table(["P", "KPI or group", "value", "trend", "status"], rows),
        formula=SEVEN_P_FORMULA))
    sections.append(history_section(uow, period))
    return sections


def history_section(uow: UnitOfWork, period: Period) -> ReportSection:
    """How many scorecard lines were green, amber and red in each stored month."""
    from guanxi.access.enforce import visible_customers
    from guanxi_analytics.scorecard.snapshots import history

    title = "计分卡趋势 Scorecard over the months"
    formula = ("lines per status in each snapshot stored over the history_months months "
               "up to the period's end (the monthly job analytics.scorecard_snapshot stores "
               "the previous month)")
    if visible_customers(uow) is not None:
        return ReportSection("scorecard.history", title, formula=formula,
                             empty="snapshots are company-wide figures, shown only to "
                                   "users who see every customer")
    # The trend needs more than the report's period: the history_months up to its end.
    months_back = analytics_settings(uow).scorecard.history_months
    first = add_months(period.last.replace(day=1), -(months_back - 1))
    window = Period(min(period.start, first), period.end)
    rows = history(uow, window)
    months = sorted({(r.period_from, r.period_to) for r in rows})
    if not months:
        return ReportSection("scorecard.history", title, formula=formula,
                             empty="no snapshot stored in the period (run 'guanxi analytics "
                                   "scorecard snapshot' or the monthly job)")
    labels = [f"{start:%Y-%m}" if start.day == 1 else f"{start} – {last}"
              for start, last in months]
    series = {status: [sum(1 for r in rows if (r.period_from, r.period_to) == month
                           and r.status == status) for month in months]
              for status in ("green", "amber", "red", "no data")}
    latest = months[-1]
    on_target = series["green"][-1]
    judged = sum(series[s][-1] for s in ("green", "amber", "red"))
    return ReportSection(
        "scorecard.history", title,
        summary=f"{len(months)} stored period{'s' if len(months) > 1 else ''}; in the "
                f"latest ({latest[0]} – {latest[1]}) {on_target} of {judged} lines with a "
                "target were on target.",
        chart=Chart("stacked_bar", labels=labels,
                    series={k: [float(v) for v in vals] for k, vals in series.items()},
                    y_label="scorecard lines"),
        formula=formula)
