"""Attribution of revenue from the interaction log to the campaigns that touched a customer.

Definitions (docs/plugins/marketing/campaigns.md has the worked example):

* A **touch** of campaign C on customer X at time t is a member event of X in C (sent,
  responded or converted at t) or an interaction of X in the ``marketing.*`` kinds whose
  payload names C (``campaign_id``: a lead captured, an event attended …).
* A **revenue event** is any interaction with a non-zero ``revenue`` (``sales.order``,
  ``core.purchase`` …, or only the settings' ``revenue_kinds``).
* A touch **counts** for a revenue event of the same customer when it happened at most
  ``attribution_window_days`` before it (and not after it).
* **first_touch** credits the whole revenue to the campaign of the earliest counting
  touch, **last_touch** to that of the latest, **linear** splits it equally among the
  distinct campaigns with a counting touch. Ties go to the older campaign (first) or
  the newer one (last). Revenue with no counting touch is unattributed.

Everything up to the per-campaign sums is one SQL statement per model (a join of revenue
events with touches, window functions to rank them); the record policies of the acting
principal apply to the members and interactions it reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    and_,
    cast,
    extract,
    func,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Subquery

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi.models import Interaction
from guanxi_marketing.campaigns.common import CAMPAIGN, MEMBER, campaign_settings
from guanxi_marketing.campaigns.models import CampaignMember

MODELS = ("first_touch", "last_touch", "linear")
CENT = Decimal("0.01")
# Kinds whose entries may name a campaign: a range on the kind index, not a LIKE.
TOUCH_KINDS = ("marketing.", "marketing/")  # "/" sorts right after "."


@dataclass(frozen=True)
class Window:
    """The revenue events considered: a period of ``occurred_at`` and the window length."""

    days: int
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def window_for(uow: UnitOfWork, *, start: dt.date | str | None = None,
               end: dt.date | str | None = None, days: int | str | None = None) -> Window:
    """The window of the settings (or ``days``) and a period of local dates, both inclusive."""
    length = campaign_settings(uow.app).attribution_window_days if days is None else days
    try:
        length = int(length)
    except (TypeError, ValueError):
        raise ValidationError("window", f"not a number of days: {days!r}") from None
    if not 1 <= length <= 3650:
        raise ValidationError("window", f"{length} days is outside 1-3650")
    first, last = parse_date(start, "start"), parse_date(end, "end")
    if first and last and last < first:
        raise ValidationError("end", f"{last} is before the start {first}")

    def moment(day: dt.date | None, extra: int) -> dt.datetime | None:
        if day is None:
            return None
        local = dt.datetime.combine(day + dt.timedelta(days=extra), dt.time(), tzinfo=uow.app.tz)
        return local.astimezone(dt.UTC)

    return Window(length, moment(first, 0), moment(last, 1))


def touches() -> Subquery:
    """Every touch as ``(campaign_id, customer_id, at)`` (member events and log entries)."""
    member_parts = [
        select(CampaignMember.campaign_id.label("campaign_id"),
               CampaignMember.customer_id.label("customer_id"), stamp.label("at"))
        .where(stamp.isnot(None))
        for stamp in (CampaignMember.sent_at, CampaignMember.responded_at,
                      CampaignMember.converted_at)
    ]
    named = Interaction.payload["campaign_id"].as_integer()
    logged = (select(named.label("campaign_id"), Interaction.customer_id.label("customer_id"),
                     Interaction.occurred_at.label("at"))
              .where(Interaction.kind >= TOUCH_KINDS[0], Interaction.kind < TOUCH_KINDS[1],
                     named.isnot(None)))
    return union_all(*member_parts, logged).subquery("touch")


def revenue_events(uow: UnitOfWork, window: Window, touched: Subquery) -> Subquery:
    """Interactions with revenue of touched customers, as ``(event_id, customer_id, at,
    revenue)`` in hundredths, within the window's period."""
    kinds = campaign_settings(uow.app).revenue_kinds
    query = (select(Interaction.id.label("event_id"), Interaction.customer_id.label("customer_id"),
                    Interaction.occurred_at.label("at"),
                    # Raw hundredths: sums stay exact integers, converted once at the end.
                    type_coerce(Interaction.revenue, BigInteger).label("revenue"))
             .where(Interaction.revenue.isnot(None), Interaction.revenue != 0,
                    Interaction.customer_id.in_(select(touched.c.customer_id))))
    if kinds:
        query = query.where(Interaction.kind.in_(kinds))
    if window.start is not None:
        query = query.where(Interaction.occurred_at >= window.start)
    if window.end is not None:
        query = query.where(Interaction.occurred_at < window.end)
    return query.subquery("event")


def days_between(uow: UnitOfWork, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in days, as SQL for the session's database."""
    if uow.session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return cast(extract("epoch", later - earlier), Float) / literal_column("86400.0")


def credited_pairs(uow: UnitOfWork, window: Window) -> Subquery:
    """Per revenue event and campaign with a counting touch: the event's revenue, the
    campaign's first and last counting touch, and how many campaigns share the event."""
    touched = touches()
    events = revenue_events(uow, window, touched)
    age = days_between(uow, events.c.at, touched.c.at)
    pairs = (select(events.c.event_id, events.c.revenue, touched.c.campaign_id,
                    func.min(touched.c.at).label("first_at"),
                    func.max(touched.c.at).label("last_at"))
             .select_from(events.join(touched, and_(
                 touched.c.customer_id == events.c.customer_id, touched.c.at <= events.c.at,
                 age <= window.days)))
             .group_by(events.c.event_id, events.c.revenue, touched.c.campaign_id)
             .subquery("pair"))
    by_event = {"partition_by": pairs.c.event_id}
    return select(
        pairs.c.event_id, pairs.c.revenue, pairs.c.campaign_id,
        func.count().over(**by_event).label("sharing"),
        func.row_number().over(**by_event, order_by=(pairs.c.first_at, pairs.c.campaign_id))
        .label("first_rank"),
        func.row_number().over(**by_event, order_by=(pairs.c.last_at.desc(),
                                                     pairs.c.campaign_id.desc()))
        .label("last_rank"),
    ).subquery("credit")


def _hundredths(value: Any) -> Decimal:
    return Decimal(int(value or 0))


def attribute(uow: UnitOfWork, model: str, window: Window) -> dict[int, tuple[Decimal, int]]:
    """Attributed revenue and the number of revenue events credited, by campaign id."""
    require(uow, CAMPAIGN, "read")
    require(uow, MEMBER, "read")
    if model not in MODELS:
        raise ValidationError("model", f"{model!r} is not one of {', '.join(MODELS)}")
    credit = credited_pairs(uow, window)
    if model == "linear":
        # Summed per (campaign, number of sharers) in SQL, divided exactly here: SQL
        # division would round every share instead of the total.
        query = (select(credit.c.campaign_id, credit.c.sharing, func.sum(credit.c.revenue),
                        func.count()).group_by(credit.c.campaign_id, credit.c.sharing))
    else:
        rank = credit.c.first_rank if model == "first_touch" else credit.c.last_rank
        query = (select(credit.c.campaign_id, literal_column("1"), func.sum(credit.c.revenue),
                        func.count()).where(rank == 1).group_by(credit.c.campaign_id))
    sums: dict[int, Decimal] = defaultdict(Decimal)
    events: dict[int, int] = defaultdict(int)
    for campaign_id, sharing, total, count in uow.session.exec(query):
        sums[campaign_id] += _hundredths(total) / int(sharing)
        events[campaign_id] += int(count)
    return {cid: ((sums[cid] / 100).quantize(CENT, ROUND_HALF_EVEN), events[cid])
            for cid in sums}


def touched_revenue(uow: UnitOfWork, window: Window) -> Decimal:
    """The revenue of every revenue event of touched customers in the period (credited
    or not): what the campaigns' shares are a part of."""
    events = revenue_events(uow, window, touches())
    total = uow.session.exec(select(func.sum(events.c.revenue))).scalar()
    return (_hundredths(total) / 100).quantize(CENT)


def attribution_table(
    uow: UnitOfWork, window: Window, campaign_ids: Sequence[int] | None = None,
) -> dict[int, dict[str, Any]]:
    """Every model's figures by campaign id: ``{model: revenue, model + "_events": n}``."""
    table: dict[int, dict[str, Any]] = defaultdict(dict)
    for model in MODELS:
        for cid, (revenue, count) in attribute(uow, model, window).items():
            if campaign_ids is None or cid in campaign_ids:
                table[cid][model] = revenue
                table[cid][f"{model}_events"] = count
    return table
