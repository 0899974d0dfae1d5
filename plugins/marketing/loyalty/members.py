"""Memberships (会员): enrolment, cancellation, listings and what a member gets.

A customer has at most one membership. Enrolling a lapsed or cancelled member again
reactivates the same membership (number, card and ledgers stay) in the entry tier.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer
from guanxi.services.customers import require_customer
from guanxi_marketing.loyalty.common import (
    MEMBERSHIP,
    find_membership,
    get_membership,
    log_events,
    loyalty_settings,
    member_for_change,
    short_text,
)
from guanxi_marketing.loyalty.models import MEMBER_STATUSES, Membership
from guanxi_marketing.loyalty.settings import TierSpec

# Member and card numbers are printed on cards and typed at tills: letters, digits, dashes.
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9-]{4,40}$")


def _number(value: str | None, field_name: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if not NUMBER_PATTERN.match(text):
        raise ValidationError(field_name, f"{text!r} is not 4-40 letters, digits or dashes")
    return text


def _taken(uow: UnitOfWork, column: str, value: str, membership_id: int | None) -> None:
    # A Core query: the number must be unique among all members, seen or not.
    table = Membership.__table__  # type: ignore[attr-defined]
    query = select(table.c.id).where(table.c[column] == value)
    other = uow.session.connection().execute(query).scalar()
    if other is not None and other != membership_id:
        raise ValidationError(column, f"{value!r} belongs to another membership")


def _tier_name(uow: UnitOfWork, tier: str | None) -> str:
    settings = loyalty_settings(uow.app)
    if tier is None:
        return settings.tiers[0].name
    if settings.tier(tier) is None:
        known = ", ".join(t.name for t in settings.tiers)
        raise ValidationError("tier", f"no tier {tier!r} (one of {known})")
    return tier


def _payload(membership: Membership) -> dict[str, object]:
    return {"membership_id": membership.id, "member_number": membership.member_number,
            "tier": membership.tier, "card_label": membership.card_label}


def enrol(
    uow: UnitOfWork,
    customer_id: int,
    *,
    tier: str | None = None,
    member_number: str | None = None,
    card_number: str | None = None,
    card_label: str | None = None,
) -> Membership:
    """Make a customer a member (or reactivate a lapsed or cancelled membership).

    The member number defaults to the settings' prefix and the customer id; a card
    number (personal data) and a co-branded card label (联名卡) are optional. Logs
    ``marketing.member_enrolled``.
    """
    require(uow, MEMBERSHIP, "create")
    try:
        require_customer(uow, customer_id)
    except NotFoundError as exc:
        raise ValidationError("customer_id", str(exc)) from None
    settings = loyalty_settings(uow.app)
    tier_name = _tier_name(uow, tier)
    number = _number(member_number, "member_number")
    card = _number(card_number, "card_number")
    label = short_text(card_label, "card_label", 80)
    membership = find_membership(uow, customer_id)
    if membership is not None and membership.status == "active":
        raise ValidationError(
            "customer_id", f"customer {customer_id} is already member {membership.member_number}"
        )
    own_id = membership.id if membership is not None else None
    number = number or (membership.member_number if membership else None) or (
        f"{settings.member_number_prefix}{customer_id:08d}")
    _taken(uow, "member_number", number, own_id)
    if card is not None:
        _taken(uow, "card_number", card, own_id)
    if membership is None:
        membership = Membership(customer_id=customer_id, member_number=number, tier=tier_name,
                                enrolled_at=uow.now, tier_since=uow.now, status_since=uow.now)
        uow.session.add(membership)
    else:
        membership.member_number, membership.tier, membership.status = number, tier_name, "active"
        membership.tier_since = membership.status_since = uow.now
    if card is not None:
        membership.card_number = card
    if label is not None:
        membership.card_label = label
    uow.session.flush()
    log_events(uow, [{"customer_id": customer_id, "kind": "marketing.member_enrolled",
                      "subject": f"{settings.programme} {number}",
                      "payload": _payload(membership)}])
    return membership


def cancel_membership(uow: UnitOfWork, customer_id: int) -> Membership:
    """Cancel an active or lapsed membership (balances stay on the ledgers).

    Logs ``marketing.member_cancelled``.
    """
    require(uow, MEMBERSHIP, "update")
    membership = member_for_change(uow, customer_id, allow=("active", "lapsed"))
    membership.status, membership.status_since = "cancelled", uow.now
    uow.session.flush()
    log_events(uow, [{"customer_id": customer_id, "kind": "marketing.member_cancelled",
                      "payload": _payload(membership)}])
    return membership


@dataclass(frozen=True)
class MemberRow:
    """A membership as listed, with its customer's name."""

    customer_id: int
    customer: str | None
    member_number: str
    card_label: str | None
    tier: str
    status: str
    enrolled_at: dt.datetime
    tier_since: dt.datetime
    points: int
    stored_value: Decimal


def list_members(
    uow: UnitOfWork,
    *,
    tier: str | None = None,
    status: str | None = "active",
    after_customer_id: int | None = None,
    limit: int = 100,
) -> list[MemberRow]:
    """Members the principal may see, by customer id; page on with ``after_customer_id``."""
    require(uow, MEMBERSHIP, "read")
    if status is not None and status not in MEMBER_STATUSES:
        raise ValidationError("status", f"must be one of {', '.join(MEMBER_STATUSES)}")
    query = select(Membership, Customer.name).join(
        Customer, Customer.id == Membership.customer_id)
    if tier is not None:
        query = query.where(Membership.tier == _tier_name(uow, tier))
    if status is not None:
        query = query.where(Membership.status == status)
    if after_customer_id is not None:
        query = query.where(Membership.customer_id > after_customer_id)
    query = query.order_by(Membership.customer_id).limit(limit)
    return [_row(m, name) for m, name in uow.session.execute(query)]


def _row(m: Membership, name: str | None) -> MemberRow:
    return MemberRow(m.customer_id, name, m.member_number, m.card_label, m.tier, m.status,
                     m.enrolled_at, m.tier_since, m.points_balance, m.stored_value_balance)


def member_row(uow: UnitOfWork, customer_id: int) -> MemberRow:
    """One member as listed; :class:`NotFoundError` when he is not a (visible) member."""
    membership = get_membership(uow, customer_id)
    name = uow.session.execute(select(Customer.name).where(
        Customer.id == customer_id)).scalar()
    return _row(membership, name)


@dataclass(frozen=True)
class Benefits:
    """What a member gets now: the tier's discount, points multiplier and services."""

    customer_id: int
    member_number: str
    status: str
    tier: str
    label: str
    discount_percent: Decimal
    points_multiplier: Decimal
    services: list[str] = field(default_factory=list)


def tier_spec(uow: UnitOfWork, name: str) -> TierSpec:
    """The settings of tier ``name``; a tier since removed from the settings gets nothing."""
    spec = loyalty_settings(uow.app).tier(name)
    return spec if spec is not None else TierSpec(name=name, points_multiplier=Decimal("0"))


def benefits_of(uow: UnitOfWork, customer_id: int) -> Benefits:
    """The benefits the customer's membership gives now (none unless it is active).

    This is how a hospital asks whether a patient whose spend reached the configured
    amount gets the extra services (S004:625).
    """
    membership = get_membership(uow, customer_id)
    spec = tier_spec(uow, membership.tier)
    if membership.status != "active":
        return Benefits(customer_id, membership.member_number, membership.status,
                        membership.tier, spec.label, Decimal("0"), Decimal("0"))
    return Benefits(customer_id, membership.member_number, membership.status, membership.tier,
                    spec.label, spec.discount_percent, spec.points_multiplier,
                    list(spec.services))


def combine_memberships(uow: UnitOfWork, survivor_id: int, merged_ids: list[int]) -> None:
    """Merge duplicates' memberships into the survivor's (``customers_merged``).

    A membership is one per customer, so when both were members the core leaves the
    merged customer's row in place for this hook (and drops it afterwards, journalled):
    the survivor's membership takes its points and stored value — the ledger entries
    behind them move with the customer — and the higher tier, with its date. When only
    the merged customer was a member, the core simply moved the membership.
    """
    survivor = uow.session.scalars(
        select(Membership).where(Membership.customer_id == survivor_id)
    ).first()
    others = uow.session.scalars(
        select(Membership).where(Membership.customer_id.in_(merged_ids))  # type: ignore[attr-defined]
    ).all()
    if survivor is None or not others:
        return
    order = [tier.name for tier in loyalty_settings(uow.app).tiers]

    def rank(membership: Membership) -> int:
        return order.index(membership.tier) if membership.tier in order else -1

    for other in others:
        survivor.points_balance += other.points_balance
        survivor.stored_value_balance += other.stored_value_balance
        if rank(other) > rank(survivor):
            survivor.tier, survivor.tier_since = other.tier, other.tier_since
        if survivor.status != "active" and other.status == "active":
            survivor.status, survivor.status_since = "active", other.status_since
        survivor.enrolled_at = min(survivor.enrolled_at, other.enrolled_at)
    uow.session.flush()
