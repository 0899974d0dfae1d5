"""Member analysis (会员分析): members per tier, spend per tier, points and stored-value
liabilities, redemption rate.

Outstanding points are a *future liability* (未来的负债, S004:949 — the airline-miles
caveat): they are valued at ``point_value`` each, like the stored value members paid
in advance. Every figure is an ORM query, so the principal's record policies decide
which members count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Interaction
from guanxi_marketing.loyalty.common import MEMBERSHIP, add_months, loyalty_settings
from guanxi_marketing.loyalty.models import Membership, PointsEntry

CENT = Decimal("0.01")


@dataclass(frozen=True)
class TierLine:
    """One tier: its members by status and the active members' spend in the period."""

    tier: str
    label: str
    active: int
    lapsed: int
    cancelled: int
    spend: Decimal
    spend_per_member: Decimal
    points: int


@dataclass(frozen=True)
class LoyaltyReport:
    """The programme at a glance (``marketing.loyalty`` report)."""

    programme: str
    period_start: dt.datetime
    period_end: dt.datetime
    tiers: list[TierLine]
    members: int
    points_outstanding: int
    points_liability: Decimal
    stored_value_liability: Decimal
    points_earned: int
    points_redeemed: int
    points_expired: int
    redemption_rate: float | None


def _moment(value: dt.datetime | str | None, field_name: str) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def loyalty_report(
    uow: UnitOfWork, *, start: dt.datetime | str | None = None,
    end: dt.datetime | str | None = None,
) -> LoyaltyReport:
    """The member analysis; spend and points movements count from ``start`` (default
    twelve months ago) to ``end`` (default now)."""
    require(uow, MEMBERSHIP, "read")
    settings = loyalty_settings(uow.app)
    until = _moment(end, "end") or uow.now
    since = _moment(start, "start") or add_months(until, -12)
    if since >= until:
        raise ValidationError("start", f"{since:%Y-%m-%d} is not before the end")
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    query = select(Membership.tier, Membership.status, func.count(),
                   func.coalesce(func.sum(Membership.points_balance), 0)).group_by(
        Membership.tier, Membership.status)
    for tier, status, members, points in uow.session.execute(query):
        counts[(tier, status)] = (members, int(points))
    spend_query = (select(Membership.tier, func.sum(Interaction.revenue))
                   .join(Interaction, Interaction.customer_id == Membership.customer_id)
                   .where(Membership.status == "active",
                          col(Interaction.kind).in_(list(settings.earn_rates)),
                          Interaction.currency == uow.app.settings.currency,
                          col(Interaction.occurred_at) >= since,
                          col(Interaction.occurred_at) < until)
                   .group_by(Membership.tier))
    spend = {tier: total or Decimal("0") for tier, total in uow.session.execute(spend_query)}
    names = [t.name for t in settings.tiers] + sorted(
        {tier for tier, _ in counts} - {t.name for t in settings.tiers})
    lines = []
    for name in names:
        spec = settings.tier(name)
        active = counts.get((name, "active"), (0, 0))[0]
        total = spend.get(name, Decimal("0"))
        lines.append(TierLine(
            name, spec.label if spec else "", active, counts.get((name, "lapsed"), (0, 0))[0],
            counts.get((name, "cancelled"), (0, 0))[0], total,
            (total / active).quantize(CENT) if active else Decimal("0.00"),
            sum(p for (tier, _), (_, p) in counts.items() if tier == name)))
    outstanding = uow.session.execute(select(func.coalesce(func.sum(
        Membership.points_balance), 0)).where(Membership.points_balance > 0)).scalar_one()
    stored = uow.session.execute(select(func.sum(Membership.stored_value_balance))).scalar_one()
    moved = dict(uow.session.execute(
        select(PointsEntry.kind, func.sum(PointsEntry.points))
        .where(col(PointsEntry.occurred_at) >= since, col(PointsEntry.occurred_at) < until)
        .group_by(PointsEntry.kind)).all())
    earned = int(moved.get("earn") or 0) + int(moved.get("reverse") or 0)
    redeemed = -int(moved.get("redeem") or 0)
    return LoyaltyReport(
        programme=settings.programme, period_start=since, period_end=until, tiers=lines,
        members=sum(n for n, _ in counts.values()), points_outstanding=int(outstanding),
        points_liability=(int(outstanding) * settings.point_value).quantize(CENT),
        stored_value_liability=stored or Decimal("0.00"), points_earned=earned,
        points_redeemed=redeemed, points_expired=-int(moved.get("expire") or 0),
        redemption_rate=round(redeemed / earned, 4) if earned > 0 else None)


def loyalty_report_dict(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.loyalty`` for ``guanxi report run``: options start, end."""
    report = loyalty_report(uow, **options)
    data = asdict(report)
    data["report"] = "marketing.loyalty"
    return data
