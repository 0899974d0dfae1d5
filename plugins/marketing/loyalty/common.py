"""What every part of the loyalty area shares: settings, input parsing, the membership
lookups (with the row lock that keeps balances consistent), and logging."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.db.types import to_minor
from guanxi.errors import NotFoundError, ValidationError
from guanxi.records import InteractionRecord
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi_marketing.loyalty.models import Membership
from guanxi_marketing.loyalty.settings import LoyaltySettings

MEMBERSHIP = "marketing.membership"
POINTS = "marketing.points_entry"
STORED_VALUE = "marketing.stored_value_entry"
COUPON_DEFINITION = "marketing.coupon_definition"
COUPON = "marketing.coupon"
CENT = Decimal("0.01")
LARGEST_AMOUNT = Decimal("1e12")  # far inside integer hundredths in a BIGINT
LARGEST_POINTS = 10**9  # points are a 32-bit INTEGER column
IN_LIST = 900  # ids per IN (…) list, safe on every SQLite build


def loyalty_settings(app: App) -> LoyaltySettings:
    """The resolved ``[marketing.loyalty]`` settings."""
    return app.settings_for("marketing").loyalty


def positive_amount(value: Decimal | int | str, field_name: str) -> Decimal:
    """A positive amount of money with at most two decimals."""
    try:
        amount = Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value))
        to_minor(amount)
    except (InvalidOperation, ValueError):
        raise ValidationError(field_name, f"not an amount of money: {value!r}") from None
    if amount <= 0:
        raise ValidationError(field_name, "must be more than zero")
    if amount >= LARGEST_AMOUNT:
        raise ValidationError(field_name, f"{amount} is too large")
    return amount.quantize(CENT)


def whole_points(value: int | str, field_name: str = "points", *, signed: bool = False) -> int:
    """A whole number of points: positive, or (``signed``) any non-zero number."""
    try:
        points = int(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, f"not a whole number of points: {value!r}") from None
    if points == 0 or (points < 0 and not signed):
        raise ValidationError(field_name, "must be more than zero" if not signed else
                              "must not be zero")
    if abs(points) >= LARGEST_POINTS:
        raise ValidationError(field_name, f"{points} is too large")
    return points


def short_text(value: str | None, field_name: str, limit: int) -> str | None:
    """Stripped text of at most ``limit`` characters; blank becomes None."""
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(field_name, f"at most {limit} characters")
    return text or None


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` shifted by whole calendar months (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def slices(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``values`` cut into pieces short enough for one ``IN (…)`` list."""
    for start in range(0, len(values), IN_LIST):
        yield values[start : start + IN_LIST]


def find_membership(uow: UnitOfWork, customer_id: int) -> Membership | None:
    """The customer's membership if the principal may see it (record policies apply)."""
    require(uow, MEMBERSHIP, "read")
    query = select(Membership).where(Membership.customer_id == customer_id)
    return uow.session.execute(query).scalars().first()


def get_membership(uow: UnitOfWork, customer_id: int, *, lock: bool = False) -> Membership:
    """The customer's membership; :class:`NotFoundError` when he is not a member.

    ``lock`` takes the row lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite already
    holds the database's write lock) so two writers cannot both spend the same balance.
    """
    require(uow, MEMBERSHIP, "read")
    query = select(Membership).where(Membership.customer_id == customer_id)
    if lock:
        query = query.with_for_update()
    membership = uow.session.execute(query).scalars().first()
    if membership is None:
        raise NotFoundError(f"customer {customer_id} is not a member")
    return membership


def member_for_change(
    uow: UnitOfWork, customer_id: int, *, allow: Sequence[str] = ("active",)
) -> Membership:
    """The locked membership of ``customer_id``, whose status must be one of ``allow``."""
    try:
        membership = get_membership(uow, customer_id, lock=True)
    except NotFoundError as exc:
        raise ValidationError("customer_id", str(exc)) from None
    if membership.status not in allow:
        raise ValidationError(
            "customer_id", f"membership {membership.member_number} is {membership.status}"
        )
    return membership


def log_events(uow: UnitOfWork, events: Sequence[dict[str, Any]]) -> list[InteractionRecord]:
    """Log ``marketing.*`` interactions (dicts of :class:`InteractionIn` fields).

    Validated one by one rather than through ``log_interactions``: the caller has
    already found each membership through the principal's record policies, so the
    extra visibility query per batch would only repeat that.
    """
    require(uow, "interaction", "create")
    records = [
        validate_interaction(uow, {"direction": "internal", "actor": uow.actor_id, **event})
        for event in events
    ]
    return insert_interactions(uow, records)


def points_value(app: App, points: int) -> Decimal:
    """What ``points`` are worth in the edition's currency."""
    return (points * loyalty_settings(app).point_value).quantize(Decimal("0.01"))
