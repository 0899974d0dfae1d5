"""The loyalty area's reports, KPIs and HTML report sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_analytics.common import Period
from guanxi_analytics.delivered.reports import report_period
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.loyalty import behaviour, surveys
from guanxi_analytics.sections import Chart, ReportSection, Table
from guanxi_analytics.settings import analytics_settings

NPS_FORMULA = ("NPS = % promoters (9–10) − % detractors (0–6) of the 0–10 answers "
               "(Reichheld 2003; willingness to recommend, REQUIREMENTS §5.5 [S004:179])")
CSAT_FORMULA = ("CSAT = answers ≥ 4 of 1–5 / answers, and the mean answer "
                "(satisfaction: perception against expectation, §5.5 [S004:867])")
REPEAT_FORMULA = ("repeat rate = customers with ≥ 2 purchases / customers with ≥ 1 in the "
                  "period; interval = Σ(last − first) / Σ(purchases − 1) over repeat buyers "
                  "(behavioural loyalty, §5.5 [S004:173, S004:807])")


def _options(uow: UnitOfWork, options: dict[str, Any]) -> tuple[Period, str]:
    period = report_period(uow, options)
    by = str(options.pop("by", "month"))
    if options:
        raise ValidationError(sorted(options)[0], "not an option of this report")
    return period, by


def nps_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.nps``: NPS per month (or channel, team) with the total."""
    period, by = _options(uow, options)
    return {"period": period.label(), "by": by,
            "rows": [r.as_dict() for r in surveys.nps(uow, period, by=by)]}


def csat_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.csat``: CSAT per month (or channel, team) with the total."""
    period, by = _options(uow, options)
    return {"period": period.label(), "by": by,
            "rows": [r.as_dict() for r in surveys.csat(uow, period, by=by)]}


def loyalty_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.loyalty``: repeat purchase, referrals and programme participation."""
    period = report_period(uow, options)
    if options:
        raise ValidationError(sorted(options)[0], "not an option of this report")
    return {"period": period.label(),
            "repeat": behaviour.repeat(uow, period).as_dict(),
            "referrals": behaviour.referrals(uow, period).as_dict(),
            "membership": behaviour.membership(uow, period).as_dict()}


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.nps``, ``analytics.csat``, ``analytics.loyalty`` (options from, to, by)."""
    register("analytics.nps", nps_report,
             description="net promoter score from the survey answers in the log, by month")
    register("analytics.csat", csat_report,
             description="customer satisfaction (share satisfied, mean) by month")
    register("analytics.loyalty", loyalty_report,
             description="repeat rate and interval, referrals, loyalty-programme participation")


# KPIs ----------------------------------------------------------------------------------


def _total(rows: list[Any]) -> Any:
    return rows[-1] if rows else None


def kpi_nps(uow: UnitOfWork, period: Period) -> float | None:
    total = _total(surveys.nps(uow, period, by="total"))
    return None if total is None else total.nps


def kpi_csat(uow: UnitOfWork, period: Period) -> float | None:
    total = _total(surveys.csat(uow, period, by="total"))
    return None if total is None else total.satisfied_share


def kpi_csat_mean(uow: UnitOfWork, period: Period) -> float | None:
    total = _total(surveys.csat(uow, period, by="total"))
    return None if total is None else total.mean


def kpi_repeat_rate(uow: UnitOfWork, period: Period) -> float | None:
    return behaviour.repeat(uow, period).repeat_rate


def kpi_referrals(uow: UnitOfWork, period: Period) -> float | None:
    """The period's referrals; None when nothing could record one (no referral kind is
    registered and no referrer custom field is declared)."""
    settings = analytics_settings(uow).loyalty
    registry = uow.app.registry
    possible = any(s.kind in registry.interaction_kinds for s in settings.referrals) or (
        settings.referrer_custom_field in registry.custom_fields)
    if not possible:
        return None
    return float(behaviour.referrals(uow, period).total)


def kpis() -> list[Kpi]:
    """``loyalty.nps``, ``loyalty.csat``, ``loyalty.csat_mean``, ``loyalty.repeat_rate``,
    ``loyalty.referrals``."""
    return [
        Kpi("loyalty.nps", "net promoter score", "score", True, kpi_nps,
            "% promoters − % detractors, −100..100", "Reichheld 2003; §5.5 [S004:179]"),
        Kpi("loyalty.csat", "customers satisfied (CSAT)", "ratio", True, kpi_csat,
            "share of CSAT answers ≥ 4 of 5", "§5.5 [S004:867]"),
        Kpi("loyalty.csat_mean", "mean CSAT", "score", True, kpi_csat_mean,
            "mean CSAT answer (1–5)", "§5.5 [S004:867]"),
        Kpi("loyalty.repeat_rate", "repeat purchase rate", "ratio", True, kpi_repeat_rate,
            "customers with ≥ 2 purchases / with ≥ 1", "§5.5 [S004:49, S004:807]"),
        Kpi("loyalty.referrals", "referrals", "count", True, kpi_referrals,
            "referrals logged in the period", "§5.5 [S004:179]"),
    ]


# HTML report ---------------------------------------------------------------------------

NO_SURVEYS = ("no survey answers in the period: the survey kinds ({kinds}) logged nothing "
              "with an NPS or CSAT score")


def sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """NPS/CSAT trend (line), NPS composition (stacked bar), loyalty indicators (table)."""
    settings = analytics_settings(uow).loyalty
    nps_rows = surveys.nps(uow, period, by="month")
    csat_rows = surveys.csat(uow, period, by="month")
    result: list[ReportSection] = []
    if not nps_rows and not csat_rows:
        empty = NO_SURVEYS.format(kinds=", ".join(settings.survey_kinds))
        result += [
            ReportSection(key="loyalty.trend", title="NPS and CSAT by month",
                          formula=f"{NPS_FORMULA}; {CSAT_FORMULA}", empty=empty),
            ReportSection(key="loyalty.nps_composition", title="Promoters, passives, detractors",
                          formula=NPS_FORMULA, empty=empty),
        ]
    else:
        months = surveys.month_labels(period)
        nps_by = {r.group: r for r in nps_rows}
        csat_by = {r.group: r for r in csat_rows}
        series: dict[str, list[float | None]] = {
            "NPS": [nps_by[m].nps if m in nps_by else None for m in months],
            "CSAT % satisfied": [round(100 * csat_by[m].satisfied_share, 1)
                                 if m in csat_by else None for m in months],
        }
        parts = []
        if nps_rows:
            parts.append(f"NPS {nps_rows[-1].nps} over {nps_rows[-1].answers} answers")
        if csat_rows:
            total = csat_rows[-1]
            parts.append(f"{100 * total.satisfied_share:.1f}% satisfied (mean "
                         f"{total.mean}) over {total.answers} answers")
        result.append(ReportSection(
            key="loyalty.trend", title="NPS and CSAT by month",
            summary="; ".join(parts) + ".",
            chart=Chart(kind="line", labels=months, series=series, unit="points",
                        y_label="NPS (−100..100) / % satisfied"),
            formula=f"{NPS_FORMULA}; {CSAT_FORMULA}",
        ))
        monthly = [r for r in nps_rows if r.group != surveys.TOTAL]
        if monthly:
            result.append(ReportSection(
                key="loyalty.nps_composition", title="Promoters, passives, detractors by month",
                summary="Each bar is 100% of the month's answers.",
                chart=Chart(kind="stacked_bar", labels=[r.group for r in monthly], unit="%",
                            series={"promoters": [r.promoter_pct for r in monthly],
                                    "passives": [r.passive_pct for r in monthly],
                                    "detractors": [r.detractor_pct for r in monthly]}),
                table=Table(columns=["month", "answers", "promoters", "passives",
                                     "detractors", "NPS"],
                            rows=[[r.group, r.answers, r.promoters, r.passives, r.detractors,
                                   r.nps] for r in monthly]),
                formula=NPS_FORMULA))
        else:
            result.append(ReportSection(
                key="loyalty.nps_composition", title="Promoters, passives, detractors",
                formula=NPS_FORMULA, empty="no survey answer has a 0–10 score"))
    result.append(_indicators(uow, period))
    return result


def _indicators(uow: UnitOfWork, period: Period) -> ReportSection:
    repeat = behaviour.repeat(uow, period)
    if not repeat.customers:
        return ReportSection(key="loyalty.indicators", title="Loyalty indicators",
                             formula=REPEAT_FORMULA, empty="no purchases in the period")
    refs = behaviour.referrals(uow, period)
    members = behaviour.membership(uow, period)

    def pct(x: float | None) -> str | None:
        return None if x is None else f"{100 * x:.1f}%"

    return ReportSection(
        key="loyalty.indicators", title="Loyalty indicators",
        summary=(f"{repeat.repeaters} of {repeat.customers} buyers bought again "
                 f"({pct(repeat.repeat_rate)})."),
        table=Table(columns=["indicator", "value"], rows=[
            ["buyers", repeat.customers], ["repeat buyers", repeat.repeaters],
            ["repeat rate", pct(repeat.repeat_rate)],
            ["mean days between purchases", repeat.mean_interval_days],
            ["median days between purchases", repeat.median_interval_days],
            ["referrals", refs.total],
            ["programme members (end of period)", members.members],
            ["buyers who are members", pct(members.participation)],
        ]),
        formula=REPEAT_FORMULA,
    )
