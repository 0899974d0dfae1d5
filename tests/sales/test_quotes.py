"""Products and quotes: exact totals, numbering, versions, diffs, HTML, demand, access, CLI.

Every figure here is computed by hand in the comments next to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App, create_app
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import Interaction
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, grant_role
from guanxi.testing import GuanxiCli
from guanxi_sales.demand import product_demand
from guanxi_sales.models import Opportunity, Quote, QuoteLine
from guanxi_sales.products import (
    add_product,
    line_amounts,
    list_products,
    quote_totals,
    update_product,
)
from guanxi_sales.quote_documents import diff_quote, render_quote
from guanxi_sales.quotes import (
    accept_quote,
    create_quote,
    erase_personal_data,
    get_quote,
    list_quotes,
    personal_data,
    reject_quote,
    revise_quote,
    send_quote,
)
from tests.conftest import demo_content_on_sqlite_only

D = Decimal
# 10:00 on 1 May 2026 in Shanghai (the generic edition's zone).
MAY_1 = dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC)
# Line 1: 3 × 80.00 (dealer) − 5 % = 228.00, discount 12.00, tax 13 % = 29.64
# Line 2: 1.5 × 33.33 = 49.995 → 50.00 (half-even), tax 6 % = 3.00
# Subtotal 290.00, discount 12.00, tax 32.64, total 278.00 + 32.64 = 310.64
TWO_LINES = [
    {"product": "P-100", "quantity": "3", "price_level": "dealer", "discount_pct": "5"},
    {"product": "S-200", "quantity": "1.5"},
]


@pytest.fixture
def world(sales_app: App) -> dict[str, Any]:
    """Two staff users, two companies, two products."""
    with sales_app.transaction(now=MAY_1) as uow:
        for username, name, role in (
            ("chen.agent", "陈销售", "agent"),
            ("li.other", "李其他", "agent"),
            ("zhao.viewer", "赵查看", "viewer"),
        ):
            add_staff(uow, username=username, display_name=name, email=f"{username}@x.example")
            grant_role(uow, staff=username, role=role)
        mine = add_customer(
            uow,
            name="北京星辰科技有限公司",
            kind="organization",
            owner="chen.agent",
            emails=["buy@xingchen.example"],
        )
        other = add_customer(uow, name="上海远方贸易公司", kind="organization", owner="li.other")
        add_product(
            uow,
            sku="P-100",
            name="工业传感器",
            list_price="100.00",
            specification="IP67, 4-20mA",
            unit="台",
            price_levels={"dealer": "80.00"},
        )
        add_product(
            uow, sku="S-200", name="安装服务", list_price="33.33", unit="次", tax_rate="0.06"
        )
    return {"app": sales_app, "mine": mine.id, "other": other.id}


def _count(app: App, model: Any) -> int:
    with app.engine.connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar_one()


def _opportunity(
    app: App,
    customer_id: int,
    *,
    probability: int = 50,
    expected_close: dt.date = dt.date(2026, 6, 15),
    status: str = "open",
) -> int:
    with app.transaction(now=MAY_1) as uow:
        opp = Opportunity(
            customer_id=customer_id,
            name="传感器项目",
            pipeline="default",
            stage="proposal",
            status=status,
            amount=D("1000.00"),
            probability=probability,
            expected_close=expected_close,
            created_at=uow.now,
            updated_at=uow.now,
        )
        uow.session.add(opp)
        uow.session.flush()
        assert opp.id is not None
        return opp.id


# --------------------------------------------------------------------------- amounts


def test_line_amounts_round_half_even_once() -> None:
    # 1 × 0.25 − 50 % = 0.125 → 0.12 (half-even; half-up would give 0.13)
    assert line_amounts(D(1), D("0.25"), D(50), D(0)).net == D("0.12")
    # 2.5 × 19.99 = 49.975 → gross 49.98; × 0.875 = 43.728125 → 43.73; tax 5.6849 → 5.68
    amounts = line_amounts(D("2.5"), D("19.99"), D("12.5"), D("0.13"))
    assert (amounts.gross, amounts.discount, amounts.net, amounts.tax) == (
        D("49.98"),
        D("6.25"),
        D("43.73"),
        D("5.68"),
    )
    totals = quote_totals([amounts, line_amounts(D(1), D("0.25"), D(50), D(0))])
    assert (totals.subtotal, totals.discount_total, totals.tax_total, totals.total) == (
        D("50.23"),
        D("6.38"),
        D("5.68"),
        D("49.53"),
    )  # 43.73 + 0.12 + 5.68


def test_create_quote_totals_number_and_version(world: dict[str, Any]) -> None:
    app = world["app"]
    with app.transaction(now=MAY_1) as uow:
        first = create_quote(uow, customer_id=world["mine"], lines=TWO_LINES, notes="首次报价")
        second = create_quote(uow, customer_id=world["other"], lines=TWO_LINES[1:])
    q = first.quote
    assert (q.number, q.version, q.status) == ("Q-2026-0001", 1, "draft")
    assert second.quote.number == "Q-2026-0002"
    assert q.valid_until == dt.date(2026, 5, 31)  # 1 May + 30 days
    assert (q.subtotal, q.discount_total, q.tax_total, q.total) == (
        D("290.00"),
        D("12.00"),
        D("32.64"),
        D("310.64"),
    )
    with app.transaction() as uow:
        stored = get_quote(uow, "Q-2026-0001")
    assert [
        (ln.position, stored.skus[ln.product_id], ln.unit_price, ln.line_total, ln.price_level)
        for ln in stored.lines
    ] == [
        (1, "P-100", D("80.00"), D("228.00"), "dealer"),
        (2, "S-200", D("33.33"), D("50.00"), "list"),
    ]
    assert stored.lines[0].specification == "IP67, 4-20mA"
    assert stored.quote.total == D("310.64")


def test_number_prefix_setting_and_yearly_sequence(make_sales_app: Callable[..., App]) -> None:
    app = make_sales_app(
        settings={"sales": {"quote_number_prefix": "BJ", "quote_validity_days": 10}}
    )
    with app.transaction(now=MAY_1) as uow:
        cid = add_customer(uow, name="客户甲", kind="organization").id
        add_product(uow, sku="X", name="X", list_price="1.00")
        numbers = [
            create_quote(uow, customer_id=cid, lines=[{"product": "X", "quantity": 1}]).quote
            for _ in range(2)
        ]
    with app.transaction(now=dt.datetime(2027, 1, 2, tzinfo=dt.UTC)) as uow:
        numbers.append(
            create_quote(uow, customer_id=cid, lines=[{"product": "X", "quantity": 1}]).quote
        )
    assert [q.number for q in numbers] == ["BJ-2026-0001", "BJ-2026-0002", "BJ-2027-0001"]
    assert numbers[0].valid_until == dt.date(2026, 5, 11)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"product": "P-100", "quantity": "-1"}, "lines[2].quantity"),
        ({"product": "P-100", "quantity": "0"}, "greater than zero"),
        ({"product": "P-100", "quantity": "1", "unit_price": "-5.00"}, "must not be negative"),
        ({"product": "P-100", "quantity": "1", "discount_pct": "120"}, "at most 100"),
        ({"product": "NOPE", "quantity": "1"}, "unknown product 'NOPE'"),
        ({"product": "P-100", "quantity": "1", "price_level": "vip"}, "no price level 'vip'"),
        ({"product": "P-100", "quantity": "1", "unit_price": "1.005"}, "2 decimal places"),
        ({"product": "P-100", "quantity": "abc"}, "not a number"),
        ({"product": "P-100", "quantity": "1", "colour": "red"}, "unknown line field"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_stored(
    world: dict[str, Any], line: dict, message: str
) -> None:
    app = world["app"]
    with (
        pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")),
        app.transaction(now=MAY_1) as uow,
    ):
        create_quote(uow, customer_id=world["mine"], lines=[TWO_LINES[1], line])
    assert _count(app, Quote) == 0 and _count(app, QuoteLine) == 0


def test_quote_for_unknown_customer_or_lost_opportunity(world: dict[str, Any]) -> None:
    app = world["app"]
    with pytest.raises(NotFoundError), app.transaction(now=MAY_1) as uow:
        create_quote(uow, customer_id=999_999, lines=TWO_LINES)
    lost = _opportunity(app, world["mine"], status="lost")
    elsewhere = _opportunity(app, world["other"])
    for opp, message in ((lost, "is lost"), (elsewhere, "another customer")):
        with pytest.raises(ValidationError, match=message), app.transaction(now=MAY_1) as uow:
            create_quote(uow, customer_id=world["mine"], lines=TWO_LINES, opportunity_id=opp)
    with pytest.raises(ValidationError, match="in the past"), app.transaction(now=MAY_1) as uow:
        create_quote(uow, customer_id=world["mine"], lines=TWO_LINES, valid_until="2026-04-01")
    assert _count(app, Quote) == 0


# --------------------------------------------------------------------------- products


def test_products_levels_update_and_listing(world: dict[str, Any]) -> None:
    app = world["app"]
    with app.transaction() as uow, pytest.raises(ValidationError, match="taken"):
        add_product(uow, sku="P-100", name="again", list_price="1.00")
    with pytest.raises(ValidationError, match="must not be negative"), app.transaction() as uow:
        add_product(uow, sku="NEG", name="负价", list_price="-1.00")
    with app.transaction() as uow:
        changed = update_product(
            uow,
            "P-100",
            list_price="110.00",
            set_levels={"vip": "75.50"},
            drop_levels=["dealer"],
            tax_rate="0.09",
        )
        assert changed.price_levels == {"vip": "75.50"}
        update_product(uow, "S-200", active=False)
        assert [p.sku for p in list_products(uow)] == ["P-100"]
        assert [p.sku for p in list_products(uow, include_inactive=True)] == ["P-100", "S-200"]
    with app.transaction(now=MAY_1) as uow:
        detail = create_quote(
            uow,
            customer_id=world["mine"],
            lines=[{"product": "P-100", "quantity": 2, "price_level": "vip"}],
        )
        # 2 × 75.50 = 151.00, tax 9 % = 13.59
        assert (detail.quote.subtotal, detail.quote.tax_total) == (D("151.00"), D("13.59"))
        with pytest.raises(ValidationError, match="not active"):
            create_quote(
                uow, customer_id=world["mine"], lines=[{"product": "S-200", "quantity": 1}]
            )


# --------------------------------------------------------------------------- versions


def test_revise_supersedes_and_diff_shows_price_changes(world: dict[str, Any]) -> None:
    app = world["app"]
    with app.transaction(now=MAY_1) as uow:
        number = create_quote(uow, customer_id=world["mine"], lines=TWO_LINES).quote.number
        send_quote(uow, number)
    with app.transaction(now=MAY_1 + dt.timedelta(days=3)) as uow:
        v2 = revise_quote(
            uow,
            number,
            changes={"P-100": {"unit_price": "78.00"}},
            add=[{"product": "S-200", "quantity": 2, "discount_pct": "10"}],
        )
    # P-100: 3 × 78.00 − 5 % = 222.30 (tax 28.899 → 28.90); S-200 as before 50.00 (3.00);
    # new S-200: 2 × 33.33 = 66.66 − 10 % = 59.994 → 59.99 (tax 3.5994 → 3.60)
    assert (v2.quote.number, v2.quote.version, v2.quote.status) == (number, 2, "draft")
    assert v2.quote.valid_until == dt.date(2026, 6, 3)
    assert (v2.quote.subtotal, v2.quote.discount_total, v2.quote.tax_total, v2.quote.total) == (
        D("350.66"),
        D("18.37"),
        D("35.50"),
        D("367.79"),
    )
    with app.transaction() as uow:
        assert get_quote(uow, number, 1).quote.status == "superseded"
        assert [q.version for q in list_quotes(uow)] == [2]
        assert sorted(q.version for q in list_quotes(uow, all_versions=True)) == [1, 2]
        diff = diff_quote(uow, number)
    assert (diff.old_version, diff.new_version, diff.total) == (1, 2, (D("310.64"), D("367.79")))
    assert [(c.product, c.change) for c in diff.lines] == [("P-100", "changed"), ("S-200", "added")]
    price = diff.lines[0]
    assert price.unit_price == (D("80.00"), D("78.00"))
    assert price.price_level == ("dealer", "manual")
    assert price.line_total == (D("228.00"), D("222.30"))
    assert diff.lines[1].quantity == (None, D("2.0000"))
    with app.transaction(now=MAY_1 + dt.timedelta(days=4)) as uow:
        # v3: re-price P-100 at a level, drop the first S-200 lines, change a quantity
        v3 = revise_quote(
            uow, number, changes={"P-100": {"price_level": "list", "quantity": 4}}, remove=["S-200"]
        )
        assert [(ln.unit_price, ln.quantity) for ln in v3.lines] == [(D("100.00"), D("4"))]
        diff = diff_quote(uow, number, 1, 3)
    assert [(c.product, c.change) for c in diff.lines] == [
        ("P-100", "changed"),
        ("S-200", "removed"),
    ]
    assert diff.lines[0].quantity == (D("3.0000"), D("4.0000"))
    assert diff.lines[0].discount_pct == (D("5.0000"), D("5.0000"))


def test_status_changes_log_on_the_timeline(world: dict[str, Any]) -> None:
    app = world["app"]
    opp = _opportunity(app, world["mine"])
    with app.transaction(now=MAY_1, as_user="chen.agent") as uow:
        created = create_quote(
            uow, customer_id=world["mine"], lines=TWO_LINES, opportunity_id=opp
        ).quote
        first = created.number
        second = create_quote(uow, customer_id=world["mine"], lines=TWO_LINES[1:]).quote.number
        send_quote(uow, first)
        send_quote(uow, second, channel="chat")
        accept_quote(uow, first)
        reject_quote(uow, second, reason="价格太高")
    with app.transaction() as uow:
        rows = uow.session.scalars(
            select(Interaction)
            .where(Interaction.kind.like("sales.quote%"))
            .order_by(Interaction.id)
        ).all()
        opportunity = uow.session.get(Opportunity, opp)
        assert opportunity is not None and opportunity.status == "open"  # not won by accept
        with pytest.raises(ValidationError, match="accepted and cannot be revised"):
            revise_quote(uow, first, changes={"S-200": {"quantity": 9}})
        with pytest.raises(ValidationError, match="only a draft"):
            send_quote(uow, first)
    assert [(r.kind, r.channel, r.direction) for r in rows] == [
        ("sales.quote_sent", "email", "outbound"),
        ("sales.quote_sent", "chat", "outbound"),
        ("sales.quote_accepted", "other", "inbound"),
        ("sales.quote_rejected", "other", "inbound"),
    ]
    assert rows[2].payload == {
        "quote_id": created.id,
        "number": first,
        "version": 1,
        "total": "310.64",
        "opportunity_id": opp,
    }
    assert rows[0].actor_id is not None
    assert "价格太高" in (rows[3].subject or "")


def test_an_expired_quote_cannot_be_accepted(world: dict[str, Any]) -> None:
    app = world["app"]
    with app.transaction(now=MAY_1) as uow:
        number = create_quote(
            uow, customer_id=world["mine"], lines=TWO_LINES, valid_until="2026-05-05"
        ).quote.number
        send_quote(uow, number)
    with (
        pytest.raises(ValidationError, match="expired on 2026-05-05"),
        app.transaction(now=MAY_1 + dt.timedelta(days=10)) as uow,
    ):
        accept_quote(uow, number)


# --------------------------------------------------------------------------- HTML


def test_render_html_has_lines_totals_and_chinese(world: dict[str, Any]) -> None:
    app = world["app"]
    with app.transaction(now=MAY_1, as_user="chen.agent") as uow:
        number = create_quote(
            uow, customer_id=world["mine"], lines=TWO_LINES, notes="含税价 <b>不含运费</b>"
        ).quote.number
        html = render_quote(uow, number)
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "报价单" in html and "北京星辰科技有限公司" in html and "陈销售" in html
    assert "工业传感器" in html and "IP67, 4-20mA" in html and "安装服务" in html
    assert html.count('<tr class="line">') == 2
    for figure in ("228.00", "50.00", "290.00", "12.00", "32.64", "310.64", "1.5 次", "3 台"):
        assert figure in html, figure
    assert "&lt;b&gt;不含运费&lt;/b&gt;" in html  # autoescaped
    assert "<link" not in html and "<script" not in html  # self-contained


def test_an_edition_template_overrides_the_quote(
    make_sales_app: Callable[..., App], tmp_path: Path
) -> None:
    edition = tmp_path / "acme"
    (edition / "templates" / "sales").mkdir(parents=True)
    (edition / "edition.toml").write_text(
        'name = "acme"\ntitle = "Acme 医疗"\nversion = "1.0"\n[settings.core]\n'
        'timezone = "Asia/Shanghai"\n',
        encoding="utf-8",
    )
    (edition / "templates" / "sales" / "quote.html").write_text(
        "<p>ACME {{ quote.number }} {{ customer.name }} {{ quote.total }} "
        "{% for l in lines %}[{{ l.sku }}]{% endfor %} {{ edition.title }}</p>",
        encoding="utf-8",
    )
    app = make_sales_app(edition=str(edition))
    with app.transaction(now=MAY_1) as uow:
        cid = add_customer(uow, name="王医生", kind="person").id
        add_product(uow, sku="M-1", name="监护仪", list_price="10.00", tax_rate="0")
        number = create_quote(
            uow, customer_id=cid, lines=[{"product": "M-1", "quantity": 2}]
        ).quote.number
        html = render_quote(uow, number)
    assert html == f"<p>ACME {number} 王医生 20.00 [M-1] Acme 医疗</p>"


# --------------------------------------------------------------------------- demand


def test_product_demand_by_month_and_quarter(world: dict[str, Any]) -> None:
    app = world["app"]
    opp = _opportunity(app, world["other"], probability=50, expected_close=dt.date(2026, 6, 15))
    later_lost = _opportunity(app, world["other"])
    april = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)
    with app.transaction(now=april) as uow:
        expired = create_quote(
            uow, customer_id=world["mine"], lines=TWO_LINES, valid_until="2026-04-10"
        ).quote.number
    with app.transaction(now=MAY_1) as uow:
        a = create_quote(
            uow, customer_id=world["mine"], lines=TWO_LINES, valid_until="2026-05-20"
        ).quote.number
        send_quote(uow, a)
        # 10 × 100.00 = 1000.00, linked to an open opportunity at 50 %
        b = create_quote(
            uow,
            customer_id=world["other"],
            opportunity_id=opp,
            lines=[{"product": "P-100", "quantity": 1}],
        ).quote.number
        revise_quote(uow, b, changes={"P-100": {"quantity": 10}})
        done = create_quote(uow, customer_id=world["mine"], lines=TWO_LINES).quote.number
        accept_quote(uow, done)
        create_quote(uow, customer_id=world["other"], lines=TWO_LINES)  # no opportunity
        create_quote(uow, customer_id=world["other"], lines=TWO_LINES, opportunity_id=later_lost)
        lost = uow.session.get(Opportunity, later_lost)
        assert lost is not None
        lost.status = "lost"  # lost after it was quoted: its quote is no demand any more
        monthly = product_demand(uow, period="month")
        quarterly = product_demand(uow, period="quarter")
        june = product_demand(uow, start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))
    assert expired
    # May: quote a (valid 20 May) and the one without an opportunity (valid 31 May);
    # June: quote b at its opportunity's close date, weighted at 50 %.
    rows = {(r.period, r.product): r for r in monthly}
    may_p = rows[("2026-05", "P-100")]
    assert (may_p.quantity, may_p.amount, may_p.weighted_quantity, may_p.quotes) == (
        D("6.0000"),
        D("456.00"),
        D("6.0000"),
        2,
    )
    may_s = rows[("2026-05", "S-200")]
    assert (may_s.quantity, may_s.amount) == (D("3.0000"), D("100.00"))
    june_p = rows[("2026-06", "P-100")]
    assert (
        june_p.quantity,
        june_p.amount,
        june_p.weighted_quantity,
        june_p.weighted_amount,
        june_p.quotes,
    ) == (D("10.0000"), D("1000.00"), D("5.0000"), D("500.00"), 1)
    assert set(rows) == {("2026-05", "P-100"), ("2026-05", "S-200"), ("2026-06", "P-100")}
    q2 = {r.product: r for r in quarterly}
    assert [r.period for r in quarterly] == ["2026-Q2", "2026-Q2"]
    assert (q2["P-100"].quantity, q2["P-100"].amount, q2["P-100"].weighted_amount) == (
        D("16.0000"),
        D("1456.00"),
        D("956.00"),
    )
    assert [(r.period, r.product) for r in june] == [("2026-06", "P-100")]


# --------------------------------------------------------------------------- access, privacy


def test_record_policies_and_permissions(world: dict[str, Any]) -> None:
    app = world["app"]
    with app.transaction(now=MAY_1) as uow:
        theirs = create_quote(uow, customer_id=world["other"], lines=TWO_LINES).quote.number
    with app.transaction(now=MAY_1, as_user="chen.agent") as uow:
        mine = create_quote(uow, customer_id=world["mine"], lines=TWO_LINES).quote.number
        assert [q.number for q in list_quotes(uow)] == [mine]
        assert {r.quotes for r in product_demand(uow)} == {1}
        for path in (
            lambda: get_quote(uow, theirs),
            lambda: send_quote(uow, theirs),
            lambda: render_quote(uow, theirs),
            lambda: diff_quote(uow, theirs),
        ):
            with pytest.raises(NotFoundError):
                path()
    with pytest.raises(NotFoundError), app.transaction(now=MAY_1, as_user="chen.agent") as uow:
        create_quote(uow, customer_id=world["other"], lines=TWO_LINES)
    with pytest.raises(AccessDenied), app.transaction(as_user="chen.agent") as uow:
        add_product(uow, sku="Z", name="Z", list_price="1.00")
    with pytest.raises(AccessDenied), app.transaction(as_user="zhao.viewer") as uow:
        create_quote(uow, customer_id=world["mine"], lines=TWO_LINES)
    assert _count(app, Quote) == 2


def test_personal_data_and_erasure(world: dict[str, Any]) -> None:
    app = world["app"]
    with app.transaction(now=MAY_1) as uow:
        number = create_quote(
            uow, customer_id=world["mine"], lines=TWO_LINES, notes="王总手机 13800138000"
        ).quote.number
        revise_quote(uow, number, changes={"S-200": {"quantity": 2}})
        exported = personal_data(uow, world["mine"])
        assert personal_data(uow, world["other"]) == {}
        erase_personal_data(uow, world["mine"])
    assert [(q["number"], q["version"], q["notes"]) for q in exported["quotes"]] == [
        (number, 1, "王总手机 13800138000"),
        (number, 2, "王总手机 13800138000"),
    ]
    assert [ln["sku"] for ln in exported["quotes"][0]["lines"]] == ["P-100", "S-200"]
    with app.transaction() as uow:
        quotes = uow.session.scalars(select(Quote)).all()
    assert [q.notes for q in quotes] == [None, None]
    # v2: 228.00 + 29.64 tax; 2 × 33.33 = 66.66 + 3.9996 → 4.00 tax: 328.30. Amounts stay.
    assert sorted(q.total for q in quotes) == [D("310.64"), D("328.30")]


def test_reports_are_registered(world: dict[str, Any]) -> None:
    app = world["app"]
    assert {"sales.product_demand", "sales.commissions"} <= set(app.registry.reports)
    with app.transaction(now=MAY_1) as uow:
        create_quote(uow, customer_id=world["mine"], lines=TWO_LINES)
        result = app.registry.reports["sales.product_demand"].func(uow, period="quarter")
    assert result["period"] == "quarter"
    assert [(r["period"], r["product"], r["amount"]) for r in result["rows"]] == [
        ("2026-Q2", "P-100", "228.00"),
        ("2026-Q2", "S-200", "50.00"),
    ]


def test_demo_data_has_products_and_quotes(sales_app: App) -> None:
    from guanxi.demo import generate_demo

    demo_content_on_sqlite_only(sales_app)
    generate_demo(sales_app)
    with sales_app.transaction() as uow:
        statuses = set(uow.session.scalars(select(Quote.status)))
        assert len(list_products(uow)) == 5
    assert {"superseded", "accepted"} <= statuses
    assert _count(sales_app, Quote) >= 12


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    guanxi = GuanxiCli(tmp_path / "crm", database_url, plugins=["sales"])
    guanxi("init", "--db", database_url)
    return guanxi


def test_cli_products_quotes_render_and_demand(gx: GuanxiCli, tmp_path: Path) -> None:
    gx("staff", "add", "chen.agent", "陈销售")
    gx("access", "grant", "chen.agent", "agent")
    cid = gx.json("customer", "add", "北京星辰科技有限公司", "--org-kind", "--owner", "chen.agent")[
        "id"
    ]
    assert (
        "added product P-100"
        in gx(
            "sales",
            "product",
            "add",
            "P-100",
            "工业传感器",
            "--price",
            "100.00",
            "--level",
            "dealer=80.00",
            "--spec",
            "IP67",
            "--unit",
            "台",
        ).stdout
    )
    gx("sales", "product", "add", "S-200", "安装服务", "--price", "33.33", "--tax-rate", "0.06")
    gx("sales", "product", "update", "S-200", "--level", "vip=30.00")
    products = gx.json("sales", "product", "list")
    assert [(p["sku"], p["price_levels"]) for p in products] == [
        ("P-100", {"dealer": "80.00"}),
        ("S-200", {"vip": "30.00"}),
    ]

    assert "unknown product 'NOPE'" in gx.fails(
        "sales", "quote", "add", str(cid), "--line", "NOPE,1"
    )
    assert "must not be negative" in gx.fails(
        "sales", "quote", "add", str(cid), "--line", "P-100,-2"
    )
    assert "SKU,QUANTITY" in gx.fails("sales", "quote", "add", str(cid), "--line", "P-100")
    assert gx.json("sales", "quote", "list") == []

    added = gx.json(
        "--as",
        "chen.agent",
        "sales",
        "quote",
        "add",
        str(cid),
        "--line",
        "P-100,3,level=dealer,discount=5",
        "--line",
        "S-200,1.5",
    )
    number = added["number"]
    assert (added["version"], added["total"], added["subtotal"]) == (1, "310.64", "290.00")
    shown = gx("sales", "quote", "show", number).stdout
    assert "工业传感器" in shown and "total 310.64 CNY" in shown
    revised = gx.json(
        "sales",
        "quote",
        "revise",
        number,
        "--set",
        "P-100,price=78.00",
        "--add",
        "S-200,2,discount=10",
    )
    assert (revised["number"], revised["version"], revised["total"]) == (number, 2, "367.79")
    diff = gx.json("sales", "quote", "diff", number)
    assert diff["lines"][0]["unit_price"] == ["80.00", "78.00"]
    assert diff["total"] == ["310.64", "367.79"]
    assert "80.00 → 78.00" in gx("sales", "quote", "diff", number).stdout
    assert gx.json("sales", "quote", "show", number, "--version", "1")["status"] == "superseded"

    out = tmp_path / "quote.html"
    gx("sales", "quote", "render", number, "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "北京星辰科技有限公司" in html and "367.79" in html and "222.30" in html

    gx("sales", "quote", "send", number)
    assert "only a draft" in gx.fails("sales", "quote", "send", number)
    assert "accepted quote" in gx("sales", "quote", "accept", number).stdout

    other = gx.json("sales", "quote", "add", str(cid), "--line", "P-100,2")["number"]
    demand = gx.json("sales", "demand", "--period", "quarter")
    assert [(r["product"], r["quantity"], r["amount"]) for r in demand] == [
        ("P-100", "2.0000", "200.00")
    ]
    gx("sales", "quote", "reject", other, "--reason", "预算不足")
    assert gx.json("sales", "demand") == []
    listed = gx.json("sales", "quote", "list", "--customer", str(cid))
    assert sorted((q["number"], q["status"]) for q in listed) == [
        (number, "accepted"),
        (other, "rejected"),
    ]


def test_cli_edition_override_through_the_project(tmp_path: Path, database_url: str) -> None:
    edition = tmp_path / "acme"
    (edition / "templates" / "sales").mkdir(parents=True)
    (edition / "edition.toml").write_text(
        'name = "acme"\ntitle = "Acme"\nversion = "1.0"\n', encoding="utf-8"
    )
    (edition / "templates" / "sales" / "quote.html").write_text(
        "ACME {{ quote.number }} {{ quote.total }}", encoding="utf-8"
    )
    gx = GuanxiCli(tmp_path / "crm", database_url, plugins=["sales"])
    gx("init", "--db", database_url, "--edition", str(edition))
    cid = gx.json("customer", "add", "甲公司", "--org-kind")["id"]
    gx("sales", "product", "add", "X", "X", "--price", "5.00", "--tax-rate", "0")
    number = gx.json("sales", "quote", "add", str(cid), "--line", "X,3")["number"]
    out = tmp_path / "q.html"
    gx("sales", "quote", "render", number, "--out", str(out))
    assert out.read_text(encoding="utf-8") == f"ACME {number} 15.00"
    app = create_app(
        gx.project,
        environ={"GUANXI_PLUGINS": "sales"},
        settings={"core": {"database_url": database_url}},
    )
    try:
        assert app.edition.name == "acme"
    finally:
        app.close()
