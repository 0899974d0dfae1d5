"""Stored value (储值 / 储值卡): money a member paid in advance and spends later.

Amounts are exact ``Decimal`` money (integer hundredths in the database). Each entry
records the balance after it, and the membership's cached balance moves in the same
transaction under the membership's row lock, so two tills cannot spend the same
money. A top-up is a liability, not revenue: the purchase it later pays for is logged
as the purchase.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_marketing.loyalty.common import (
    STORED_VALUE,
    get_membership,
    log_events,
    member_for_change,
    positive_amount,
    short_text,
)
from guanxi_marketing.loyalty.models import Membership, StoredValueEntry


def _record(uow: UnitOfWork, membership: Membership, kind: str, amount: Decimal,
            reference: str | None, refund_of: int | None = None) -> StoredValueEntry:
    membership.stored_value_balance += amount
    entry = StoredValueEntry(
        membership_id=membership.id, customer_id=membership.customer_id, kind=kind,
        amount=amount, balance_after=membership.stored_value_balance, refund_of_id=refund_of,
        reference=reference, occurred_at=uow.now, actor_id=uow.actor_id)
    uow.session.add(entry)
    uow.session.flush()
    event = {"topup": "topped_up", "spend": "spent", "refund": "refunded"}[kind]
    log_events(uow, [{
        "customer_id": membership.customer_id, "kind": f"marketing.stored_value_{event}",
        "subject": reference,
        "payload": {"membership_id": membership.id, "entry_id": entry.id, "amount": str(amount),
                    "balance": str(membership.stored_value_balance), "reference": reference},
    }])
    return entry


def top_up(
    uow: UnitOfWork, customer_id: int, amount: Decimal | int | str, *,
    reference: str | None = None,
) -> StoredValueEntry:
    """Add money to an active member's stored value; logs
    ``marketing.stored_value_topped_up``."""
    require(uow, STORED_VALUE, "create")
    money = positive_amount(amount, "amount")
    note = short_text(reference, "reference", 80)
    membership = member_for_change(uow, customer_id)
    return _record(uow, membership, "topup", money, note)


def spend_stored_value(
    uow: UnitOfWork, customer_id: int, amount: Decimal | int | str, *,
    reference: str | None = None,
) -> StoredValueEntry:
    """Pay ``amount`` from the stored value (never below zero); logs
    ``marketing.stored_value_spent``. A lapsed member may still spend what he paid in."""
    require(uow, STORED_VALUE, "create")
    money = positive_amount(amount, "amount")
    note = short_text(reference, "reference", 80)
    membership = member_for_change(uow, customer_id, allow=("active", "lapsed"))
    if money > membership.stored_value_balance:
        raise ValidationError(
            "amount", f"{money} is more than the stored value of {membership.stored_value_balance}")
    return _record(uow, membership, "spend", -money, note)


def refund_stored_value(
    uow: UnitOfWork, entry_id: int, amount: Decimal | int | str | None = None, *,
    reference: str | None = None,
) -> StoredValueEntry:
    """Give back (part of) a spend to the stored value it was paid from.

    Refunds of one spend never add up to more than it; logs
    ``marketing.stored_value_refunded``.
    """
    require(uow, STORED_VALUE, "create")
    note = short_text(reference, "reference", 80)
    spend = uow.session.execute(
        select(StoredValueEntry).where(StoredValueEntry.id == entry_id)).scalars().first()
    if spend is None or spend.kind != "spend":
        raise ValidationError("entry_id", f"no stored-value spend with id {entry_id}")
    refunded = uow.session.execute(
        select(func.coalesce(func.sum(StoredValueEntry.amount), 0))
        .where(StoredValueEntry.refund_of_id == entry_id)).scalar_one()
    refundable = -spend.amount - Decimal(refunded)
    money = refundable if amount is None else positive_amount(amount, "amount")
    if money <= 0 or money > refundable:
        raise ValidationError("amount", f"at most {max(refundable, Decimal('0.00'))} of spend "
                                        f"{entry_id} can still be refunded")
    membership = member_for_change(uow, spend.customer_id, allow=("active", "lapsed"))
    return _record(uow, membership, "refund", money, note, refund_of=entry_id)


@dataclass(frozen=True)
class StoredValueLine:
    """A stored-value entry as listed."""

    id: int
    kind: str
    amount: Decimal
    balance_after: Decimal
    refund_of_id: int | None
    reference: str | None
    occurred_at: dt.datetime


def stored_value_history(
    uow: UnitOfWork, customer_id: int, *, limit: int = 50
) -> list[StoredValueLine]:
    """The member's latest stored-value entries, newest first."""
    require(uow, STORED_VALUE, "read")
    membership = get_membership(uow, customer_id)
    query = (select(StoredValueEntry).where(StoredValueEntry.membership_id == membership.id)
             .order_by(StoredValueEntry.id.desc()).limit(limit))  # type: ignore[union-attr]
    return [StoredValueLine(e.id, e.kind, e.amount, e.balance_after, e.refund_of_id,
                            e.reference, e.occurred_at)  # type: ignore[arg-type]
            for e in uow.session.execute(query).scalars()]
