"""One member in full (``loyalty show``), and the balances recomputed from the ledgers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from guanxi.app import UnitOfWork
from guanxi_marketing.loyalty.common import get_membership
from guanxi_marketing.loyalty.coupons import CouponRow, list_coupons
from guanxi_marketing.loyalty.members import Benefits, MemberRow, benefits_of, member_row
from guanxi_marketing.loyalty.models import PointsEntry, StoredValueEntry
from guanxi_marketing.loyalty.points import PointsLine, points_history
from guanxi_marketing.loyalty.stored_value import StoredValueLine, stored_value_history


@dataclass(frozen=True)
class LedgerBalances:
    """The balances as the sums of the ledgers (the cached ones must equal these)."""

    points: int
    stored_value: Decimal


def ledger_balances(uow: UnitOfWork, customer_id: int) -> LedgerBalances:
    """Recompute a member's balances from his ledger entries."""
    membership = get_membership(uow, customer_id)
    points = uow.session.execute(select(func.sum(PointsEntry.points)).where(
        PointsEntry.membership_id == membership.id)).scalar_one()
    money = uow.session.execute(select(func.sum(StoredValueEntry.amount)).where(
        StoredValueEntry.membership_id == membership.id)).scalar_one()
    return LedgerBalances(int(points or 0), money or Decimal("0.00"))


@dataclass(frozen=True)
class MemberDetail:
    """A membership with its benefits, latest ledger entries and coupons."""

    member: MemberRow
    card_number: str | None
    benefits: Benefits
    ledgers: LedgerBalances
    points: list[PointsLine]
    stored_value: list[StoredValueLine]
    coupons: list[CouponRow]


def member_detail(uow: UnitOfWork, customer_id: int, *, limit: int = 20) -> MemberDetail:
    """Everything about one member (for ``guanxi marketing loyalty show``)."""
    membership = get_membership(uow, customer_id)
    return MemberDetail(
        member=member_row(uow, customer_id), card_number=membership.card_number,
        benefits=benefits_of(uow, customer_id),
        ledgers=ledger_balances(uow, customer_id),
        points=points_history(uow, customer_id, limit=limit),
        stored_value=stored_value_history(uow, customer_id, limit=limit),
        coupons=list_coupons(uow, customer_id=customer_id, limit=limit))
