"""Campaign KPIs from the interaction log: response, conversion, attribution and ROI.

Read from what the marketing plugin (or the kinds the settings name) logged, never from
its tables:

* **Members** of campaign C in the period: the customers with a ``campaign_sent`` entry
  of C in it. **Response rate** = members who responded (a ``campaign_responded`` entry
  up to the period's end) / members; **conversion rate** the same with
  ``campaign_converted`` (Kotler & Keller, *Marketing Management*, ch. 17: response and
  conversion rates of direct marketing).
* **Cost** of C: the ``cost`` column of its entries in the period, plus a cost in their
  payload (``cost_field``), plus ``campaign_costs`` of the settings.
* **Attribution**: a purchase (the plugin's ``purchase_kinds``, non-zero revenue, in the
  period) of customer X at t counts a *touch* (an entry of ``touch_kinds`` naming C) of X
  at most ``attribution_window_days`` before t. **First touch** credits the whole revenue
  to the campaign of the earliest counting touch, **last touch** to the latest one,
  **linear** splits it equally among the distinct campaigns with a counting touch (the
  three rule-based models of Google Analytics' attribution and of Kotler & Keller ch. 6;
  the baselines of Shao & Li, "Data-driven multi-touch attribution models", KDD 2011).
  Ties go to the lower campaign id.
* **ROI** = (attributed revenue − cost) / cost (Kotler & Keller ch. 17, marketing ROI;
  REQUIREMENTS §7.5 computable KPIs); None without a cost.

One SQL statement per model (a join of purchases with touches, window functions rank the
campaigns of each purchase); ORM selects, so record policies apply.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    and_,
    cast,
    distinct,
    func,
    literal_column,
    select,
    type_coerce,
)

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_choice
from guanxi.models import Interaction
from guanxi_analytics.common import Period
from guanxi_analytics.kpis.settings import KpisSettings
from guanxi_analytics.settings import analytics_settings
from guanxi_analytics.sql import days_between, int_field, kinds_in, ratio, text_field

MODELS = ("first_touch", "last_touch", "linear")
CENT = Decimal("0.01")


def kpis_settings(uow: UnitOfWork) -> KpisSettings:
    """The area's settings, after checking the principal may read interactions."""
    require(uow, "interaction", "read")
    return analytics_settings(uow).kpis


def _money(hundredths: Any) -> Decimal:
    return (Decimal(int(hundredths or 0)) / 100).quantize(CENT, ROUND_HALF_EVEN)


def attribute(uow: UnitOfWork, period: Period, model: str,
              window_days: int | None = None) -> dict[int, Decimal]:
    """Revenue of the period's purchases credited to each campaign id under ``model``."""
    model = parse_choice(model, MODELS, "model")
    s = kpis_settings(uow)
    window = s.attribution_window_days if window_days is None else window_days
    if not 1 <= window <= 3650:
        raise ValidationError("window", f"{window} days is outside 1–3650")
    start, end = period.utc_bounds(uow.app.tz)
    campaign = int_field(s.campaign_field)
    touches = (select(campaign.label("campaign"), Interaction.customer_id.label("customer"),
                      Interaction.occurred_at.label("at"))
               .where(kinds_in(s.touch_kinds), campaign.isnot(None), Interaction.occurred_at < end)
               .subquery("touch"))
    purchases = (select(Interaction.id.label("event"), Interaction.customer_id.label("customer"),
                        Interaction.occurred_at.label("at"),
                        type_coerce(Interaction.revenue, BigInteger).label("revenue"))
                 .where(kinds_in(analytics_settings(uow).purchase_kinds),
                        Interaction.revenue.isnot(None), Interaction.revenue != 0,
                        Interaction.occurred_at >= start, Interaction.occurred_at < end)
                 .subquery("purchase"))
    age = days_between(uow, purchases.c.at, touches.c.at)
    pairs = (select(purchases.c.event, purchases.c.revenue, touches.c.campaign,
                    func.min(touches.c.at).label("first_at"),
                    func.max(touches.c.at).label("last_at"))
             .select_from(purchases.join(touches, and_(
                 touches.c.customer == purchases.c.customer, touches.c.at <= purchases.c.at,
                 age <= window)))
             .group_by(purchases.c.event, purchases.c.revenue, touches.c.campaign)
             .subquery("pair"))
    per_event = {"partition_by": pairs.c.event}
    credit = select(
        pairs.c.event, pairs.c.revenue, pairs.c.campaign,
        func.count().over(**per_event).label("sharing"),
        func.row_number().over(**per_event, order_by=(pairs.c.first_at, pairs.c.campaign))
        .label("first_rank"),
        func.row_number().over(**per_event, order_by=(pairs.c.last_at.desc(),
                                                      pairs.c.campaign)).label("last_rank"),
    ).subquery("credit")
    if model == "linear":
        # Summed per (campaign, sharers) in SQL and divided once here, so the shares of
        # one purchase add up to its revenue before rounding.
        query = (select(credit.c.campaign, credit.c.sharing, func.sum(credit.c.revenue))
                 .group_by(credit.c.campaign, credit.c.sharing))
    else:
        rank = credit.c.first_rank if model == "first_touch" else credit.c.last_rank
        query = (select(credit.c.campaign, literal_column("1"), func.sum(credit.c.revenue))
                 .where(rank == 1).group_by(credit.c.campaign))
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for campaign_id, sharing, total in uow.session.exec(query):
        sums[int(campaign_id)] += Decimal(int(total or 0)) / int(sharing)
    return {cid: (total / 100).quantize(CENT, ROUND_HALF_EVEN) for cid, total in sums.items()}


@dataclass(frozen=True)
class CampaignKpis:
    """One campaign's figures over a period."""

    campaign_id: int
    campaign: str
    members: int
    responded: int
    converted: int
    response_rate: float | None
    conversion_rate: float | None
    cost: Decimal | None
    attributed: dict[str, Decimal] = field(default_factory=dict)  # by model
    roi: float | None = None  # with the settings' model

    def public(self) -> dict[str, Any]:
        """The row as JSON-able data (amounts as text)."""
        data = asdict(self)
        data["cost"] = None if self.cost is None else str(self.cost)
        data["attributed"] = {k: str(v) for k, v in self.attributed.items()}
        return data


def campaign_kpis(uow: UnitOfWork, period: Period) -> list[CampaignKpis]:
    """Members, response and conversion rates, cost, attributed revenue (every model) and
    ROI of every campaign with an entry in ``period``, by campaign id."""
    s = kpis_settings(uow)
    start, end = period.utc_bounds(uow.app.tz)
    campaign = int_field(s.campaign_field)
    kinds = [s.sent_kind, s.responded_kind, s.converted_kind]
    entries = (select(campaign.label("campaign"), Interaction.customer_id.label("customer"),
                      Interaction.kind.label("kind"), Interaction.occurred_at.label("at"),
                      text_field(s.campaign_name_field).label("name"),
                      type_coerce(Interaction.cost, BigInteger).label("cost"),
                      cast(text_field(s.cost_field), Float).label("payload_cost"))
               .where(kinds_in(kinds), campaign.isnot(None), Interaction.occurred_at < end)
               .subquery("entry"))
    members = (select(entries.c.campaign, entries.c.customer)
               .where(entries.c.kind == s.sent_kind, entries.c.at >= start)
               .distinct().subquery("member"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for kind, cid, n in uow.session.exec(
            select(entries.c.kind, entries.c.campaign, func.count(distinct(entries.c.customer)))
            .join(members, and_(members.c.campaign == entries.c.campaign,
                                members.c.customer == entries.c.customer))
            .group_by(entries.c.kind, entries.c.campaign)):
        counts[int(cid)][kind] = n
    in_period = entries.c.at >= start
    costs: dict[int, tuple[str | None, Decimal | None]] = {}
    for cid, name, column, payload, logged in uow.session.exec(
            select(entries.c.campaign, func.max(entries.c.name), func.sum(entries.c.cost),
                   func.sum(entries.c.payload_cost), func.count(entries.c.cost))
            .where(in_period).group_by(entries.c.campaign)):
        cost = None
        if logged or payload is not None:
            cost = _money(column) + Decimal(str(round(float(payload or 0), 2)))
        costs[int(cid)] = (name, cost)
    attributed = {model: attribute(uow, period, model) for model in MODELS}
    rows = []
    for cid in sorted(set(costs) | set(counts) | {c for a in attributed.values() for c in a}):
        name, cost = costs.get(cid, (None, None))
        extra = s.campaign_costs.get(str(cid))
        if extra is not None:
            cost = (cost or Decimal(0)) + extra
        by_kind = counts.get(cid, {})
        sent = by_kind.get(s.sent_kind, 0)
        credited = {model: attributed[model].get(cid, Decimal("0.00")) for model in MODELS}
        rows.append(CampaignKpis(
            campaign_id=cid, campaign=name or f"#{cid}", members=sent,
            responded=by_kind.get(s.responded_kind, 0),
            converted=by_kind.get(s.converted_kind, 0),
            response_rate=ratio(by_kind.get(s.responded_kind, 0), sent),
            conversion_rate=ratio(by_kind.get(s.converted_kind, 0), sent),
            cost=cost, attributed=credited,
            roi=roi(credited[s.roi_model], cost)))
    return rows


def roi(revenue: Decimal, cost: Decimal | None) -> float | None:
    """(revenue − cost) / cost, rounded to 4 places; None without a positive cost."""
    if cost is None or cost <= 0:
        return None
    return round(float((revenue - cost) / cost), 4)


def overall_roi(uow: UnitOfWork, period: Period,
                rows: list[CampaignKpis] | None = None) -> float | None:
    """ROI of every campaign with a cost together: (Σ attributed − Σ cost) / Σ cost
    (``rows``: the period's :func:`campaign_kpis`, when already computed)."""
    model = kpis_settings(uow).roi_model
    rows = campaign_kpis(uow, period) if rows is None else rows
    costed = [r for r in rows if r.cost is not None and r.cost > 0]
    if not costed:
        return None
    return roi(sum((r.attributed[model] for r in costed), Decimal(0)),
               sum((r.cost for r in costed if r.cost is not None), Decimal(0)))
