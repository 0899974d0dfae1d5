"""The delivered area's reports, HTML report sections, demo step and personal-data parts."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi.records import CustomerRecord
from guanxi_analytics.common import Period, resolve_period
from guanxi_analytics.delivered.models import CdvAssessment
from guanxi_analytics.sections import Chart, ReportSection, Table
from guanxi_analytics.settings import analytics_settings

FORMULA = ("CDV = total customer value − total customer cost; value = Σ value components "
           "(product, service, personnel, image), cost = Σ cost components (price, time, "
           "energy …), each = source figure × factor (Kotler; REQUIREMENTS §5.6 "
           "[S004:383, S004:545, S004:1015–1021])")


def report_period(uow: UnitOfWork, options: dict[str, Any]) -> Period:
    """The period of a report's ``from``/``to`` options (``start``/``end`` also accepted)."""
    start = parse_date(options.pop("from", None) or options.pop("start", None), "from")
    last = parse_date(options.pop("to", None) or options.pop("end", None), "to")
    return resolve_period(uow, start, last)


def _no_more(options: dict[str, Any]) -> None:
    if options:
        name = sorted(options)[0]
        raise ValidationError(name, "not an option of this report")


def cdv_customers_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.cdv_customers``: every customer's components and CDV."""
    from guanxi_analytics.delivered.service import customer_cdv

    period = report_period(uow, options)
    group_by = options.pop("group_by", None)
    _no_more(options)
    rows = [r.as_dict() for r in customer_cdv(uow, period, group_by=group_by)]
    return to_jsonable({"period": period.label(), "customers": len(rows), "rows": rows})


def cdv_segments_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """``analytics.cdv_segments``: mean components and CDV per segment."""
    from guanxi_analytics.delivered.service import segment_cdv

    period = report_period(uow, options)
    group_by = options.pop("group_by", None)
    _no_more(options)
    rows = [s.as_dict() for s in segment_cdv(uow, period, group_by=group_by)]
    return to_jsonable({"period": period.label(), "rows": rows})


def register_reports(register: Callable[..., None]) -> None:
    """``analytics.cdv_customers``, ``analytics.cdv_segments`` (options from, to,
    group_by)."""
    register("analytics.cdv_customers", cdv_customers_report,
             description="customer delivered value (顾客让渡价值) per customer, with components")
    register("analytics.cdv_segments", cdv_segments_report,
             description="customer delivered value per segment (tier, RFM segment, tag …)")


def sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
    """CDV by segment (bar) and the mean components per segment (stacked bar)."""
    from guanxi_analytics.delivered.service import segment_cdv

    settings = analytics_settings(uow).delivered
    rows = segment_cdv(uow, period)
    if not rows:
        empty = ("no customer has a delivered-value component in the period: log purchases "
                 "or record assessments (guanxi analytics delivered assess)")
        return [ReportSection(key="delivered.by_segment", title="Customer delivered value",
                              formula=FORMULA, empty=empty),
                ReportSection(key="delivered.components", title="Value and cost components",
                              formula=FORMULA, empty=empty)]
    labels = [r.segment for r in rows]
    best = max(rows, key=lambda r: r.mean_cdv)
    worst = min(rows, key=lambda r: r.mean_cdv)
    if len(rows) == 1:
        summary = f"One segment ({best.segment}): mean CDV {best.mean_cdv} over " \
                  f"{best.customers} customers."
    else:
        summary = (f"{len(rows)} segments; the highest mean CDV is {best.segment} "
                   f"({best.mean_cdv}), the lowest {worst.segment} ({worst.mean_cdv}).")
    by_segment = ReportSection(
        key="delivered.by_segment",
        title=f"Customer delivered value by {settings.group_by}",
        summary=summary,
        chart=Chart(kind="bar", labels=labels,
                    series={"mean CDV": [float(r.mean_cdv) for r in rows]}, unit="CNY",
                    y_label="mean CDV"),
        table=Table(columns=["segment", "customers", "mean value", "mean cost", "mean CDV",
                             "total CDV"],
                    rows=[[r.segment, r.customers, str(r.mean_value), str(r.mean_cost),
                           str(r.mean_cdv), str(r.total_cdv)] for r in rows]),
        formula=FORMULA,
    )
    # Costs drawn below zero, so each bar's net height is the segment's mean CDV.
    series: dict[str, list[float | None]] = {}
    for name in settings.value:
        series[f"value: {name}"] = [float(r.value[name]) for r in rows]
    for name in settings.cost:
        series[f"cost: {name}"] = [-float(r.cost[name]) for r in rows]
    components = ReportSection(
        key="delivered.components",
        title="Value and cost components by segment (means per customer)",
        summary="Value components above the axis, cost components below it (negative); "
                "the net of each bar is the segment's mean CDV.",
        chart=Chart(kind="stacked_bar", labels=labels, series=series, unit="CNY"),
        formula=FORMULA,
    )
    return [by_segment, components]


def demo_assessments(uow: UnitOfWork, rng: random.Random,
                     customers: list[CustomerRecord]) -> None:
    """Assessments of every assessed component for a tenth of the demo customers
    (deterministic through ``rng``), so the CDV commands show more than revenue."""
    from guanxi_analytics.delivered.service import assessable

    names = assessable(analytics_settings(uow).delivered)
    if not names or not customers:
        return
    chosen = customers[: max(1, len(customers) // 10)]
    rows = [CdvAssessment(customer_id=c.id, component=name,
                          value=Decimal(rng.randrange(0, 50_000)) / 100,
                          assessed_at=uow.now, assessed_by=None)
            for c in chosen if c.id is not None for name in names]
    uow.session.add_all(rows)
    uow.session.flush()


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's assessments, with their notes."""
    rows = uow.session.execute(
        select(CdvAssessment).where(CdvAssessment.customer_id == customer_id)
        .order_by(CdvAssessment.id)  # type: ignore[arg-type]
    ).scalars().all()
    if not rows:
        return {}
    return {"analytics_cdv_assessments": [
        {"id": a.id, "component": a.component, "value": a.value, "assessed_at": a.assessed_at,
         "assessed_by": a.assessed_by, "note": a.note} for a in rows]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the notes; components, amounts and dates stay for the aggregates."""
    table = CdvAssessment.__table__  # type: ignore[attr-defined]
    uow.session.connection().execute(
        update(table).where(table.c.customer_id == customer_id).values(note=None))
    uow.session.expire_all()
