"""Loyalty (会员制): enrolment, points earned from the log and reversed by corrections,
first-in-first-out redemption and expiry, the tier review across period boundaries,
and the hospital's "spend reaches X → extra services" (marketing plugin, loyalty area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
The other loyalty test files import :class:`World` from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Interaction, Task
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.jobs import run_due
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi_marketing.loyalty.common import add_months, get_membership
from guanxi_marketing.loyalty.detail import ledger_balances
from guanxi_marketing.loyalty.earning import credit_history
from guanxi_marketing.loyalty.members import benefits_of, cancel_membership, enrol, list_members
from guanxi_marketing.loyalty.models import Membership, PointsEntry
from guanxi_marketing.loyalty.points import (
    adjust_points,
    earn_points,
    expire_points,
    points_history,
    redeem_points,
)
from guanxi_marketing.loyalty.review import review_tiers

T0 = dt.datetime(2025, 1, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 on 10 January in Shanghai
D = Decimal


def months(n: int, days: int = 0) -> dt.datetime:
    """T0 plus ``n`` calendar months and ``days`` days."""
    return add_months(T0, n) + dt.timedelta(days=days)


class World:
    """Agents li (华东) and zhao (华北), a manager and an admin; customers 张三 and 王五
    (li's) and 刘六 (zhao's)."""

    def __init__(self, app: App):
        self.app = app
        with app.transaction(now=T0) as uow:
            for name in ("华东", "华北"):
                add_team(uow, name=name)
            for user, team, role in (("li", "华东", "agent"), ("zhao", "华北", "agent"),
                                     ("boss", None, "manager"), ("root", None, "admin")):
                add_staff(uow, username=user, display_name=user.title())
                if team:
                    add_member(uow, team=team, staff=user)
                grant_role(uow, staff=user, role=role)
            self.zhang = add_customer(uow, name="张三", owner="li").id
            self.wang = add_customer(uow, name="王五", owner="li").id
            self.liu = add_customer(uow, name="刘六", owner="zhao").id

    def do(self, func: Callable[..., Any], *args: Any, at: dt.datetime = T0,
           as_user: str | None = None, **kwargs: Any) -> Any:
        """Call a service function in its own transaction at ``at``."""
        with self.app.transaction(now=at, as_user=as_user) as uow:
            return func(uow, *args, **kwargs)

    def enrol(self, customer_id: int, at: dt.datetime = T0, **kwargs: Any) -> Membership:
        return self.do(enrol, customer_id, at=at, **kwargs)

    def buy(self, customer_id: int, amount: str, at: dt.datetime = T0,
            kind: str = "core.purchase", **kwargs: Any) -> int:
        """Log a purchase; return its interaction id."""
        record = self.do(log_interaction, at=at, customer_id=customer_id, kind=kind,
                         revenue=D(amount), occurred_at=at, **kwargs)
        return record.id

    def correct(self, purchase_id: int, customer_id: int, amount: str,
                at: dt.datetime = T0) -> int:
        """Log a correction of a purchase (negative ``amount`` takes revenue back)."""
        return self.buy(customer_id, amount, at, corrects_id=purchase_id)

    def member(self, customer_id: int) -> Membership:
        return self.do(get_membership, customer_id)

    def points(self, customer_id: int) -> int:
        return self.member(customer_id).points_balance

    def entries(self) -> int:
        with self.app.transaction() as uow:
            return uow.session.execute(select(func.count()).select_from(PointsEntry)).scalar_one()

    def kinds(self, customer_id: int, prefix: str = "marketing.") -> list[str]:
        with self.app.transaction() as uow:
            query = (select(Interaction.kind).where(Interaction.customer_id == customer_id,
                                                    Interaction.kind.startswith(prefix))
                     .order_by(Interaction.id))
            return list(uow.session.execute(query).scalars())

    def consistent(self, customer_id: int) -> None:
        """The cached balances equal the ledgers' sums."""
        with self.app.transaction() as uow:
            ledgers = ledger_balances(uow, customer_id)
        member = self.member(customer_id)
        assert (member.points_balance, member.stored_value_balance) == (
            ledgers.points, ledgers.stored_value)


@pytest.fixture
def world(make_marketing_app: Callable[..., App]) -> World:
    # With sales: some purchases here are logged as sales.order.
    return World(make_marketing_app(enable=["sales"]))


def hospital_app(make_marketing_app: Callable[..., App]) -> App:
    """The hospital's programme: cumulative spend of 5,000 makes a VIP patient."""
    loyalty = {
        "programme": "患者会员",
        "tiers": [{"name": "member", "label": "会员"},
                  {"name": "vip", "label": "VIP患者", "period_months": 0,
                   "reach": {"spend": "5000"}, "services": ["免费年度体检", "专家号优先预约"]}],
        "lapse": {"months": 0},
        "earn_rates": {"core.purchase": "1"},
    }
    return make_marketing_app(settings={"marketing": {"loyalty": loyalty}})


# ----------------------------------------------------------------------------- enrolment


def test_enrol_gives_a_number_the_entry_tier_and_logs_it(world: World) -> None:
    member = world.enrol(world.zhang, card_number="6222-0001", card_label="工商银行联名卡")
    assert (member.member_number, member.tier, member.status) == (
        f"M{world.zhang:08d}", "bronze", "active")
    assert (member.card_number, member.card_label) == ("6222-0001", "工商银行联名卡")
    assert world.kinds(world.zhang) == ["marketing.member_enrolled"]
    other = world.enrol(world.wang, member_number="VIP-7", tier="gold")
    assert (other.member_number, other.tier) == ("VIP-7", "gold")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"tier": "platinum"}, "tier"),
    ({"card_number": "12"}, "card_number"),
    ({"member_number": "no spaces"}, "member_number"),
    ({"member_number": "VIP-7"}, "member_number"),  # taken by 王五
    ({"card_label": "x" * 81}, "card_label"),
])
def test_bad_enrolment_is_one_error_and_stores_nothing(
    world: World, kwargs: dict[str, Any], field: str
) -> None:
    world.enrol(world.wang, member_number="VIP-7")
    with pytest.raises(ValidationError, match=f"field '{field}'"):
        world.enrol(world.zhang, **kwargs)
    with pytest.raises(NotFoundError):
        world.member(world.zhang)
    with pytest.raises(ValidationError, match="customer_id.*already member VIP-7"):
        world.enrol(world.wang)
    with pytest.raises(ValidationError, match="customer_id.*no customer"):
        world.enrol(999_999)
    assert world.kinds(world.zhang) == []


def test_cancel_then_enrol_again_reactivates_the_same_membership(world: World) -> None:
    first = world.enrol(world.zhang)
    world.do(cancel_membership, world.zhang, at=months(1))
    assert world.member(world.zhang).status == "cancelled"
    with pytest.raises(ValidationError, match="is cancelled"):
        world.do(cancel_membership, world.zhang)
    again = world.enrol(world.zhang, at=months(2))
    assert (again.id, again.status, again.member_number) == (first.id, "active",
                                                             first.member_number)
    assert world.kinds(world.zhang) == ["marketing.member_enrolled", "marketing.member_cancelled",
                                        "marketing.member_enrolled"]


def test_list_members_filters_and_pages(world: World) -> None:
    for cid in (world.zhang, world.wang, world.liu):
        world.enrol(cid)
    world.do(cancel_membership, world.liu)
    rows = world.do(list_members)
    assert [r.customer_id for r in rows] == [world.zhang, world.wang]
    assert [r.customer for r in world.do(list_members, after_customer_id=world.zhang)] == ["王五"]
    assert [r.customer_id for r in world.do(list_members, status="cancelled")] == [world.liu]
    assert world.do(list_members, tier="gold") == []
    with pytest.raises(ValidationError, match="status"):
        world.do(list_members, status="gone")


# ----------------------------------------------------------------------------- earning


def test_a_logged_purchase_earns_points_times_the_tier_multiplier(world: World) -> None:
    world.buy(world.zhang, "500.00", at=T0 - dt.timedelta(days=1))  # before enrolment
    world.enrol(world.zhang)
    world.enrol(world.wang, tier="gold")  # × 2
    world.buy(world.zhang, "123.99", at=months(0, 1))
    world.buy(world.wang, "100.00", at=months(0, 1), kind="sales.order")
    world.do(log_interaction, at=months(0, 1), customer_id=world.zhang, kind="core.note",
             payload={"text": "no points"})
    assert (world.points(world.zhang), world.points(world.wang)) == (123, 200)
    with world.app.transaction() as uow:
        earned = points_history(uow, world.zhang)
    assert [(e.kind, e.points, e.remaining, e.basis) for e in earned] == [
        ("earn", 123, 123, D("123.99"))]
    assert earned[0].expires_at == add_months(months(0, 1), 24)
    # Earned automatically: the purchase is the record, no second interaction is logged.
    assert world.kinds(world.zhang) == ["marketing.member_enrolled"]


def test_foreign_currency_and_inactive_members_earn_nothing(world: World) -> None:
    world.enrol(world.zhang)
    world.enrol(world.wang)
    world.do(cancel_membership, world.wang)
    world.buy(world.zhang, "100.00", at=months(0, 1), currency="USD")
    world.buy(world.wang, "100.00", at=months(0, 1))
    world.buy(world.liu, "100.00", at=months(0, 1))  # not a member
    assert (world.points(world.zhang), world.points(world.wang)) == (0, 0)


def test_a_correction_takes_back_the_points_of_its_purchase(world: World) -> None:
    world.enrol(world.zhang)
    first = world.buy(world.zhang, "300.00", at=months(0, 1))
    second = world.buy(world.zhang, "200.00", at=months(0, 2))
    world.correct(first, world.zhang, "-100.00", at=months(0, 3))  # partial refund
    assert world.points(world.zhang) == 400
    world.correct(first, world.zhang, "-250.00", at=months(0, 4))  # only 200 are left of it
    assert world.points(world.zhang) == 200
    world.correct(first, world.zhang, "-50.00", at=months(0, 5))  # nothing more to take
    assert world.points(world.zhang) == 200
    # The purchase's own lot is drawn on first: the second purchase's points stay whole.
    with world.app.transaction() as uow:
        lots = {e.interaction_id: e.remaining for e in points_history(uow, world.zhang)
                if e.kind == "earn"}
    assert lots == {first: 0, second: 200}
    world.correct(second, world.zhang, "50.00", at=months(0, 5))  # revised upward
    assert world.points(world.zhang) == 250
    world.consistent(world.zhang)


def test_a_reversal_after_redemption_leaves_a_debt_the_next_purchase_pays(world: World) -> None:
    world.enrol(world.zhang)
    purchase = world.buy(world.zhang, "100.00", at=months(0, 1))
    world.do(redeem_points, world.zhang, 80, at=months(0, 2))
    world.correct(purchase, world.zhang, "-100.00", at=months(0, 3))
    assert world.points(world.zhang) == -80
    world.buy(world.zhang, "50.00", at=months(0, 4))
    assert world.points(world.zhang) == -30
    world.buy(world.zhang, "100.00", at=months(0, 5))
    with world.app.transaction() as uow:
        newest = points_history(uow, world.zhang, limit=1)[0]
    assert (world.points(world.zhang), newest.points, newest.remaining) == (70, 100, 70)
    world.consistent(world.zhang)


def test_credit_history_earns_past_purchases_once(world: World) -> None:
    world.buy(world.zhang, "100.00", at=months(0, 1))
    world.buy(world.zhang, "40.00", at=months(0, 2))
    member = world.enrol(world.zhang, at=months(1))
    with world.app.transaction(now=months(1)) as uow:
        uow.session.get(Membership, member.id).enrolled_at = T0
    assert world.do(credit_history, world.zhang, at=months(1)) == 140
    assert world.do(credit_history, world.zhang, at=months(1)) == 0
    world.consistent(world.zhang)


# ----------------------------------------------------------------------------- manual points


def test_earn_redeem_and_adjust_by_hand_are_logged(world: World) -> None:
    world.enrol(world.zhang, tier="silver")  # × 1.5
    entry = world.do(earn_points, world.zhang, "99.99", reason="纸质小票 0042", at=months(0, 1))
    assert (entry.points, entry.multiplier) == (149, D("1.5"))
    world.do(redeem_points, world.zhang, "49", reason="兑换毛巾", at=months(0, 2))
    world.do(adjust_points, world.zhang, -10, reason="重复积分", at=months(0, 3))
    world.do(adjust_points, world.zhang, 5, reason="补偿", at=months(0, 3))
    assert world.points(world.zhang) == 95
    assert world.kinds(world.zhang)[1:] == ["marketing.points_earned",
                                           "marketing.points_redeemed",
                                           "marketing.points_adjusted",
                                           "marketing.points_adjusted"]
    world.consistent(world.zhang)


@pytest.mark.parametrize(("call", "field"), [
    (lambda uow, c: redeem_points(uow, c, 101), "points"),
    (lambda uow, c: redeem_points(uow, c, 0), "points"),
    (lambda uow, c: redeem_points(uow, c, -5), "points"),
    (lambda uow, c: redeem_points(uow, c, "ten"), "points"),
    (lambda uow, c: redeem_points(uow, c, 10**10), "points"),
    (lambda uow, c: redeem_points(uow, c, 1, reason="x" * 201), "reason"),
    (lambda uow, c: adjust_points(uow, c, -101, reason="too much"), "points"),
    (lambda uow, c: adjust_points(uow, c, 10, reason="  "), "reason"),
    (lambda uow, c: adjust_points(uow, c, 0, reason="zero"), "points"),
    (lambda uow, c: earn_points(uow, c, "-1"), "amount"),
    (lambda uow, c: earn_points(uow, c, "0.5"), "amount"),  # earns no whole point
    (lambda uow, c: earn_points(uow, c, "1.001"), "amount"),
    (lambda uow, c: earn_points(uow, c, "100", kind="core.note"), "kind"),
    (lambda uow, c: redeem_points(uow, c + 1, 1), "customer_id"),  # 王五 is no member
])
def test_bad_points_input_is_one_error_and_changes_nothing(
    world: World, call: Callable[..., Any], field: str
) -> None:
    world.enrol(world.zhang)
    world.buy(world.zhang, "100.00", at=months(0, 1))
    before = (world.points(world.zhang), world.entries(), world.kinds(world.zhang))
    with pytest.raises(ValidationError, match=f"field '{field}'") as caught:
        world.do(call, world.zhang, at=months(0, 2))
    assert "\n" not in str(caught.value)
    assert (world.points(world.zhang), world.entries(), world.kinds(world.zhang)) == before


def test_a_lapsed_member_cannot_redeem(world: World) -> None:
    world.enrol(world.zhang)
    world.buy(world.zhang, "100.00", at=months(0, 1))
    world.do(review_tiers, at=months(26))
    assert world.member(world.zhang).status == "lapsed"
    with pytest.raises(ValidationError, match="is lapsed"):
        world.do(redeem_points, world.zhang, 10, at=months(26))


# ----------------------------------------------------------------------------- expiry


def test_points_expire_first_in_first_out(world: World) -> None:
    world.enrol(world.zhang)
    world.buy(world.zhang, "100.00", at=months(0, 1))  # lot A, expires at months(24, 1)
    world.buy(world.zhang, "50.00", at=months(6, 1))  # lot B, expires at months(30, 1)
    world.do(redeem_points, world.zhang, 30, at=months(7))  # taken from A
    assert world.do(expire_points, at=months(24)) == "0 points of 0 members expired"
    assert world.do(expire_points, at=months(24, 2)) == "70 points of 1 members expired"
    assert world.points(world.zhang) == 50
    assert world.do(expire_points, at=months(24, 3)).startswith("0 points")
    world.do(redeem_points, world.zhang, 20, at=months(25))  # from B
    world.do(expire_points, at=months(31))
    assert world.points(world.zhang) == 0
    with world.app.transaction() as uow:
        history = points_history(uow, world.zhang)
    assert [(e.kind, e.points) for e in reversed(history)] == [
        ("earn", 100), ("earn", 50), ("redeem", -30), ("expire", -70), ("redeem", -20),
        ("expire", -30)]
    assert world.kinds(world.zhang).count("marketing.points_expired") == 2
    world.consistent(world.zhang)


def test_points_never_expire_when_the_programme_says_so(
    make_marketing_app: Callable[..., App]
) -> None:
    world = World(make_marketing_app(
        settings={"marketing": {"loyalty": {"points_expire_months": 0}}}))
    world.enrol(world.zhang)
    world.buy(world.zhang, "100.00", at=months(0, 1))
    world.do(expire_points, at=months(120))
    assert world.points(world.zhang) == 100


# ----------------------------------------------------------------------------- tier review


def test_spend_in_the_period_upgrades_and_its_passing_downgrades(world: World) -> None:
    world.enrol(world.zhang)
    world.buy(world.zhang, "6000.00", at=months(0, 1))  # silver at once (spend ≥ 2,000)
    assert world.member(world.zhang).tier == "silver"
    world.buy(world.zhang, "4000.00", at=months(3))  # 10,000 in 12 months: gold at once
    member = world.member(world.zhang)
    assert (member.tier, member.tier_since) == ("gold", months(3))
    # Twelve months after the first purchase it leaves the period: 4,000 < keep 8,000.
    assert str(world.do(review_tiers, at=months(12))) == (
        "1 members reviewed: 0 upgraded, 0 downgraded, 0 lapsed")
    outcome = world.do(review_tiers, at=months(12, 2))
    assert [(c.change, c.from_tier, c.to_tier, c.spend) for c in outcome.changes] == [
        ("downgrade", "gold", "silver", D("4000.00"))]
    # Silver is kept on spend ≥ 1,500 until that purchase too is older than a year.
    assert world.do(review_tiers, at=months(15)).changes == []
    outcome = world.do(review_tiers, at=months(15, 1))
    assert [(c.change, c.to_tier) for c in outcome.changes] == [("downgrade", "bronze")]
    assert world.kinds(world.zhang).count("marketing.tier_changed") == 4


def test_purchase_count_reaches_silver(world: World) -> None:
    world.enrol(world.zhang)
    for day in range(4):
        world.buy(world.zhang, "10.00", at=months(1, day))
    assert world.member(world.zhang).tier == "bronze"
    world.buy(world.zhang, "10.00", at=months(1, 5))  # the fifth purchase in 12 months
    assert world.member(world.zhang).tier == "silver"


def test_corrections_count_against_spend_but_not_as_purchases(world: World) -> None:
    world.enrol(world.zhang, tier="gold")
    big = world.buy(world.zhang, "9000.00", at=months(0, 1))
    world.correct(big, world.zhang, "-2000.00", at=months(0, 2))
    outcome = world.do(review_tiers, at=months(1))
    assert [(c.change, c.spend, c.count) for c in outcome.changes] == [
        ("downgrade", D("7000.00"), 1)]


def test_tier_hold_delays_a_downgrade(make_marketing_app: Callable[..., App]) -> None:
    world = World(make_marketing_app(
        settings={"marketing": {"loyalty": {"tier_hold_months": 6}}}))
    world.enrol(world.zhang, tier="gold")
    assert world.do(review_tiers, at=months(5)).changes == []
    assert [c.to_tier for c in world.do(review_tiers, at=months(6)).changes] == ["bronze"]


def test_members_without_purchases_lapse_after_the_period(world: World) -> None:
    world.enrol(world.zhang)
    world.enrol(world.wang, at=months(20))  # too new to lapse at months(25)
    world.enrol(world.liu)
    world.buy(world.liu, "10.00", at=months(1))  # his last purchase
    assert world.do(review_tiers, at=months(24)).changes == []  # not a full period yet
    outcome = world.do(review_tiers, at=months(25))  # 刘六's purchase is just inside
    assert {(c.customer_id, c.change) for c in outcome.changes} == {(world.zhang, "lapse")}
    outcome = world.do(review_tiers, at=months(25, 1))
    assert {(c.customer_id, c.change) for c in outcome.changes} == {(world.liu, "lapse")}
    assert world.member(world.liu).status == "lapsed"
    world.buy(world.liu, "100.00", at=months(26))  # a lapsed member earns nothing
    assert world.points(world.liu) == 10
    assert world.do(review_tiers, at=months(26)).reviewed == 1  # only 王五 is still active
    assert benefits_of_status(world, world.liu) == ("lapsed", D("0"))


def benefits_of_status(world: World, customer_id: int) -> tuple[str, Decimal]:
    benefits = world.do(benefits_of, customer_id)
    return benefits.status, benefits.discount_percent


def test_an_upgrade_gives_the_owner_a_task(world: World) -> None:
    world.enrol(world.zhang)
    world.enrol(world.liu)
    world.buy(world.zhang, "10000.00", at=months(1), actor="li")
    world.do(log_interaction, at=months(1), as_user="zhao", customer_id=world.liu,
             kind="sales.order", revenue=D("2500"), occurred_at=months(1))
    with world.app.transaction() as uow:
        tasks = uow.session.execute(select(Task.customer_id, Task.assignee_id, Task.title)
                                    .order_by(Task.id)).all()
        staff = dict(uow.session.execute(select(Task.customer_id, Task.due_at)).all())
    assert [(t.customer_id, t.title) for t in tasks] == [
        (world.zhang, "会员升级为金卡会员: 致电祝贺"), (world.liu, "会员升级为银卡会员: 致电祝贺")]
    assert staff[world.zhang] == months(1) + dt.timedelta(days=3)


def test_the_nightly_jobs_expire_and_review(world: World) -> None:
    world.enrol(world.zhang)
    world.buy(world.zhang, "100.00", at=months(0, 1))
    run_due(world.app, now=months(26))  # schedules the jobs
    outcomes = run_due(world.app, now=months(26, 1))
    assert {(o.name, o.status) for o in outcomes if "loyalty" in o.name} == {
        ("marketing.loyalty_expire_points", "ok"), ("marketing.loyalty_review", "ok")}
    assert (world.points(world.zhang), world.member(world.zhang).status) == (0, "lapsed")


# ----------------------------------------------------------------------------- hospital


def test_hospital_patients_whose_spend_reaches_the_amount_get_extra_services(
    make_marketing_app: Callable[..., App]
) -> None:
    world = World(hospital_app(make_marketing_app))
    world.enrol(world.zhang)
    world.buy(world.zhang, "3000.00", at=months(1))
    assert world.do(benefits_of, world.zhang, at=months(1)).services == []
    world.buy(world.zhang, "2000.00", at=months(30))  # cumulative: no period limits it
    benefits = world.do(benefits_of, world.zhang, at=months(30))
    assert (benefits.tier, benefits.label, benefits.services) == (
        "vip", "VIP患者", ["免费年度体检", "专家号优先预约"])
    # All-time spend never falls out of a period, and there is no lapse rule.
    assert world.do(review_tiers, at=months(100)).changes == []


def test_the_hospital_review_job_finds_patients_enrolled_with_history(
    make_marketing_app: Callable[..., App]
) -> None:
    world = World(hospital_app(make_marketing_app))
    world.buy(world.wang, "5000.00", at=months(1))  # before the programme existed
    world.enrol(world.wang, at=months(2))
    outcome = world.do(review_tiers, at=months(2))
    assert [(c.change, c.to_tier, c.spend) for c in outcome.changes] == [
        ("upgrade", "vip", D("5000.00"))]
    assert world.do(benefits_of, world.wang).services == ["免费年度体检", "专家号优先预约"]
    with pytest.raises(NotFoundError, match="not a member"):
        world.do(benefits_of, world.zhang)
