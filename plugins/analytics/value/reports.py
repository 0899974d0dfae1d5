"""The value area's reports (``guanxi report run analytics.value_…``), the nightly
refresh job, its KPIs and its sections of the HTML report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi_analytics.common import Period, default_period, resolve_period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.sections import Chart, ReportSection, Table
from guanxi_analytics.value import classify
from guanxi_analytics.value.service import (
    GROUPINGS,
    ValueAnalysis,
    analyse,
    analyse_lifetime,
    concentration,
    distribution,
    money,
)
from guanxi_analytics.value.store import refresh_values

JOB = "analytics.value_refresh"


def report_period(uow: UnitOfWork, options: dict[str, Any]) -> Period:
    """The period of a report's ``from`` / ``to`` options (both inclusive days)."""
    unknown = set(options) - {"from", "to", "by", "lifetime"}
    if unknown:
        raise ValidationError(sorted(unknown)[0], "unknown option (from, to, by, lifetime)")
    return resolve_period(uow, parse_date(options.get("from"), "from"),
                          parse_date(options.get("to"), "to"))


def report_analysis(uow: UnitOfWork, options: dict[str, Any]) -> tuple[ValueAnalysis,
                                                                        dict[str, Any]]:
    """The analysis a report's options ask for and its ``period`` entry: ``from``/``to``,
    or ``lifetime=true`` (the whole history from the customer rollups)."""
    period = report_period(uow, options)
    lifetime = str(options.get("lifetime", "false")).strip().lower()
    if lifetime not in ("true", "false", "yes", "no", "1", "0"):
        raise ValidationError("lifetime", f"not a yes/no value: {lifetime!r}")
    if lifetime in ("true", "yes", "1"):
        if "from" in options or "to" in options:
            raise ValidationError("lifetime", "covers the whole history: drop from/to")
        analysis = analyse_lifetime(uow)
        return analysis, {"from": analysis.period.start, "to": analysis.period.last,
                          "lifetime": True, "source": analysis.extra["source"]}
    return analyse(uow, period), {"from": period.start, "to": period.last}


def distribution_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``analytics.value_distribution``: options from, to, by (tier, abc, quadrant,
    member, segment; default tier), lifetime."""
    by = options.get("by", "tier")
    if by not in GROUPINGS:
        raise ValidationError("by", f"unknown grouping {by!r} (one of {', '.join(GROUPINGS)})")
    analysis, period = report_analysis(uow, options)
    return {"report": "analytics.value_distribution", "by": by, "period": period,
            "cuts": analysis.cuts.public(),
            "rows": to_jsonable(distribution(analysis, by))}


def concentration_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``analytics.value_concentration``: options from, to, lifetime."""
    analysis, period = report_analysis(uow, options)
    result = concentration(analysis)
    return to_jsonable({"report": "analytics.value_concentration", "period": period,
                        **result})


def register_reports(register: Callable[..., None]) -> None:
    """Value distributions and revenue concentration."""
    register("analytics.value_distribution", distribution_report,
             description="customers, revenue, cost-to-serve and margin per value tier, ABC "
             "class, quadrant, member class or RFM segment (options: from, to, by, lifetime)")
    register("analytics.value_concentration", concentration_report,
             description="share of revenue and margin from the top 20% of customers, Lorenz "
             "curve and Gini coefficient (options: from, to, lifetime)")


def run_refresh(uow: UnitOfWork, due_at: dt.datetime | None = None) -> str:
    """The nightly job: store every customer's value over the default period."""
    stored = refresh_values(uow, default_period(uow))
    return f"{stored} customer values stored"


# --------------------------------------------------------------------------- KPIs


def _top_share(uow: UnitOfWork, period: Period) -> float | None:
    share = concentration(analyse(uow, period))["top_revenue_share"]
    return None if share is None else float(share)


def _margin_per_customer(uow: UnitOfWork, period: Period) -> float | None:
    figures = analyse(uow, period).figures
    engaged = (figures.revenue != 0) | (figures.cost != 0)
    if not engaged.any():
        return None
    return float(money(round(figures.margin[engaged].mean())))


def _high_value_share(uow: UnitOfWork, period: Period) -> float | None:
    analysis = analyse(uow, period)
    engaged = (analysis.figures.revenue != 0) | (analysis.figures.cost != 0)
    if not engaged.any():
        return None
    return float((analysis.tier[engaged] == "high").mean())


def _negative_share(uow: UnitOfWork, period: Period) -> float | None:
    analysis = analyse(uow, period)
    engaged = (analysis.figures.revenue != 0) | (analysis.figures.cost != 0)
    if not engaged.any():
        return None
    return float((analysis.tier[engaged] == "negative").mean())


def kpis() -> list[Kpi]:
    """Revenue concentration, margin per customer, shares of high and negative value."""
    return [
        Kpi("value.top20_revenue_share", "Revenue share of the top 20% of customers", "ratio",
            False, _top_share,
            "revenue of the top top_share of customers with revenue / all revenue; "
            "lower means less dependence on a few customers",
            "Pareto (ABC) analysis [S002:239]"),
        Kpi("value.margin_per_customer", "Margin per active customer", "amount", True,
            _margin_per_customer,
            "(revenue − cost-to-serve) / customers with revenue or cost in the period",
            "customer value = benefit − cost [S004:543]"),
        Kpi("value.high_value_share", "High-value customers", "ratio", True,
            _high_value_share, "customers in the high tier / customers with revenue or cost",
            "value tiers [S000:9], REQUIREMENTS §7.2.3"),
        Kpi("value.negative_value_share", "Negative-value customers", "ratio", False,
            _negative_share, "customers whose margin is below 0 / customers with revenue or "
            "cost", "value tiers [S000:9]; eliminate loss-making customers [S002:239]"),
    ]


# --------------------------------------------------------------------------- HTML sections

NO_DATA = ("no customer has revenue or cost in the period: log purchases (core.purchase, "
           "sales.order) or interactions with a cost")


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """Tier distribution, ABC and Lorenz curve, quadrants, member model, RFM segments."""
    analysis = analyse(uow, period)
    figures = analysis.figures
    engaged = (figures.revenue != 0) | (figures.cost != 0)
    if not engaged.any():
        return [ReportSection("value.tiers", "Customer value tiers", empty=NO_DATA)]
    sections = [_tiers_section(analysis), _abc_section(analysis),
                _quadrant_section(analysis, engaged), _member_section(analysis),
                _rfm_section(analysis)]
    return sections


def _table(rows: list[Any], label: Callable[[str], str] = str) -> Table:
    """Plain values (the report formats money and shares): Decimals and fractions."""
    return Table(["class", "customers", "customer share", "revenue", "revenue share",
                  "cost", "margin", "margin share"],
                 [[label(r.group), r.customers, r.customer_share, r.revenue, r.revenue_share,
                   r.cost, r.margin, r.margin_share] for r in rows])


def _tiers_section(analysis: Any) -> ReportSection:
    rows = distribution(analysis, "tier")
    cuts = analysis.cuts.public()
    basis = ("percentiles of the positive margins"
             if analysis.extra.get("tier_basis") == "percentile" else "configured amounts")
    return ReportSection(
        "value.tiers", "Customer value tiers",
        summary=f"{rows[0].customers} high-value customers make "
                f"{(rows[0].revenue_share or 0):.0%} of revenue; {rows[4].customers} "
                f"cost more to serve than they bring.",
        chart=Chart("bar", labels=[r.group for r in rows], unit="ratio",
                    series={"share of customers": [r.customer_share for r in rows],
                            "share of revenue": [r.revenue_share or 0.0 for r in rows]}),
        table=_table(rows),
        formula=f"margin = revenue − cost-to-serve (logged cost + unit costs) [S004:543]; "
                f"negative < 0, zero = 0, high ≥ {cuts['tier_high_margin']}, medium ≥ "
                f"{cuts['tier_medium_margin']} ({basis}), else low "
                f"[S000:9], REQUIREMENTS §7.2.3")


def _abc_section(analysis: Any) -> ReportSection:
    result = concentration(analysis)
    if not result["customers"]:
        return ReportSection("value.abc", "ABC classes and revenue concentration",
                             empty="no customer has revenue in the period")
    rows = distribution(analysis, "abc")
    points = result["lorenz"]
    return ReportSection(
        "value.abc", "ABC classes and revenue concentration",
        summary=f"The top {result['top_share']:.0%} of customers make "
                f"{result['top_revenue_share']:.0%} of revenue; Gini {result['gini']:.2f}.",
        chart=Chart("line", labels=[f"{p['customer_share']:.0%}" for p in points],
                    series={"Lorenz curve": [p["revenue_share"] for p in points],
                            "equality": [p["customer_share"] for p in points]},
                    unit="ratio", x_label="share of customers (smallest first)",
                    y_label="share of revenue"),
        table=_table(rows),
        formula="A: customers (largest revenue first) before whom less than 80% of revenue "
                "is reached, B: less than 95%, C: the rest [S002:239]; Gini = 2Σi·xᵢ/(nΣx) − "
                "(n+1)/n over revenues in ascending order")


def _quadrant_section(analysis: Any, engaged: np.ndarray) -> ReportSection:
    figures = analysis.figures
    rows = distribution(analysis, "quadrant")
    chosen = np.flatnonzero(engaged)[:2000]  # enough points to see the shape
    points = [(float(money(figures.revenue[i])), float(money(figures.cost[i])),
               classify.QUADRANT_LABELS[analysis.quadrant[i]]) for i in chosen]
    cuts = analysis.cuts.public()
    return ReportSection(
        "value.quadrants", "Revenue × cost-to-serve",
        summary=f"{rows[3].customers} customers bring little revenue at a high cost to serve.",
        chart=Chart("scatter", points=points, x_label="revenue", y_label="cost-to-serve",
                    x_cut=float(cuts["quadrant_revenue"] or 0),
                    y_cut=float(cuts["quadrant_cost"] or 0)),
        table=_table(rows, lambda g: classify.QUADRANT_LABELS[g]),
        formula="high = above the cut (default: the median of customers with revenue or "
                "cost); quadrants (1)–(4) of [S004:815–821], REQUIREMENTS §7.2.2")


def _member_section(analysis: Any) -> ReportSection:
    rows = distribution(analysis, "member")
    if not analysis.buyers.any():
        return ReportSection("value.members", "Four-quadrant member model",
                             empty="no purchase in the period")
    return ReportSection(
        "value.members", "Four-quadrant member model (知己 / 蝴蝶 / 藤壶 / 过客)",
        summary=f"{rows[0].customers} confidants (知己) buy often and spend much.",
        chart=Chart("bar", labels=[classify.MEMBER_LABELS[r.group] for r in rows],
                    series={"customers": [r.customers for r in rows]}),
        table=_table(rows, lambda g: classify.MEMBER_LABELS[g]),
        formula="purchase count × purchase spend in the period, high = above the median "
                "of buyers [S004:983], REQUIREMENTS §7.2.1")


def _rfm_section(analysis: Any) -> ReportSection:
    rows = distribution(analysis, "segment")
    if not analysis.buyers.any():
        return ReportSection("value.rfm", "RFM segments", empty="no purchase in the period")
    return ReportSection(
        "value.rfm", "RFM segments",
        summary=f"{sum(r.customers for r in rows if r.group in ('at_risk', 'cant_lose'))} "
                "customers who used to buy much are slipping away (at risk, can't lose).",
        chart=Chart("bar", labels=[r.group for r in rows],
                    series={"customers": [r.customers for r in rows]}),
        table=_table(rows),
        formula="R, F, M scored 1–5 by quintiles of buyers (Hughes); segment from R and "
                "FM = ⌈(F+M)/2⌉ on the grid of docs/plugins/analytics/value.md (after "
                "Putler's eleven segments)")
