"""Campaign performance: response and conversion rates, cost per result, ROI.

* **reached** — members past ``targeted`` (sent, responded or converted);
* **response rate** — (responded + converted) / reached; **conversion rate** —
  converted / reached;
* **cost per response / conversion** — actual cost / responses (conversions);
* **ROI** — (attributed revenue − actual cost) / actual cost, the revenue attributed
  under one model (:mod:`guanxi_marketing.campaigns.attribution`). No cost: no ROI.

A rate, cost per result or ROI whose denominator is zero is ``None``, not zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.inputs import parse_choice
from guanxi_marketing.campaigns.attribution import (
    MODELS,
    attribution_table,
    touched_revenue,
    window_for,
)
from guanxi_marketing.campaigns.common import campaign_settings, get_campaign
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.campaigns.service import CampaignRow, campaign_rows, list_campaigns

CENT = Decimal("0.01")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _per(cost: Decimal, count: int) -> Decimal | None:
    return (cost / count).quantize(CENT, ROUND_HALF_EVEN) if count else None


@dataclass(frozen=True)
class Performance:
    """One campaign's results and return under one attribution model."""

    id: int
    name: str
    type: str
    status: str
    currency: str
    members: int
    reached: int
    responded: int
    converted: int
    response_rate: float | None
    conversion_rate: float | None
    budget: Decimal
    actual_cost: Decimal
    cost_per_response: Decimal | None
    cost_per_conversion: Decimal | None
    model: str
    attributed_revenue: Decimal
    roi: float | None


def _campaigns(uow: UnitOfWork, campaign: int | str | None, status: str | None,
               type: str | None) -> list[CampaignRow]:
    if campaign is not None:
        return campaign_rows(uow, [get_campaign(uow, campaign)])
    rows: list[CampaignRow] = []
    after = None
    while True:  # every visible campaign, a page at a time
        page = list_campaigns(uow, status=status, type=type, after_id=after, limit=500)
        rows.extend(page)
        if len(page) < 500:
            return rows
        after = page[-1].id


def campaign_roi(
    uow: UnitOfWork, *, campaign: int | str | None = None, model: str | None = None,
    start: dt.date | str | None = None, end: dt.date | str | None = None,
    window: int | str | None = None, status: str | None = None, type: str | None = None,
) -> list[Performance]:
    """Performance and ROI of one campaign or of every visible one (filtered by status
    and type); revenue in the period ``start``–``end`` (local dates) is attributed with
    ``model`` (default: the settings') over a window of ``window`` days."""
    chosen = parse_choice(model or campaign_settings(uow.app).attribution_model, MODELS, "model")
    span = window_for(uow, start=start, end=end, days=window)
    rows = _campaigns(uow, campaign, status, type)
    credit = attribution_table(uow, span, [r.id for r in rows])
    result = []
    for r in rows:
        revenue = credit.get(r.id, {}).get(chosen, Decimal("0.00"))
        roi = float(((revenue - r.actual_cost) / r.actual_cost).quantize(Decimal("0.0001"))) \
            if r.actual_cost else None
        result.append(Performance(
            id=r.id, name=r.name, type=r.type, status=r.status, currency=r.currency,
            members=r.members, reached=r.sent, responded=r.responded, converted=r.converted,
            response_rate=_rate(r.responded, r.sent), conversion_rate=_rate(r.converted, r.sent),
            budget=r.budget, actual_cost=r.actual_cost,
            cost_per_response=_per(r.actual_cost, r.responded),
            cost_per_conversion=_per(r.actual_cost, r.converted), model=chosen,
            attributed_revenue=revenue, roi=roi))
    return result


@dataclass(frozen=True)
class AttributionRow:
    """The revenue each model attributes to one campaign, and the events it credits."""

    id: int
    name: str
    first_touch: Decimal
    last_touch: Decimal
    linear: Decimal
    first_touch_events: int
    last_touch_events: int
    linear_events: int


@dataclass(frozen=True)
class Attribution:
    """Attribution by campaign, with the touched customers' revenue it is a part of."""

    window_days: int
    rows: list[AttributionRow]
    touched_revenue: Decimal


def attribution(
    uow: UnitOfWork, *, start: dt.date | str | None = None, end: dt.date | str | None = None,
    window: int | str | None = None,
) -> Attribution:
    """Revenue of the period attributed to every visible campaign under each model."""
    span = window_for(uow, start=start, end=end, days=window)
    table = attribution_table(uow, span)
    names = dict(uow.session.exec(select(Campaign.id, Campaign.name).where(
        Campaign.id.in_(sorted(table)))).all()) if table else {}
    zero = Decimal("0.00")
    rows = [AttributionRow(
        id=cid, name=names[cid], first_touch=table[cid].get("first_touch", zero),
        last_touch=table[cid].get("last_touch", zero), linear=table[cid].get("linear", zero),
        first_touch_events=table[cid].get("first_touch_events", 0),
        last_touch_events=table[cid].get("last_touch_events", 0),
        linear_events=table[cid].get("linear_events", 0),
    ) for cid in sorted(table) if cid in names]  # campaigns the principal may not see: left out
    return Attribution(span.days, rows, touched_revenue(uow, span))
