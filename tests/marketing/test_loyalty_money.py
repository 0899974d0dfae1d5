"""Loyalty: stored value (储值) and coupons (赠券) — exact amounts, balances that never go
below zero, refunds bounded by their spend, coupon issue limits and redemption checks.

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import NotFoundError, ValidationError
from guanxi_marketing.loyalty.coupons import (
    define_coupon,
    issue_coupon,
    issue_to_customers,
    issue_to_segment,
    list_coupons,
    list_definitions,
    redeem_coupon,
)
from guanxi_marketing.loyalty.models import Coupon, CouponDefinition, StoredValueEntry
from guanxi_marketing.loyalty.stored_value import (
    refund_stored_value,
    spend_stored_value,
    stored_value_history,
    top_up,
)
from guanxi_marketing.segments.service import create_segment
from tests.marketing.test_loyalty import T0, World, months

D = Decimal
COUPON = {"name": "SPRING50", "valid_from": "2025-01-01", "valid_to": "2025-03-31",
          "value": "50", "min_spend": "300", "code_pattern": "SPR-######"}


@pytest.fixture
def world(marketing_app: App) -> World:
    return World(marketing_app)


def rows(app: App, model: Any) -> int:
    with app.transaction() as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


# ----------------------------------------------------------------------------- stored value


def test_top_up_spend_and_refund_keep_an_exact_balance(world: World) -> None:
    world.enrol(world.zhang)
    world.do(top_up, world.zhang, "1000", reference="充值 A1")
    spend = world.do(spend_stored_value, world.zhang, "0.10")
    world.do(spend_stored_value, world.zhang, "0.20")
    assert world.member(world.zhang).stored_value_balance == D("999.70")
    world.do(refund_stored_value, spend.id, "0.04")
    refund = world.do(refund_stored_value, spend.id)  # the rest of that spend
    assert (refund.amount, refund.balance_after, refund.refund_of_id) == (
        D("0.06"), D("999.80"), spend.id)
    with world.app.transaction() as uow:
        history = stored_value_history(uow, world.zhang)
    assert [(e.kind, e.amount, e.balance_after) for e in reversed(history)] == [
        ("topup", D("1000.00"), D("1000.00")), ("spend", D("-0.10"), D("999.90")),
        ("spend", D("-0.20"), D("999.70")), ("refund", D("0.04"), D("999.74")),
        ("refund", D("0.06"), D("999.80"))]
    assert world.kinds(world.zhang)[1:] == [
        "marketing.stored_value_topped_up", "marketing.stored_value_spent",
        "marketing.stored_value_spent", "marketing.stored_value_refunded",
        "marketing.stored_value_refunded"]
    world.consistent(world.zhang)


@pytest.mark.parametrize(("call", "field"), [
    (lambda uow, w: spend_stored_value(uow, w.zhang, "100.01"), "amount"),
    (lambda uow, w: spend_stored_value(uow, w.zhang, "0"), "amount"),
    (lambda uow, w: top_up(uow, w.zhang, "-5"), "amount"),
    (lambda uow, w: top_up(uow, w.zhang, "1.005"), "amount"),
    (lambda uow, w: top_up(uow, w.zhang, "lots"), "amount"),
    (lambda uow, w: top_up(uow, w.zhang, "1e13"), "amount"),
    (lambda uow, w: top_up(uow, w.zhang, "5", reference="x" * 81), "reference"),
    (lambda uow, w: top_up(uow, w.wang, "5"), "customer_id"),  # not a member
    (lambda uow, w: refund_stored_value(uow, 1), "entry_id"),  # the top-up is no spend
    (lambda uow, w: refund_stored_value(uow, 2, "30.01"), "amount"),
    (lambda uow, w: refund_stored_value(uow, 999), "entry_id"),
])
def test_bad_stored_value_input_is_one_error_and_changes_nothing(
    world: World, call: Callable[..., Any], field: str
) -> None:
    world.enrol(world.zhang)
    world.do(top_up, world.zhang, "130")
    world.do(spend_stored_value, world.zhang, "30")  # entry 2
    before = (world.member(world.zhang).stored_value_balance, rows(world.app, StoredValueEntry),
              world.kinds(world.zhang))
    with (pytest.raises(ValidationError, match=f"field '{field}'") as caught,
          world.app.transaction(now=T0) as uow):
        call(uow, world)
    assert "\n" not in str(caught.value)
    assert (world.member(world.zhang).stored_value_balance, rows(world.app, StoredValueEntry),
            world.kinds(world.zhang)) == before


def test_a_lapsed_member_spends_but_cannot_top_up(world: World) -> None:
    from guanxi_marketing.loyalty.review import review_tiers

    world.enrol(world.zhang)
    world.do(top_up, world.zhang, "100")
    world.do(review_tiers, at=months(25))
    assert world.do(spend_stored_value, world.zhang, "100", at=months(25)).balance_after == 0
    with pytest.raises(ValidationError, match="is lapsed"):
        world.do(top_up, world.zhang, "10", at=months(25))


# ----------------------------------------------------------------------------- coupons


def test_define_issue_and_redeem_a_coupon(world: World) -> None:
    world.do(define_coupon, **COUPON, total_quantity=100, description="满300减50")
    coupon = world.do(issue_coupon, "SPRING50", world.zhang, rand=random.Random(1))
    assert coupon.code.startswith("SPR-") and len(coupon.code) == 10
    redeemed = world.do(redeem_coupon, coupon.code.lower(), customer_id=world.zhang,
                        order_amount="300", at=months(1))
    assert (redeemed.discount, redeemed.order_amount, redeemed.redeemed_at) == (
        D("50.00"), D("300.00"), months(1))
    assert world.kinds(world.zhang) == ["marketing.coupon_issued", "marketing.coupon_redeemed"]
    with world.app.transaction(now=months(1)) as uow:
        assert [(c.code, c.status) for c in list_coupons(uow, name="SPRING50")] == [
            (coupon.code, "redeemed")]
        assert [(d.name, d.issued_count) for d in list_definitions(uow)] == [("SPRING50", 1)]


def test_a_percentage_coupon_rounds_to_the_cent_and_a_value_never_exceeds_the_order(
    world: World
) -> None:
    world.do(define_coupon, name="TEN", valid_from="2025-01-01", valid_to="2025-12-31",
             percent="10%")
    world.do(define_coupon, name="BIG", valid_from="2025-01-01", valid_to="2025-12-31",
             value="500")
    ten = world.do(issue_coupon, "TEN", world.zhang)
    big = world.do(issue_coupon, "BIG", world.zhang)
    assert world.do(redeem_coupon, ten.code, customer_id=world.zhang,
                    order_amount="123.45").discount == D("12.35")
    assert world.do(redeem_coupon, big.code, customer_id=world.zhang,
                    order_amount="80").discount == D("80.00")


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "a b"}, "name"),
    ({"value": None}, "value"),  # neither value nor percent
    ({"percent": "10"}, "value"),  # both
    ({"value": None, "percent": "101"}, "percent"),
    ({"value": None, "percent": "half"}, "percent"),
    ({"value": "0"}, "value"),
    ({"min_spend": "-1"}, "min_spend"),
    ({"valid_to": "2024-12-31"}, "valid_to"),
    ({"valid_from": "someday"}, "valid_from"),
    ({"code_pattern": "SPR-###"}, "code_pattern"),  # too few random places
    ({"code_pattern": "SPR ######"}, "code_pattern"),
    ({"per_customer_limit": 0}, "per_customer_limit"),
    ({"total_quantity": 0}, "total_quantity"),
])
def test_bad_coupon_definitions_are_refused(
    world: World, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match=f"field '{field}'"):
        world.do(define_coupon, **{**COUPON, **change})
    assert rows(world.app, CouponDefinition) == 0


def test_issue_limits_per_customer_and_in_total(world: World) -> None:
    world.do(define_coupon, **{**COUPON, "per_customer_limit": 2}, total_quantity=3)
    world.do(issue_coupon, "SPRING50", world.zhang)
    world.do(issue_coupon, "SPRING50", world.zhang)
    with pytest.raises(ValidationError, match="customer_id.*already holds 2"):
        world.do(issue_coupon, "SPRING50", world.zhang)
    # 张三 is skipped (at his limit); 王五 and 刘六 would need two, only one is left.
    with pytest.raises(ValidationError, match="only 1 SPRING50 coupons are left, 2 wanted"):
        world.do(issue_to_customers, "SPRING50", [world.zhang, world.wang, world.liu])
    assert rows(world.app, Coupon) == 2
    with pytest.raises(NotFoundError, match="no coupon definition 'NOPE'"):
        world.do(issue_coupon, "NOPE", world.zhang)
    with pytest.raises(ValidationError, match="customer_id.*no customer"):
        world.do(issue_coupon, "SPRING50", 999_999)
    with pytest.raises(ValidationError, match="expired on 2025-03-31"):
        world.do(issue_coupon, "SPRING50", world.wang, at=months(3))


def test_issue_to_a_segment_gives_each_member_one_code(world: World) -> None:
    world.do(define_coupon, **COUPON)
    segment = world.do(create_segment, name="老客户", customer_ids=[world.zhang, world.liu])
    issued = world.do(issue_to_segment, "SPRING50", "老客户")
    assert sorted(c.customer_id for c in issued) == sorted([world.zhang, world.liu])
    assert len({c.code for c in issued}) == 2
    assert world.do(issue_to_segment, "SPRING50", segment.id) == []  # all at their limit
    with pytest.raises(ValidationError, match="field 'segment'"):
        world.do(issue_to_segment, "SPRING50", "no such segment")


def test_issued_codes_are_unique_even_when_the_random_source_repeats(world: World) -> None:
    world.do(define_coupon, **COUPON, per_customer_limit=5)
    first = world.do(issue_coupon, "SPRING50", world.zhang, rand=random.Random(7))
    second = world.do(issue_coupon, "SPRING50", world.zhang, rand=random.Random(7))
    assert first.code != second.code


@pytest.mark.parametrize(("code", "kwargs", "at", "message"), [
    ("SPR-000000", {}, T0, "field 'code': no coupon 'SPR-000000'"),
    (None, {"customer_id": "wang"}, T0, "field 'customer_id': .* belongs to another customer"),
    (None, {"order_amount": "299.99"}, T0, "field 'order_amount': .* below the minimum spend"),
    (None, {"order_amount": "abc"}, T0, "field 'order_amount': not an amount"),
    (None, {}, months(3), "field 'code': .* expired on 2025-03-31"),
    (None, {}, dt.datetime(2024, 12, 31, 2, tzinfo=dt.UTC), "valid from 2025-01-01"),
    ("used", {}, T0, "field 'code': .* was already used on 2025-01-10"),
])
def test_bad_redemptions_are_one_error_and_change_nothing(
    world: World, code: str | None, kwargs: dict[str, Any], at: dt.datetime, message: str
) -> None:
    world.do(define_coupon, **COUPON)
    coupon = world.do(issue_coupon, "SPRING50", world.zhang)
    if code == "used":
        world.do(redeem_coupon, coupon.code, customer_id=world.zhang, order_amount="300")
    before = world.kinds(world.zhang)
    arguments = {"customer_id": world.zhang, "order_amount": "300", **kwargs}
    if arguments["customer_id"] == "wang":
        arguments["customer_id"] = world.wang
    with pytest.raises(ValidationError, match=message):
        world.do(redeem_coupon, coupon.code if code in (None, "used") else code, at=at,
                 **arguments)
    assert world.kinds(world.zhang) == before
    with world.app.transaction() as uow:
        stored = uow.session.get(Coupon, coupon.id)
        assert (stored.redeemed_at is None) == (code != "used")
