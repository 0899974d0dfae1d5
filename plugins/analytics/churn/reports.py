"""The churn area's reports, KPIs and HTML report sections.

Reports (``guanxi report run analytics.…``) return JSON-able dicts; the KPIs feed the
scorecard; the HTML sections are data only (the report area draws them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi.services.lookup import customer_names
from guanxi_analytics.churn.alerts import list_alerts
from guanxi_analytics.churn.buckets import GRAINS, grain_label, utc_instants
from guanxi_analytics.churn.cohorts import cohort_matrix, period_retention, retention_rates
from guanxi_analytics.churn.models import ALERT_KINDS, CAUSES, ChurnAlert
from guanxi_analytics.churn.risk import churn_risk
from guanxi_analytics.common import Period, resolve_period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.sections import Chart, ReportSection, Table

RETENTION_SOURCE = ("Farris, Bendle, Pfeifer & Reibstein, Marketing Metrics (2010) §5.3: "
                    "retention = customers retained / customers at risk; churn = 1 − "
                    "retention; REQUIREMENTS §5.4 [S004:19, S004:629]")
COHORT_SOURCE = ("acquisition-cohort retention table (Fader & Hardie, 'Probability Models "
                 "for Customer-Base Analysis', 2009); REQUIREMENTS §5.4")


def _period(uow: UnitOfWork, start: Any, end: Any) -> Period:
    return resolve_period(uow, parse_date(start, "start"), parse_date(end, "end"))


def _no_unknown(options: dict[str, Any]) -> None:
    if options:
        raise ValidationError(next(iter(options)), "is not an option of this report")


# --- figures the reports, the CLI and the HTML share ----------------------------------

def alerts_by_month(uow: UnitOfWork, period: Period) -> list[dict[str, Any]]:
    """Alerts raised for each watched month of ``period``, by kind (a GROUP BY)."""
    query = (select(ChurnAlert.month, ChurnAlert.kind, func.count())
             .where(col(ChurnAlert.month) >= period.start.replace(day=1),
                    col(ChurnAlert.month) < period.end)
             .group_by(ChurnAlert.month, ChurnAlert.kind))
    counts = {(month, kind): int(n) for month, kind, n in uow.session.execute(query).all()}
    rows = []
    for month in period.months():
        row: dict[str, Any] = {"month": grain_label(month, "month")}
        row.update({kind: counts.get((month, kind), 0) for kind in ALERT_KINDS})
        row["total"] = sum(row[kind] for kind in ALERT_KINDS)
        rows.append(row)
    return rows


def cause_breakdown(uow: UnitOfWork, period: Period) -> dict[str, Any]:
    """Alerts closed in ``period`` by outcome, and the churned ones by cause [S004:405]."""
    first, past = utc_instants(uow, [period.start, period.end])
    query = (select(ChurnAlert.outcome, ChurnAlert.cause, func.count())
             .where(col(ChurnAlert.status) == "closed", col(ChurnAlert.closed_at) >= first,
                    col(ChurnAlert.closed_at) < past)
             .group_by(ChurnAlert.outcome, ChurnAlert.cause))
    found = uow.session.execute(query).all()
    outcomes: dict[str, int] = {}
    causes = dict.fromkeys(CAUSES, 0)
    for outcome, cause, n in found:
        outcomes[outcome] = outcomes.get(outcome, 0) + int(n)
        if outcome == "churned":
            causes[cause or "unknown"] += int(n)
    churned = sum(causes.values())
    return {"period": period.label(), "closed": sum(outcomes.values()), "outcomes": outcomes,
            "causes": [{"cause": c, "alerts": n, "share": round(n / churned, 4) if churned
                        else None} for c, n in causes.items()]}


# --- reports ------------------------------------------------------------------------

def cohorts_report(uow: UnitOfWork, start: Any = None, end: Any = None,
                   **unknown: Any) -> dict[str, Any]:
    """``analytics.cohorts``: the monthly cohorts and their retention matrix."""
    _no_unknown(unknown)
    return to_jsonable(cohort_matrix(uow, _period(uow, start, end)))


def retention_report(uow: UnitOfWork, start: Any = None, end: Any = None, by: str = "month",
                     **unknown: Any) -> dict[str, Any]:
    """``analytics.retention``: retention and churn per month, quarter or year."""
    from guanxi.inputs import parse_choice

    _no_unknown(unknown)
    period = _period(uow, start, end)
    by = parse_choice(by, GRAINS, "by")
    return {"period": period.label(), "by": by,
            "rows": to_jsonable(retention_rates(uow, period, by)),
            "total": to_jsonable(period_retention(uow, period))}


def alerts_report(uow: UnitOfWork, start: Any = None, end: Any = None, status: str | None = None,
                  **unknown: Any) -> dict[str, Any]:
    """``analytics.churn_alerts``: alerts per month and kind, and the alerts themselves."""
    _no_unknown(unknown)
    period = _period(uow, start, end)
    alerts = list_alerts(uow, status=status, start=period.start, end=period.last, limit=10000)
    names = customer_names(uow, [a.customer_id for a in alerts])
    return {"period": period.label(), "by_month": alerts_by_month(uow, period),
            "alerts": [{**to_jsonable(a), "customer": names.get(a.customer_id)}
                       for a in alerts]}


def causes_report(uow: UnitOfWork, start: Any = None, end: Any = None,
                  **unknown: Any) -> dict[str, Any]:
    """``analytics.churn_causes``: closed alerts by outcome and churn cause."""
    _no_unknown(unknown)
    return cause_breakdown(uow, _period(uow, start, end))


def risk_report(uow: UnitOfWork, limit: Any = 50, **unknown: Any) -> dict[str, Any]:
    """``analytics.churn_risk``: the customers most likely to have gone."""
    _no_unknown(unknown)
    try:
        count = int(limit)
    except (TypeError, ValueError):
        raise ValidationError("limit", f"{limit!r} is not a whole number") from None
    rows = churn_risk(uow, limit=count)
    return {"basis": rows[0].basis if rows else None, "rows": to_jsonable(rows)}


def register_reports(register: Callable[..., None]) -> None:
    """The churn area's five reports."""
    register("analytics.cohorts", cohorts_report,
             description="monthly acquisition cohorts and the retention matrix")
    register("analytics.retention", retention_report,
             description="customer retention and churn rates per month, quarter or year")
    register("analytics.churn_alerts", alerts_report,
             description="churn alerts (threshold and sudden drop) per month")
    register("analytics.churn_causes", causes_report,
             description="closed churn alerts by outcome and churn cause")
    register("analytics.churn_risk", risk_report,
             description="customers ordered by probability alive (or overdue purchases)")


# --- KPIs ---------------------------------------------------------------------------

def _open_alerts(uow: UnitOfWork, period: Period) -> float | None:
    query = (select(ChurnAlert.status, func.count())
             .where(col(ChurnAlert.month) >= period.start.replace(day=1),
                    col(ChurnAlert.month) < period.end)
             .group_by(ChurnAlert.status))
    counts = dict(uow.session.execute(query).all())
    if not counts:
        return None
    return float(sum(int(n) for status, n in counts.items() if status != "closed"))


def kpis() -> list[Kpi]:
    """``churn.retention_rate``, ``churn.churn_rate``, ``churn.open_alerts``."""
    return [
        Kpi("churn.retention_rate", "Customer retention rate", "ratio", True,
            lambda uow, p: period_retention(uow, p).retention_rate,
            description="customers who bought in the equally long window before the period "
                        "and bought again in it, over those who bought before",
            source=RETENTION_SOURCE),
        Kpi("churn.churn_rate", "Customer churn rate", "ratio", False,
            lambda uow, p: period_retention(uow, p).churn_rate,
            description="1 − retention rate: customers of the previous window who did not "
                        "buy in the period", source=RETENTION_SOURCE),
        Kpi("churn.open_alerts", "Open churn alerts", "count", False, _open_alerts,
            description="threshold and sudden-drop alerts for the period's months not yet "
                        "closed", source="REQUIREMENTS §7.3.1 [S002:449], §7.3.6 [S004:833]"),
    ]


# --- HTML report sections -----------------------------------------------------------

def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """The cohort heatmap, the retention trend, alerts by month and the top risks."""
    return [_cohort_section(uow, period), _retention_section(uow, period),
            _alerts_section(uow, period), _risk_section(uow)]


def _cohort_section(uow: UnitOfWork, period: Period) -> ReportSection:
    matrix = cohort_matrix(uow, period)
    formula = ("cell (c, k) = customers of cohort c (month of first purchase) buying in "
               f"month c + k ÷ cohort size; {COHORT_SOURCE}")
    title = "Acquisition cohorts: retention matrix"
    if not matrix.cohorts:
        return ReportSection("churn.cohorts", title, formula=formula,
                             empty="no first purchases in the period (purchase_kinds)")
    columns = [f"+{k}" for k in range(matrix.months)]
    one = matrix.average[1] if matrix.months > 1 else None
    summary = (f"{len(matrix.cohorts)} monthly cohorts, "
               f"{sum(r.customers for r in matrix.cohorts)} new customers"
               + ("" if one is None else f"; {_pct(one)}% bought again the month after"))
    if period.end > uow.today():
        summary += " (the current month is still running)"
    # Month +0 is 100 % by definition: drawn, it would take the whole colour scale, so the
    # heatmap starts at +1 and the row labels carry the cohort's size.
    rows = {f"{r.cohort} ({r.customers})": [_pct(v) for v in r.retention[1:]]
            for r in matrix.cohorts}
    chart = None
    if matrix.months > 1:
        chart = Chart("heatmap", labels=list(rows), columns=columns[1:], series=rows,
                      unit="%", x_label="months since first purchase",
                      y_label="cohort")
    return ReportSection(
        "churn.cohorts", title, summary=summary, formula=formula, chart=chart,
        table=Table(["cohort", "customers", *columns],
                    [[r.cohort, r.customers, *r.active] for r in matrix.cohorts]))


def _retention_section(uow: UnitOfWork, period: Period) -> ReportSection:
    rows = retention_rates(uow, period, "month")
    formula = f"retention = retained ÷ S; churn = lost ÷ S; classic (E − N) ÷ S; {RETENTION_SOURCE}"
    title = "Customer retention and churn by month"
    if not any(r.at_risk for r in rows):
        return ReportSection("churn.retention", title, formula=formula,
                             empty="no month with customers who bought the month before")
    total = period_retention(uow, period)
    summary = ("" if total.retention_rate is None else
               f"{_pct(total.retention_rate)}% of the {total.at_risk} customers of the window "
               f"before the period bought again in it")
    # A month still running would show as a collapse: it stays in the table, marked,
    # and out of the line.
    drawn = [r for r in rows if r.complete]
    if len(drawn) < len(rows):
        summary += "; the current month is still running (in the table only)"
    chart = None
    if drawn:
        chart = Chart("line", labels=[r.period for r in drawn], unit="%",
                      series={"retention": [_pct(r.retention_rate) for r in drawn],
                              "churn": [_pct(r.churn_rate) for r in drawn]})
    return ReportSection(
        "churn.retention", title, summary=summary, formula=formula, chart=chart,
        table=Table(["month", "at risk (S)", "active (E)", "new (N)", "retained", "lost",
                     "retention %", "churn %"],
                    [[r.period if r.complete else f"{r.period} (running)", r.at_risk,
                      r.active, r.new, r.retained, r.lost, _pct(r.retention_rate),
                      _pct(r.churn_rate)] for r in rows]))


def _alerts_section(uow: UnitOfWork, period: Period) -> ReportSection:
    rows = alerts_by_month(uow, period)
    title = "Churn alerts by month"
    formula = ("threshold: month's spend < threshold amount OR count < threshold count "
               "(REQUIREMENTS §7.3.1 [S002:449]); drop: modified z-score 0.6745·(x − median)"
               "/MAD ≤ −z against the trailing months (Iglewicz & Hoaglin 1993; §5.3 "
               "[S002:447–449])")
    if not any(r["total"] for r in rows):
        return ReportSection("churn.alerts", title, formula=formula,
                             empty="no churn alerts raised for the period's months "
                                   "(job analytics.churn_alerts)")
    causes = cause_breakdown(uow, period)
    return ReportSection(
        "churn.alerts", title, formula=formula,
        summary=f"{sum(r['total'] for r in rows)} alerts; {causes['closed']} closed in the "
                f"period",
        chart=Chart("stacked_bar", labels=[r["month"] for r in rows], unit="alerts",
                    series={kind: [r[kind] for r in rows] for kind in ALERT_KINDS}),
        table=Table(["churn cause", "alerts", "share %"],
                    [[c["cause"], c["alerts"], _pct(c["share"])] for c in causes["causes"]]))


def _risk_section(uow: UnitOfWork) -> ReportSection:
    rows = churn_risk(uow, limit=10)
    title = "Top churn risks"
    if not rows:
        return ReportSection("churn.risk", title, empty="no customer with a purchase")
    basis = rows[0].basis
    if basis == "p_alive":
        formula = "ordered by BG/NBD probability alive (Fader, Hardie & Lee 2005), lowest first"
        table = Table(["customer", "P(alive)", "expected purchases", "CLV"],
                      [[r.customer, r.p_alive, r.expected_purchases, r.clv] for r in rows])
    else:
        formula = ("no CLV fit: ordered by days since the last purchase ÷ the usual gap "
                   "between purchases, highest first")
        table = Table(["customer", "last purchase", "days since", "usual gap", "overdue ×"],
                      [[r.customer, r.last_purchase, r.days_since_last, r.usual_gap_days,
                        r.overdue] for r in rows])
    return ReportSection("churn.risk", title, formula=formula, table=table,
                         summary=f"the {len(rows)} customers most at risk (basis: {basis})")

