"""Coupons and e-coupons (赠券 / 电子赠券): definitions, issuing, redemption.

A definition says what a coupon is worth (an amount or a percentage), from what spend,
in which dates (the edition's local days, both ends included), how many one customer
may hold and how many exist at most. Each issued coupon has its own unique code made
from the definition's pattern, belongs to one customer and is redeemed once.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.services.customers import require_customer
from guanxi_marketing.loyalty.common import (
    COUPON,
    COUPON_DEFINITION,
    log_events,
    positive_amount,
    short_text,
    slices,
)
from guanxi_marketing.loyalty.models import Coupon, CouponDefinition

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{2,40}$")
CODE_PATTERN = re.compile(r"^[A-Z0-9#@-]{6,40}$")
MIN_RANDOM_PLACES = 6  # at least 10^6 codes per pattern: guessing one is impractical
# Letters that cannot be mistaken for digits when read out or typed.
LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IOQ")
SECURE = random.SystemRandom()
CODE_ROUNDS = 20  # draws before a nearly exhausted pattern is reported


def _date(value: dt.date | str, field_name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def _today(uow: UnitOfWork) -> dt.date:
    return uow.now.astimezone(uow.app.tz).date()


def define_coupon(
    uow: UnitOfWork,
    *,
    name: str,
    valid_from: dt.date | str,
    valid_to: dt.date | str,
    value: Decimal | int | str | None = None,
    percent: int | str | None = None,
    min_spend: Decimal | int | str = 0,
    code_pattern: str | None = None,
    per_customer_limit: int = 1,
    total_quantity: int | None = None,
    description: str | None = None,
) -> CouponDefinition:
    """Define a coupon worth ``value`` off or ``percent`` % off (exactly one of them)."""
    require(uow, COUPON_DEFINITION, "create")
    label = (name or "").strip()
    if not NAME_PATTERN.match(label):
        raise ValidationError("name", f"{name!r} is not 2-40 letters, digits, _ or -")
    if (value is None) == (percent is None):
        raise ValidationError("value", "give exactly one of value and percent")
    money = positive_amount(value, "value") if value is not None else None
    share = None
    if percent is not None:
        try:
            share = int(str(percent).strip().rstrip("%"))
        except ValueError:
            raise ValidationError("percent", f"not a whole percentage: {percent!r}") from None
        if not 1 <= share <= 100:
            raise ValidationError("percent", f"{share} is outside 1-100")
    floor = Decimal("0") if str(min_spend).strip() in ("", "0") else positive_amount(
        min_spend, "min_spend")
    start, end = _date(valid_from, "valid_from"), _date(valid_to, "valid_to")
    if end < start:
        raise ValidationError("valid_to", f"{end} is before valid_from {start}")
    pattern = (code_pattern or f"{label.upper()[:12]}-######").strip().upper()
    if not CODE_PATTERN.match(pattern) or sum(pattern.count(c) for c in "#@") < MIN_RANDOM_PLACES:
        raise ValidationError("code_pattern", f"{pattern!r} needs letters, digits or dashes and "
                                              f"at least {MIN_RANDOM_PLACES} of # (digit) / @ "
                                              "(letter)")
    if per_customer_limit < 1:
        raise ValidationError("per_customer_limit", "must be at least 1")
    if total_quantity is not None and total_quantity < 1:
        raise ValidationError("total_quantity", "must be at least 1")
    taken = uow.session.execute(
        select(CouponDefinition.id).where(CouponDefinition.name == label)).first()
    if taken is not None:
        raise ValidationError("name", f"a coupon {label!r} already exists")
    definition = CouponDefinition(
        name=label, description=short_text(description, "description", 200),
        code_pattern=pattern, value=money, percent=share, min_spend=floor, valid_from=start,
        valid_to=end, per_customer_limit=per_customer_limit, total_quantity=total_quantity,
        created_at=uow.now)
    uow.session.add(definition)
    uow.session.flush()
    return definition


def get_definition(uow: UnitOfWork, name: str) -> CouponDefinition:
    """A coupon definition by name; :class:`NotFoundError` if there is none."""
    require(uow, COUPON_DEFINITION, "read")
    found = uow.session.execute(select(CouponDefinition).where(
        CouponDefinition.name == (name or "").strip())).scalars().first()
    if found is None:
        raise NotFoundError(f"no coupon definition {name!r}")
    return found


def list_definitions(uow: UnitOfWork) -> list[CouponDefinition]:
    """Every coupon definition, newest first."""
    require(uow, COUPON_DEFINITION, "read")
    query = select(CouponDefinition).order_by(CouponDefinition.id.desc())  # type: ignore[union-attr]
    return list(uow.session.execute(query).scalars())


def _codes(uow: UnitOfWork, pattern: str, count: int, rand: random.Random) -> list[str]:
    """``count`` new codes from ``pattern`` that no coupon has yet."""
    table = Coupon.__table__  # type: ignore[attr-defined]
    codes: set[str] = set()
    for _ in range(CODE_ROUNDS):
        if len(codes) == count:
            return sorted(codes)
        fresh = {"".join(rand.choice(string.digits) if c == "#" else rand.choice(LETTERS)
                         if c == "@" else c for c in pattern) for _ in range(count - len(codes))}
        fresh -= codes
        for chunk in slices(sorted(fresh)):
            query = select(table.c.code).where(table.c.code.in_(chunk))
            fresh -= set(uow.session.connection().execute(query).scalars())
        codes |= fresh
    raise ValidationError("code_pattern", f"{pattern!r} has too few unused codes left")


def _issue(uow: UnitOfWork, definition: CouponDefinition, customer_ids: list[int],
           rand: random.Random) -> list[Coupon]:
    if definition.valid_to < _today(uow):
        raise ValidationError("coupon", f"{definition.name} expired on {definition.valid_to}")
    left = None if definition.total_quantity is None else (
        definition.total_quantity - definition.issued_count)
    if left is not None and len(customer_ids) > left:
        raise ValidationError("coupon", f"only {left} {definition.name} coupons are left, "
                                        f"{len(customer_ids)} wanted")
    coupons = [Coupon(definition_id=definition.id, code=code, customer_id=cid, issued_at=uow.now)
               for cid, code in zip(customer_ids, _codes(uow, definition.code_pattern,
                                                         len(customer_ids), rand), strict=True)]
    uow.session.add_all(coupons)
    definition.issued_count += len(coupons)
    uow.session.flush()
    log_events(uow, [{"customer_id": c.customer_id, "kind": "marketing.coupon_issued",
                      "subject": definition.name, "payload": _payload(c, definition)}
                     for c in coupons])
    return coupons


def _payload(coupon: Coupon, definition: CouponDefinition) -> dict[str, object]:
    return {"coupon_id": coupon.id, "code": coupon.code, "definition": definition.name,
            "order_amount": None if coupon.order_amount is None else str(coupon.order_amount),
            "discount": None if coupon.discount is None else str(coupon.discount)}


def _held(uow: UnitOfWork, definition_id: int, customer_ids: list[int]) -> dict[int, int]:
    held: dict[int, int] = {}
    for chunk in slices(customer_ids):
        query = (select(Coupon.customer_id, func.count()).where(
            Coupon.definition_id == definition_id, Coupon.customer_id.in_(chunk))  # type: ignore[attr-defined]
            .group_by(Coupon.customer_id))
        held.update(dict(uow.session.execute(query).all()))  # type: ignore[arg-type]
    return held


def issue_coupon(uow: UnitOfWork, name: str, customer_id: int, *,
                 rand: random.Random | None = None) -> Coupon:
    """Issue one coupon of definition ``name`` to a customer (within the per-customer
    limit and the total quantity); logs ``marketing.coupon_issued``."""
    require(uow, COUPON, "create")
    definition = get_definition(uow, name)
    try:
        require_customer(uow, customer_id)
    except NotFoundError as exc:
        raise ValidationError("customer_id", str(exc)) from None
    if _held(uow, definition.id, [customer_id]).get(customer_id, 0) >= (  # type: ignore[arg-type]
            definition.per_customer_limit):
        raise ValidationError("customer_id", f"customer {customer_id} already holds "
                                             f"{definition.per_customer_limit} {name} coupon(s)")
    return _issue(uow, definition, [customer_id], rand or SECURE)[0]


def issue_to_customers(uow: UnitOfWork, name: str, customer_ids: Iterable[int], *,
                       rand: random.Random | None = None) -> list[Coupon]:
    """Issue one coupon to each customer who holds fewer than the per-customer limit
    (the others are skipped); all or nothing if the quantity left is too small."""
    require(uow, COUPON, "create")
    definition = get_definition(uow, name)
    wanted = sorted(set(customer_ids))
    held = _held(uow, definition.id, wanted)  # type: ignore[arg-type]
    eligible = [c for c in wanted if held.get(c, 0) < definition.per_customer_limit]
    return _issue(uow, definition, eligible, rand or SECURE)


def issue_to_segment(uow: UnitOfWork, name: str, segment: int | str, *,
                     rand: random.Random | None = None) -> list[Coupon]:
    """Issue a coupon to every current member of a segment the principal can see."""
    from guanxi_marketing.segments.service import get_segment, segment_customer_ids

    try:
        found = get_segment(uow, segment)
    except NotFoundError as exc:
        raise ValidationError("segment", str(exc)) from None
    return issue_to_customers(uow, name, segment_customer_ids(uow, found.id), rand=rand)


def redeem_coupon(uow: UnitOfWork, code: str, *, customer_id: int,
                  order_amount: Decimal | int | str) -> Coupon:
    """Redeem a coupon on an order of ``order_amount``; return it with its discount.

    Refused (one line, nothing stored) when the code is unknown, belongs to another
    customer, was used, is outside its dates, or the order is below the minimum spend.
    Logs ``marketing.coupon_redeemed``.
    """
    require(uow, COUPON, "update")
    amount = positive_amount(order_amount, "order_amount")
    text = (code or "").strip().upper()
    coupon = uow.session.execute(
        select(Coupon).where(Coupon.code == text).with_for_update()).scalars().first()
    if coupon is None:
        raise ValidationError("code", f"no coupon {text!r}")
    if coupon.customer_id != customer_id:
        raise ValidationError("customer_id", f"coupon {text} belongs to another customer")
    if coupon.redeemed_at is not None:
        used = uow.app.local_time(coupon.redeemed_at)
        raise ValidationError("code", f"coupon {text} was already used on {used:%Y-%m-%d}")
    definition = uow.session.get(CouponDefinition, coupon.definition_id)
    assert definition is not None  # a foreign key
    today = _today(uow)
    if today < definition.valid_from:
        raise ValidationError("code", f"coupon {text} is valid from {definition.valid_from}")
    if today > definition.valid_to:
        raise ValidationError("code", f"coupon {text} expired on {definition.valid_to}")
    if amount < definition.min_spend:
        raise ValidationError("order_amount", f"{amount} is below the minimum spend of "
                                              f"{definition.min_spend} for {definition.name}")
    if definition.value is not None:
        discount = min(definition.value, amount)
    else:
        discount = (amount * (definition.percent or 0) / 100).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
    coupon.redeemed_at, coupon.order_amount, coupon.discount = uow.now, amount, discount
    uow.session.flush()
    log_events(uow, [{"customer_id": customer_id, "kind": "marketing.coupon_redeemed",
                      "subject": definition.name, "payload": _payload(coupon, definition)}])
    return coupon


@dataclass(frozen=True)
class CouponRow:
    """An issued coupon as listed."""

    id: int
    code: str
    definition: str
    customer_id: int
    issued_at: dt.datetime
    status: str  # open | redeemed | expired
    redeemed_at: dt.datetime | None
    discount: Decimal | None


def list_coupons(uow: UnitOfWork, *, name: str | None = None, customer_id: int | None = None,
                 limit: int = 100) -> list[CouponRow]:
    """Issued coupons the principal may see, newest first."""
    require(uow, COUPON, "read")
    query = select(Coupon, CouponDefinition).join(
        CouponDefinition, CouponDefinition.id == Coupon.definition_id)
    if name is not None:
        query = query.where(CouponDefinition.id == get_definition(uow, name).id)
    if customer_id is not None:
        query = query.where(Coupon.customer_id == customer_id)
    query = query.order_by(Coupon.id.desc()).limit(limit)  # type: ignore[union-attr]
    today = _today(uow)
    rows = []
    for coupon, definition in uow.session.execute(query):
        status = ("redeemed" if coupon.redeemed_at is not None
                  else "expired" if definition.valid_to < today else "open")
        rows.append(CouponRow(coupon.id, coupon.code, definition.name, coupon.customer_id,
                              coupon.issued_at, status, coupon.redeemed_at, coupon.discount))
    return rows
