"""Loyalty on the command line, under record policies, in the personal-data export and
erasure, in the member analysis, in the demo data, and its schema against its migration.

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from guanxi.app import App
from guanxi.db.migrate import check
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.testing import GuanxiCli
from guanxi_marketing.loyalty.coupons import define_coupon, issue_coupon
from guanxi_marketing.loyalty.detail import ledger_balances, member_detail
from guanxi_marketing.loyalty.members import list_members
from guanxi_marketing.loyalty.models import TABLES
from guanxi_marketing.loyalty.points import adjust_points, redeem_points
from guanxi_marketing.loyalty.report import loyalty_report, loyalty_report_dict
from guanxi_marketing.loyalty.review import review_tiers
from guanxi_marketing.loyalty.stored_value import spend_stored_value, top_up
from tests.conftest import demo_content_on_sqlite_only
from tests.marketing.test_loyalty import T0, World, months

D = Decimal


@pytest.fixture
def world(marketing_app: App) -> World:
    return World(marketing_app)


def test_the_schema_matches_the_migration(marketing_app: App) -> None:
    ours = {table.__tablename__ for table in TABLES}
    assert [line for line in check(marketing_app) if any(name in line for name in ours)] == []


# ----------------------------------------------------------------------------- access


def test_an_agent_sees_only_the_members_of_customers_he_sees(world: World) -> None:
    for cid in (world.zhang, world.wang, world.liu):
        world.enrol(cid)
        world.do(top_up, cid, "100")
    world.buy(world.liu, "300.00", at=months(0, 1))
    rows = world.do(list_members, as_user="zhao", at=months(1))
    assert [r.customer_id for r in rows] == [world.liu]
    with pytest.raises(NotFoundError):
        world.do(member_detail, world.zhang, as_user="zhao")
    with pytest.raises(ValidationError, match="customer_id"):
        world.do(spend_stored_value, world.zhang, "10", as_user="zhao")
    report = world.do(loyalty_report, as_user="zhao", at=months(1))
    assert (report.members, report.stored_value_liability, report.tiers[0].spend) == (
        1, D("100.00"), D("300.00"))
    assert world.do(loyalty_report, as_user="li", at=months(1)).members == 2


def test_a_viewer_may_read_but_not_redeem(world: World) -> None:
    world.enrol(world.zhang)
    world.do(adjust_points, world.zhang, 50, reason="开卡礼")
    from guanxi.services.staff import add_staff, grant_role

    with world.app.transaction(now=T0) as uow:
        add_staff(uow, username="vera", display_name="Vera")
        grant_role(uow, staff="vera", role="viewer")
    with pytest.raises(AccessDenied):
        world.do(redeem_points, world.zhang, 10, as_user="vera")
    assert world.points(world.zhang) == 50


# ----------------------------------------------------------------------------- privacy


def test_export_and_erasure_of_a_member(world: World) -> None:
    world.enrol(world.zhang, card_number="6222000011112222", card_label="联名卡")
    world.buy(world.zhang, "200.00", at=months(0, 1))
    world.do(redeem_points, world.zhang, 20, reason="兑换 张三 的礼品", at=months(0, 2))
    world.do(top_up, world.zhang, "88.80", reference="小票 张三")
    world.do(define_coupon, name="GIFT", valid_from="2025-01-01", valid_to="2025-12-31",
             value="10")
    world.do(issue_coupon, "GIFT", world.zhang)
    with world.app.transaction(now=months(1)) as uow:
        exported = export_personal_data(uow, world.zhang)["plugins"]["marketing"]["loyalty"]
    assert exported["membership"]["card_number"] == "6222000011112222"
    assert [e["reason"] for e in exported["points"]] == [None, "兑换 张三 的礼品"]
    assert exported["stored_value"][0]["reference"] == "小票 张三"
    assert len(exported["coupons"]) == 1
    with world.app.transaction(now=months(1)) as uow:
        erase_customer(uow, world.zhang, reason="本人要求")
    member = world.member(world.zhang)
    assert (member.card_number, member.member_number) == (None, f"erased-{member.id}")
    assert (member.points_balance, member.stored_value_balance) == (180, D("88.80"))
    with world.app.transaction(now=months(1)) as uow:
        again = export_personal_data(uow, world.zhang)["plugins"]["marketing"]["loyalty"]
        assert ledger_balances(uow, world.zhang).points == 180
    assert [e["reason"] for e in again["points"]] == [None, None]
    assert again["stored_value"][0]["reference"] is None


def test_a_customer_with_nothing_in_the_programme_exports_nothing(world: World) -> None:
    with world.app.transaction() as uow:
        assert "loyalty" not in (export_personal_data(uow, world.wang)["plugins"]
                                 .get("marketing") or {})


# ----------------------------------------------------------------------------- report


def test_the_member_analysis(world: World) -> None:
    for cid in (world.zhang, world.wang, world.liu):
        world.enrol(cid)
    world.buy(world.zhang, "12000.00", at=months(0, 1))  # 12,000 points, then gold
    world.buy(world.wang, "100.00", at=months(0, 1))
    world.do(redeem_points, world.zhang, 4000, at=months(0, 2))
    world.do(top_up, world.wang, "500")
    world.do(spend_stored_value, world.wang, "120.50")
    middle = world.do(loyalty_report, at=months(6))
    assert [(t.tier, t.active, t.spend, t.spend_per_member, t.points) for t in middle.tiers] == [
        ("bronze", 2, D("100.00"), D("50.00"), 100), ("silver", 0, D("0"), D("0.00"), 0),
        ("gold", 1, D("12000.00"), D("12000.00"), 8000)]
    world.do(review_tiers, at=months(13))  # the purchase left the period: back to bronze
    report = world.do(loyalty_report, start="2025-01-01", end="2025-12-31", at=months(13))
    bronze = report.tiers[0]
    assert (bronze.tier, bronze.active, bronze.spend) == ("bronze", 3, D("12100.00"))
    assert (report.members, report.points_outstanding, report.points_liability) == (
        3, 8100, D("81.00"))
    assert (report.points_earned, report.points_redeemed, report.redemption_rate) == (
        12100, 4000, round(4000 / 12100, 4))
    assert report.stored_value_liability == D("379.50")
    plain = world.do(loyalty_report_dict, start="2025-01-01", at=months(1))
    assert (plain["report"], plain["points_outstanding"]) == ("marketing.loyalty", 8100)
    with pytest.raises(ValidationError, match="field 'start'"):
        world.do(loyalty_report, start="2026-01-01", end="2025-01-01")
    with pytest.raises(ValidationError, match="field 'end'"):
        world.do(loyalty_report, end="soon")


# ----------------------------------------------------------------------------- command line


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    cli("init", "--db", database_url)
    cli("staff", "add", "li", "李强")
    cli("access", "grant", "li", "agent")
    return cli


def test_the_command_line_runs_the_programme(gx: GuanxiCli) -> None:
    a = gx.json("customer", "add", "张三", "--email", "zs@example.cn", "--owner", "li")["id"]
    b = gx.json("customer", "add", "李四", "--owner", "li")["id"]
    assert "tier bronze" in gx("marketing", "loyalty", "enrol", "zs@example.cn", "--card",
                               "62220001", "--label", "联名卡").stdout
    gx("marketing", "loyalty", "enrol", str(b), "--tier", "gold")
    gx("interaction", "log", str(a), "--kind", "core.purchase", "--revenue", "2500.00")
    listed = gx.json("marketing", "loyalty", "list")
    assert [(r["customer_id"], r["tier"], r["points"]) for r in listed] == [
        (a, "silver", 2500), (b, "gold", 0)]
    assert "redeemed 500 points" in gx("marketing", "loyalty", "redeem", str(a), "500").stdout
    assert "+20 points" in gx("marketing", "loyalty", "adjust", str(a), "--points", "20",
                              "--reason", "补录").stdout
    assert "-10 points" in gx("marketing", "loyalty", "adjust", str(a), "--points", "-10",
                              "--reason", "更正").stdout
    assert "earned 150 points" in gx("marketing", "loyalty", "earn", str(a), "100").stdout
    assert "balance 300.00" in gx("marketing", "loyalty", "topup", str(a), "300").stdout
    spent = gx("marketing", "loyalty", "spend", str(a), "99.50", "--reference", "T-1").stdout
    assert "balance 200.50" in spent
    entry = spent.split("entry ")[1].rstrip(")\n")
    assert "balance 300.00" in gx("marketing", "loyalty", "refund", entry).stdout
    shown = gx.json("marketing", "loyalty", "show", str(a))
    assert (shown["member"]["points"], shown["card_number"], shown["ledgers"]["points"]) == (
        2160, "62220001", 2160)
    assert "points: 2160" in gx("marketing", "loyalty", "show", str(a)).stdout
    benefits = gx.json("marketing", "loyalty", "benefits", str(b))
    assert (benefits["discount_percent"], benefits["services"][0]) == ("10", "生日礼品")
    assert "生日礼品" in gx("marketing", "loyalty", "benefits", str(b)).stdout
    assert "1 members reviewed" not in gx("marketing", "loyalty", "review").stdout
    assert "0 points of 0 members expired" in gx("marketing", "loyalty", "expire").stdout
    report = gx.json("marketing", "loyalty", "report")
    assert (report["members"], report["stored_value_liability"]) == (2, "300.00")
    assert "points liability: 21.60" in gx("marketing", "loyalty", "report").stdout
    assert "cancelled" in gx("marketing", "loyalty", "cancel", str(b)).stdout
    ran = gx.json("report", "run", "marketing.loyalty")
    assert ran["members"] == 2


def test_coupons_on_the_command_line(gx: GuanxiCli) -> None:
    a = gx.json("customer", "add", "张三", "--owner", "li")["id"]
    assert "defined coupon SPRING50" in gx(
        "marketing", "loyalty", "coupons", "define", "SPRING50", "--from", "2020-01-01",
        "--to", "2099-12-31", "--value", "50", "--min-spend", "300", "--quantity", "10").stdout
    assert gx.json("marketing", "loyalty", "coupons", "list")[0]["issued"] == 0
    issued = gx.json("marketing", "loyalty", "coupons", "issue", "SPRING50", "--customer",
                     str(a))
    code = issued[0]["code"]
    assert gx.json("marketing", "loyalty", "coupons", "issued", "SPRING50")[0]["status"] == "open"
    assert "50.00 off 300.00" in gx("marketing", "loyalty", "coupons", "redeem", code,
                                    "--customer", str(a), "--amount", "300").stdout
    assert "already used" in gx.fails("marketing", "loyalty", "coupons", "redeem", code,
                                      "--customer", str(a), "--amount", "300")
    assert "give exactly one" in gx.fails("marketing", "loyalty", "coupons", "issue",
                                          "SPRING50")
    listed = gx.json("marketing", "loyalty", "coupons", "issued", "--customer", str(a))
    assert [(c["code"], c["status"], c["discount"]) for c in listed] == [
        (code, "redeemed", "50.00")]


def test_bad_input_on_the_command_line_is_one_line_and_stores_nothing(gx: GuanxiCli) -> None:
    a = gx.json("customer", "add", "张三", "--owner", "li")["id"]
    b = gx.json("customer", "add", "李四", "--owner", "li")["id"]
    gx("marketing", "loyalty", "enrol", str(a))
    assert "field 'points'" in gx.fails("marketing", "loyalty", "redeem", str(a), "5")
    assert "field 'amount'" in gx.fails("marketing", "loyalty", "spend", str(a), "1")
    assert "field 'amount'" in gx.fails("marketing", "loyalty", "topup", str(a), "1.005")
    assert "field 'customer'" in gx.fails("marketing", "loyalty", "enrol", "nobody@x.cn")
    assert "field 'tier'" in gx.fails("marketing", "loyalty", "list", "--tier", "iron")
    assert "field 'customer'" in gx.fails("marketing", "loyalty", "show", "nobody")
    assert "is not a member" in gx.fails("marketing", "loyalty", "benefits", str(b))
    shown = gx.json("marketing", "loyalty", "show", str(a))
    assert (shown["member"]["points"], shown["member"]["stored_value"], shown["points"]) == (
        0, "0.00", [])


def test_the_demo_has_a_programme_with_members_points_and_coupons(
    tmp_path: Path, database_url: str
) -> None:
    demo_content_on_sqlite_only(database_url)
    demo = GuanxiCli(tmp_path / "demo", database_url, plugins=["marketing"])
    demo("init", "--demo", "--db", database_url)
    members = demo.json("marketing", "loyalty", "list", "--status", "all")
    assert len(members) == 60
    assert {m["tier"] for m in members} >= {"bronze", "silver"}
    assert {m["status"] for m in members} == {"active", "lapsed"}
    assert sum(m["points"] for m in members) > 0
    for member in members[:10]:
        shown = demo.json("marketing", "loyalty", "show", str(member["customer_id"]))
        assert shown["ledgers"]["points"] == shown["member"]["points"]
    report = demo.json("marketing", "loyalty", "report")
    assert report["points_earned"] > 0 and Decimal(report["stored_value_liability"]) > 0
    assert demo.json("marketing", "loyalty", "coupons", "list")[0]["issued"] == 20
