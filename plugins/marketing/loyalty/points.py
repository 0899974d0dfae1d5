"""The points ledger (积分): credits, first-in-first-out debits, redemption, expiry.

Every credit of points is a *lot* that remembers how many of its points remain and when
they expire. A debit (redemption, a negative adjustment, a reversal, expiry) takes
points from the lots that expire first, then the oldest, so the points that would be
lost soonest are the ones used. The membership's ``points_balance`` is the ledger's sum,
kept in the same transaction as every entry.

Only a reversal (a purchase that was corrected after its points were spent) may take
the balance below zero: the member then owes points, and the next credits pay the debt
before they form a lot of their own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import Connection, case, select, update

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_marketing.loyalty.common import (
    POINTS,
    add_months,
    get_membership,
    log_events,
    loyalty_settings,
    member_for_change,
    points_value,
    positive_amount,
    short_text,
    slices,
    whole_points,
)
from guanxi_marketing.loyalty.members import tier_spec
from guanxi_marketing.loyalty.models import Membership, PointsEntry

ENTRIES = PointsEntry.__table__  # type: ignore[attr-defined]
MEMBERS = Membership.__table__  # type: ignore[attr-defined]


def points_for(amount: Decimal, per_unit: Decimal) -> int:
    """Whole points for ``amount`` at ``per_unit`` points per currency unit (rounded
    toward zero, so a refund never takes back more than its purchase gave)."""
    return int((amount * per_unit).to_integral_value(rounding=ROUND_DOWN))


def expiry_of(uow: UnitOfWork, earned_at: dt.datetime) -> dt.datetime | None:
    """When points earned at ``earned_at`` expire (None: the programme's never do)."""
    months = loyalty_settings(uow.app).points_expire_months
    return add_months(earned_at, months) if months else None


def lot_size(balance: int, points: int) -> int:
    """How many of ``points`` credited to a ``balance`` form a lot (a debt is paid first)."""
    return max(0, points - max(0, -balance))


def consume_lots(
    connection: Connection, membership_id: int, points: int, *, first_lot: int | None = None
) -> int:
    """Take ``points`` from the membership's lots, soonest-expiring first.

    ``first_lot`` (a reversal's own purchase) is drawn on before the others. Returns the
    points no lot could cover (the caller decides whether that is a debt or an error).
    """
    never = case((ENTRIES.c.expires_at.is_(None), 1), else_=0)
    first = case((ENTRIES.c.id == first_lot, 0), else_=1)
    query = (
        select(ENTRIES.c.id, ENTRIES.c.remaining)
        .where(ENTRIES.c.membership_id == membership_id, ENTRIES.c.remaining > 0)
        .order_by(first, never, ENTRIES.c.expires_at, ENTRIES.c.id)
    )
    left = points
    for lot_id, remaining in connection.execute(query).all():
        if left == 0:
            break
        taken = min(left, remaining)
        connection.execute(
            update(ENTRIES).where(ENTRIES.c.id == lot_id).values(remaining=remaining - taken)
        )
        left -= taken
    return left


def _append(
    uow: UnitOfWork, membership: Membership, kind: str, points: int, **fields: Any
) -> PointsEntry:
    """Add one ledger entry and move the cached balance with it (ORM: audited)."""
    if points > 0:
        fields.setdefault("remaining", lot_size(membership.points_balance, points))
        fields.setdefault("expires_at", expiry_of(uow, fields.get("occurred_at") or uow.now))
    else:
        consume_lots(uow.session.connection(), membership.id, -points)  # type: ignore[arg-type]
    fields.setdefault("occurred_at", uow.now)
    entry = PointsEntry(membership_id=membership.id, customer_id=membership.customer_id,
                        kind=kind, points=points, actor_id=uow.actor_id, **fields)
    membership.points_balance += points
    uow.session.add(entry)
    uow.session.flush()
    return entry


def _log(uow: UnitOfWork, membership: Membership, kind: str, points: int,
         reason: str | None) -> None:
    log_events(uow, [{
        "customer_id": membership.customer_id, "kind": kind, "subject": reason,
        "payload": {"membership_id": membership.id, "points": points,
                    "balance": membership.points_balance,
                    "value": str(points_value(uow.app, abs(points))), "reason": reason},
    }])


def earn_points(
    uow: UnitOfWork,
    customer_id: int,
    amount: Decimal | int | str,
    *,
    kind: str = "core.purchase",
    reason: str | None = None,
) -> PointsEntry:
    """Credit the points a purchase of ``amount`` earns, for a purchase not in the log
    (a paper receipt): the kind's earn rate × the member's tier multiplier.

    Purchases logged to the interaction log earn by themselves. Logs
    ``marketing.points_earned``.
    """
    require(uow, POINTS, "create")
    money = positive_amount(amount, "amount")
    rates = loyalty_settings(uow.app).earn_rates
    if kind not in rates:
        raise ValidationError("kind", f"{kind!r} earns no points (one of {', '.join(rates)})")
    note = short_text(reason, "reason", 200)
    membership = member_for_change(uow, customer_id)
    per_unit = rates[kind] * tier_spec(uow, membership.tier).points_multiplier
    points = points_for(money, per_unit)
    if points <= 0:
        raise ValidationError("amount", f"{money} earns no points")
    entry = _append(uow, membership, "earn", points, basis=money, multiplier=per_unit,
                    reason=note)
    _log(uow, membership, "marketing.points_earned", points, note)
    return entry


def redeem_points(
    uow: UnitOfWork, customer_id: int, points: int | str, *, reason: str | None = None
) -> PointsEntry:
    """Redeem points of an active member (never more than the balance).

    Logs ``marketing.points_redeemed``.
    """
    require(uow, POINTS, "create")
    wanted = whole_points(points)
    note = short_text(reason, "reason", 200)
    membership = member_for_change(uow, customer_id)
    if wanted > membership.points_balance:
        raise ValidationError(
            "points", f"{wanted} is more than the {max(0, membership.points_balance)} available")
    entry = _append(uow, membership, "redeem", -wanted, reason=note)
    _log(uow, membership, "marketing.points_redeemed", -wanted, note)
    return entry


def adjust_points(
    uow: UnitOfWork, customer_id: int, points: int | str, *, reason: str
) -> PointsEntry:
    """Add (positive) or take (negative) points by hand, with a reason; the balance
    cannot go below zero. Logs ``marketing.points_adjusted``."""
    require(uow, POINTS, "create")
    change = whole_points(points, signed=True)
    note = short_text(reason, "reason", 200)
    if note is None:
        raise ValidationError("reason", "is required for an adjustment")
    membership = member_for_change(uow, customer_id, allow=("active", "lapsed"))
    if change < 0 and -change > membership.points_balance:
        raise ValidationError(
            "points", f"{change} would take the balance of {membership.points_balance} below 0")
    entry = _append(uow, membership, "adjust", change, reason=note)
    _log(uow, membership, "marketing.points_adjusted", change, note)
    return entry


def expire_points(uow: UnitOfWork, due_at: dt.datetime | None = None) -> str:
    """Expire every lot whose time has come (job ``marketing.loyalty_expire_points``).

    One ``expire`` entry and one ``marketing.points_expired`` interaction per member.
    """
    now = uow.now
    connection = uow.session.connection()
    lots = connection.execute(
        select(ENTRIES.c.id, ENTRIES.c.membership_id, ENTRIES.c.customer_id,
               ENTRIES.c.remaining)
        .where(ENTRIES.c.expires_at <= now, ENTRIES.c.remaining > 0)
    ).all()
    by_member: dict[tuple[int, int], int] = defaultdict(int)
    for _, membership_id, customer_id, remaining in lots:
        by_member[(membership_id, customer_id)] += remaining
    for chunk in slices([lot_id for lot_id, *_ in lots]):
        connection.execute(update(ENTRIES).where(ENTRIES.c.id.in_(chunk)).values(remaining=0))
    events = []
    for (membership_id, customer_id), points in sorted(by_member.items()):
        connection.execute(ENTRIES.insert().values(
            membership_id=membership_id, customer_id=customer_id, kind="expire",
            points=-points, occurred_at=now, reason="expired"))
        balance = connection.execute(
            update(MEMBERS).where(MEMBERS.c.id == membership_id)
            .values(points_balance=MEMBERS.c.points_balance - points)
            .returning(MEMBERS.c.points_balance)).scalar_one()
        events.append({"customer_id": customer_id, "kind": "marketing.points_expired",
                       "payload": {"membership_id": membership_id, "points": -points,
                                   "balance": balance,
                                   "value": str(points_value(uow.app, points)),
                                   "reason": "expired"}})
    expire_cached_members(uow)
    log_events(uow, events)
    return f"{sum(by_member.values())} points of {len(by_member)} members expired"


def expire_cached_members(uow: UnitOfWork) -> None:
    """Forget loaded memberships after a Core-level balance update (no stale reads)."""
    for instance in list(uow.session.identity_map.values()):
        if isinstance(instance, Membership):
            uow.session.expire(instance)


@dataclass(frozen=True)
class PointsLine:
    """A ledger entry as listed."""

    id: int
    kind: str
    points: int
    remaining: int | None
    occurred_at: dt.datetime
    expires_at: dt.datetime | None
    interaction_id: int | None
    basis: Decimal | None
    reason: str | None


def points_history(uow: UnitOfWork, customer_id: int, *, limit: int = 50) -> list[PointsLine]:
    """The member's latest points entries, newest first."""
    require(uow, POINTS, "read")
    membership = get_membership(uow, customer_id)
    query = (select(PointsEntry).where(PointsEntry.membership_id == membership.id)
             .order_by(PointsEntry.id.desc()).limit(limit))  # type: ignore[union-attr]
    return [PointsLine(e.id, e.kind, e.points, e.remaining, e.occurred_at, e.expires_at,
                       e.interaction_id, e.basis, e.reason)
            for e in uow.session.execute(query).scalars()]  # type: ignore[arg-type]
