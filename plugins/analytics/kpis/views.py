"""What the kpis area gives the scorecard (KPIs), ``guanxi report run`` (reports) and the
HTML report (sections): views over :mod:`~guanxi_analytics.kpis.campaigns` and
:mod:`~guanxi_analytics.kpis.service`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_analytics.common import Period, add_months
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.kpis.campaigns import (
    MODELS,
    attribute,
    campaign_kpis,
    kpis_settings,
    overall_roi,
)
from guanxi_analytics.kpis.service import ServiceKpis, service_kpis
from guanxi_analytics.sections import Chart, ReportSection, Table
from guanxi_analytics.sql import period_from_options

ROI_SOURCE = ("REQUIREMENTS §7.5 campaign ROI and cost [S001:68]; Kotler & Keller, "
              "Marketing Management, ch. 17 (marketing ROI)")
SERVICE_SOURCE = "REQUIREMENTS §7.5 repair on-time and complaint resolution [S003:89–91]"
SLA_SOURCE = "REQUIREMENTS §4.4 service time limits [S002:137, S003:90]"
ATTRIBUTION_SOURCE = ("rule-based attribution models (first/last touch, linear): Google "
                      "Analytics attribution models; Kotler & Keller ch. 6")


def _service(field: str) -> Callable[[UnitOfWork, Period], float | None]:
    def compute(uow: UnitOfWork, period: Period) -> float | None:
        value: float | None = getattr(service_kpis(uow, period), field)
        return value
    return compute


def kpis() -> list[Kpi]:
    """Campaign ROI, SLA compliance, on-time repairs, complaint resolution (and
    satisfaction), first-contact resolution."""
    return [
        Kpi("kpis.campaign_roi", "Campaign ROI", "ratio", True, overall_roi,
            "(attributed revenue − cost) / cost of the campaigns with a cost", ROI_SOURCE),
        Kpi("kpis.sla_compliance", "SLA compliance", "ratio", True,
            _service("sla_compliance"),
            "resolutions within their target / resolutions with a target", SLA_SOURCE),
        Kpi("kpis.repair_on_time", "On-time repairs", "ratio", True,
            _service("repair_on_time_rate"), "repairs delivered on time / repairs delivered",
            SERVICE_SOURCE),
        Kpi("kpis.complaint_resolution", "Complaint resolution", "ratio", True,
            _service("complaint_resolution_rate"),
            "complaints opened in the period and resolved / complaints opened", SERVICE_SOURCE),
        Kpi("kpis.complaint_satisfaction", "Complaints resolved to satisfaction", "ratio", True,
            _service("complaint_satisfaction_rate"),
            "satisfied survey answers about resolved complaints / answers", SERVICE_SOURCE),
        Kpi("kpis.first_contact_resolution", "First-contact resolution", "ratio", True,
            _service("first_contact_resolution_rate"),
            "resolutions never reopened nor answered by the customer / resolutions",
            "SQM Group / ICMI first-contact resolution (FCR) definition"),
    ]


# --------------------------------------------------------------------------- reports


def campaigns_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.campaign_kpis`` (options: from, to)."""
    period = period_from_options(uow, options)
    rows = campaign_kpis(uow, period)
    return {"period": period.label(), "roi_model": kpis_settings(uow).roi_model,
            "campaigns": [r.public() for r in rows], "roi": overall_roi(uow, period, rows)}


def attribution_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.attribution`` (options: from, to, window)."""
    period = period_from_options(uow, options, ["window"])
    window = options.get("window")
    try:
        days = None if window in (None, "") else int(window)
    except (TypeError, ValueError):
        raise ValidationError("window", f"not a number of days: {window!r}") from None
    credited = {m: attribute(uow, period, m, days) for m in MODELS}
    ids = sorted({cid for by_model in credited.values() for cid in by_model})
    return {"period": period.label(),
            "campaigns": [{"campaign_id": cid,
                           **{m: str(credited[m].get(cid, "0.00")) for m in MODELS}}
                          for cid in ids]}


def service_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.service_kpis`` (options: from, to)."""
    from guanxi_analytics.kpis.service import sla_compliance

    period = period_from_options(uow, options)
    return {**service_kpis(uow, period).public(),
            "sla_by_priority": [r.public() for r in sla_compliance(uow, period)]}


def register_reports(register: Any) -> None:
    """The kpis area's three reports."""
    register("analytics.campaign_kpis", campaigns_report,
             description="campaign members, response/conversion rates, cost, attributed "
             "revenue and ROI (options: from, to)")
    register("analytics.attribution", attribution_report,
             description="revenue credited to campaigns by first-touch, last-touch and linear "
             "attribution (options: from, to, window)")
    register("analytics.service_kpis", service_report,
             description="SLA compliance, on-time repairs, complaint resolution and "
             "first-contact resolution (options: from, to)")


# --------------------------------------------------------------------------- HTML report


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _campaign_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    rows = campaign_kpis(uow, period)
    if not rows:
        return [ReportSection("kpis.campaign_roi", "Campaign ROI", empty=(
            "no campaign entries (marketing.campaign_sent/responded/converted) in the period "
            "— the marketing plugin logs them"))]
    model = kpis_settings(uow).roi_model
    costed = [r for r in rows if r.roi is not None]
    overall = overall_roi(uow, period, rows)
    summary = (f"Together the campaigns with a cost returned {_pct(overall)}% on it "
               f"({model.replace('_', ' ')} attribution)." if overall is not None else
               "No campaign has a cost in the log or the settings: ROI cannot be computed.")
    return [
        ReportSection(
            "kpis.campaign_roi", "Campaign ROI", summary=summary,
            # Without any cost, the rates are what can be compared.
            chart=Chart("bar", labels=[r.campaign for r in costed], unit="%",
                        series={"ROI": [_pct(r.roi) for r in costed]}) if costed else Chart(
                "bar", labels=[r.campaign for r in rows], unit="%",
                series={"response rate": [_pct(r.response_rate) for r in rows],
                        "conversion rate": [_pct(r.conversion_rate) for r in rows]}),
            table=Table(["campaign", "members", "response %", "conversion %", "cost",
                         "attributed", "ROI %"],
                        [[r.campaign, r.members, _pct(r.response_rate),
                          _pct(r.conversion_rate), None if r.cost is None else str(r.cost),
                          str(r.attributed[model]), _pct(r.roi)] for r in rows]),
            formula=f"ROI = (attributed revenue − cost) / cost ({ROI_SOURCE})"),
        ReportSection(
            "kpis.attribution", "Revenue attributed to campaigns",
            summary="The same purchases credited by three models: where they disagree, a "
            "campaign opens journeys that another one closes.",
            chart=Chart("bar", labels=[r.campaign for r in rows], unit="CNY", series={
                m.replace("_", " "): [float(r.attributed[m]) for r in rows] for m in MODELS}),
            formula=f"first touch: all to the earliest touch in the window; last touch: all "
            f"to the latest; linear: equal shares ({ATTRIBUTION_SOURCE})"),
    ]


def _service_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    whole = service_kpis(uow, period)
    if not (whole.resolved or whole.repairs_completed or whole.complaints_opened):
        return [ReportSection("kpis.service", "Service KPIs", empty=(
            "no ticket resolutions, repairs or complaints in the period — the service plugin "
            "logs them"))]
    labels: list[str] = []
    months: list[ServiceKpis] = []
    for month in period.months():
        labels.append(month.strftime("%Y-%m"))
        months.append(service_kpis(uow, Period(max(month, period.start),
                                               min(add_months(month, 1), period.end))))
    series = {
        "SLA compliance": [_pct(m.sla_compliance) for m in months],
        "on-time repairs": [_pct(m.repair_on_time_rate) for m in months],
        "complaint resolution": [_pct(m.complaint_resolution_rate) for m in months],
        "first-contact resolution": [_pct(m.first_contact_resolution_rate) for m in months],
    }
    figures = [
        ("SLA compliance", whole.sla_compliance, whole.sla_met, whole.sla_measured),
        ("on-time repairs", whole.repair_on_time_rate, whole.repairs_on_time,
         whole.repairs_completed),
        ("complaint resolution", whole.complaint_resolution_rate, whole.complaints_resolved,
         whole.complaints_opened),
        ("complaints resolved to satisfaction", whole.complaint_satisfaction_rate,
         whole.complaint_satisfied, whole.complaint_surveys),
        ("first-contact resolution", whole.first_contact_resolution_rate,
         whole.first_contact_resolved, whole.resolved),
    ]
    return [ReportSection(
        "kpis.service", "Service KPIs by month",
        summary=f"SLA compliance {_pct(whole.sla_compliance)}%, on-time repairs "
        f"{_pct(whole.repair_on_time_rate)}%, complaints resolved "
        f"{_pct(whole.complaint_resolution_rate)}% over the period (SLA on elapsed hours "
        "against [analytics.kpis] resolution_hours unless the entry says).",
        chart=Chart("line", labels=labels, series=series, unit="%"),
        table=Table(["indicator", "%", "count", "of"],
                    [[name, _pct(rate), n, d] for name, rate, n, d in figures]),
        formula=f"each rate = count / of over the period ({SERVICE_SOURCE}; {SLA_SOURCE})")]


def html_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """Campaign ROI and attribution (bars), service KPIs by month (lines)."""
    return [*_campaign_sections(uow, period), *_service_sections(uow, period)]
