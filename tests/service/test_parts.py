"""Spare parts: catalogue, locations, receipts, transfers, counts, reservations for repair
orders, parts used, stock-outs, reorder points, turnover (hand-computed), access (service
plugin, parts area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.app import App
from guanxi.errors import AccessDenied, ValidationError
from guanxi_service.parts.catalogue import add_location, add_part, set_reorder
from guanxi_service.parts.reports import low_stock_rows, stock_rows, turnover_rows
from guanxi_service.parts.reservations import (
    list_reservations,
    list_stockouts,
    release,
    reserve,
    use_part,
)
from guanxi_service.parts.stock import adjust, receive, transfer
from guanxi_service.repairs.listing import repair_detail
from guanxi_service.repairs.service import cancel_repair, complete_repair, open_repair
from tests.service.repairs_support import DAY, HOUR, T0, count, make_world

TABLES = ("service_stock_movement", "service_part_reservation", "service_stockout",
          "service_stock_adjustment")


def counts(app: App) -> dict[str, int]:
    return {table: count(app, table) for table in TABLES}


def stock(app: App, part: str = "P-100", location: str = "XZ") -> tuple[int, int, int]:
    with app.transaction() as uow:
        row = stock_rows(uow, part=part, location=location)[0]
    return row.on_hand, row.reserved, row.available


@pytest.fixture
def world(service_app: App) -> dict[str, int]:
    """make_world, two parts, a central warehouse (XZ) and a station (CD)."""
    ids = make_world(service_app)
    with service_app.transaction(now=T0 - 10 * DAY) as uow:
        add_part(uow, number="p-100", name="液压泵密封圈", unit="个", unit_cost="10.00")
        add_part(uow, number="P-200", name="斗齿", unit="个", unit_cost="45.50")
        add_location(uow, code="xz", name="徐州中心库", kind="warehouse", region="华东")
        add_location(uow, code="CD", name="成都服务站", kind="station", region="西南")
        ids["repair"] = open_repair(uow, customer_id=ids["张三"], asset_id=ids["excavator"]).id
        ids["other"] = open_repair(uow, customer_id=ids["李四"], asset_id=ids["loader"]).id
    return ids


def test_the_catalogue_and_locations_refuse_bad_input(service_app: App, world: dict) -> None:
    with service_app.transaction() as uow:
        for fields, field in (({"number": " p-100", "name": "x"}, "number"),
                              ({"number": "P-300", "name": " "}, "name"),
                              ({"number": "P-300", "name": "x", "unit_cost": "-1"}, "unit_cost"),
                              ({"number": "P-300", "name": "x", "unit_cost": "1.005"},
                               "unit_cost")):
            with pytest.raises(ValidationError) as caught:
                add_part(uow, **fields)
            assert caught.value.field == field
        for fields, field in (({"code": "XZ", "name": "x"}, "code"),
                              ({"code": "SH", "name": "x", "kind": "shop"}, "kind")):
            with pytest.raises(ValidationError) as caught:
                add_location(uow, **fields)
            assert caught.value.field == field
    assert (count(service_app, "service_part"), count(service_app, "service_stock_location")) \
        == (2, 2)


def test_receipts_transfers_and_counts_keep_the_ledger(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        receive(uow, "P-100", "XZ", 20, reference="PO-2026-031")
        out, arrived = transfer(uow, "P-100", "XZ", "CD", 6)
        assert (out.quantity, out.on_hand_after, arrived.quantity, arrived.on_hand_after) == (
            -6, 14, 6, 6)
    before = counts(service_app)
    with pytest.raises(ValidationError) as caught, service_app.transaction(now=T0) as uow:
        transfer(uow, "P-100", "CD", "XZ", 7)
    assert caught.value.field == "quantity"
    assert str(caught.value).endswith(
        "cannot transfer 7 个 of P-100 at CD: only 6 available (6 on hand, 0 reserved)")
    assert counts(service_app) == before
    for args, field in ((("P-100", "XZ", "CD", 0), "quantity"), (("P-100", "XZ", "XZ", 1), "to"),
                        (("P-999", "XZ", "CD", 1), "part"), (("P-100", "BJ", "CD", 1), "from"),
                        (("P-100", "XZ", "CD", "two"), "quantity")):
        with pytest.raises(ValidationError) as caught, service_app.transaction(now=T0) as uow:
            transfer(uow, *args)
        assert caught.value.field == field
    with service_app.transaction(now=T0, as_user="wang") as uow, pytest.raises(AccessDenied):
        adjust(uow, "P-100", "XZ", 13, reason="盘点")
    with service_app.transaction(now=T0 + HOUR, as_user="boss") as uow:
        record = adjust(uow, "P-100", "XZ", 13, reason="盘点少一个")
        assert (record.book_quantity, record.counted_quantity) == (14, 13)
        with pytest.raises(ValidationError, match="book stock already"):
            adjust(uow, "P-100", "XZ", 13, reason="again")
        with pytest.raises(ValidationError) as caught:
            adjust(uow, "P-100", "XZ", 12, reason=" ")
        assert caught.value.field == "reason"
    with service_app.transaction(now=T0 + HOUR) as uow:
        with pytest.raises(ValidationError, match="before the last movement"):
            receive(uow, "P-100", "XZ", 1, at=T0 - HOUR)
        with pytest.raises(ValidationError, match="in the future"):
            receive(uow, "P-100", "XZ", 1, at=T0 + DAY)
    assert stock(service_app) == (13, 0, 13)
    assert stock(service_app, location="CD") == (6, 0, 6)


def test_reserving_more_than_available_is_refused_and_stores_nothing(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        receive(uow, "P-100", "XZ", 5)
        reserve(uow, world["other"], "P-100", "XZ", 2)
    before = counts(service_app)
    with pytest.raises(ValidationError) as caught, service_app.transaction(now=T0) as uow:
        reserve(uow, world["repair"], "P-100", "XZ", 4)
    assert caught.value.field == "quantity"
    assert "cannot reserve 4 个 of P-100 at XZ: only 3 available (5 on hand, 2 reserved)" in \
        str(caught.value)
    assert counts(service_app) == before
    assert stock(service_app) == (5, 2, 3)
    with service_app.transaction(now=T0) as uow:
        for args, field in (((world["repair"], "P-100", "XZ", -1), "quantity"),
                            ((9999, "P-100", "XZ", 1), "repair"),
                            ((world["repair"], "P-100", "CQ", 1), "location")):
            with pytest.raises(ValidationError) as caught:
                reserve(uow, *args)
            assert caught.value.field == field
    assert counts(service_app) == before


def test_a_backorder_reserves_what_is_there_and_records_the_stockout(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        receive(uow, "P-100", "XZ", 3)
        result = reserve(uow, world["repair"], "P-100", "XZ", 5, backorder=True, note="急件")
        assert (result.reservation.quantity, result.stockout.short) == (3, 2)
        empty = reserve(uow, world["other"], "P-200", "CD", 4, backorder=True)
        assert empty.reservation is None and empty.stockout.available == 0
    assert stock(service_app) == (3, 3, 0)
    # A receipt covering the older shortfall marks it filled; the larger one stays open.
    with service_app.transaction(now=T0 + 2 * DAY) as uow:
        receive(uow, "P-100", "XZ", 2)
        receive(uow, "P-200", "CD", 3)
    with service_app.transaction(now=T0 + 2 * DAY) as uow:
        rows = list_stockouts(uow)
        assert [r["location"] for r in list_stockouts(uow, open_only=True)] == ["CD"]
    assert [(r["part"], r["requested"], r["available"], r["short"], r["days_to_fill"])
            for r in rows] == [("P-200", 4, 0, 4, None), ("P-100", 5, 3, 2, 2.0)]
    assert rows[1]["repair"] == "RO-000001"


def test_parts_used_consume_the_reservation_and_cost_the_order(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        receive(uow, "P-100", "XZ", 10)
        receive(uow, "P-200", "CD", 4)
        held = reserve(uow, world["repair"], "P-100", "XZ", 4).reservation.id
    with service_app.transaction(now=T0 + HOUR, as_user="wang") as uow:
        use_part(uow, world["repair"], "P-100", 3)
        with pytest.raises(ValidationError, match="1 reserved for RO-000001") as caught:
            use_part(uow, world["repair"], "P-100", 2)
        assert caught.value.field == "quantity"
        # Unreserved parts are taken from a location's available stock.
        use_part(uow, world["repair"], "P-200", 2, location="CD")
        with pytest.raises(ValidationError, match="only 2 available"):
            use_part(uow, world["repair"], "P-200", 3, location="CD")
    assert stock(service_app) == (7, 1, 6)
    assert stock(service_app, "P-200", "CD") == (2, 0, 2)
    with service_app.transaction(now=T0 + HOUR) as uow:
        detail = repair_detail(uow, world["repair"])
    assert detail.repair.parts_cost == Decimal("121.00")  # 3 × 10.00 + 2 × 45.50
    assert [(u["part"], u["quantity"], u["cost"]) for u in detail.parts_used] == [
        ("P-100", 3, Decimal("30.00")), ("P-200", 2, Decimal("91.00"))]
    assert [(r["id"], r["quantity"], r["issued"], r["status"]) for r in
            detail.reservations] == [(held, 4, 3, "active")]
    # Delivery gives back what is still held.
    with service_app.transaction(now=T0 + 2 * HOUR) as uow:
        complete_repair(uow, world["repair"])
        assert list_reservations(uow) == []
        with pytest.raises(ValidationError, match="is delivered"):
            reserve(uow, world["repair"], "P-100", "XZ", 1)
    assert stock(service_app) == (7, 0, 7)
    with service_app.transaction(now=T0 + 2 * HOUR) as uow:
        detail = repair_detail(uow, world["repair"])
    assert [(r["quantity"], r["issued"], r["status"]) for r in detail.reservations] == [
        (3, 3, "issued")]


def test_release_and_cancel_give_parts_back(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        receive(uow, "P-100", "XZ", 10)
        first = reserve(uow, world["other"], "P-100", "XZ", 4).reservation.id
        reserve(uow, world["other"], "P-100", "XZ", 3)
        assert release(uow, first, quantity=1).quantity == 3
        with pytest.raises(ValidationError, match="cannot release 4: 3 held"):
            release(uow, first, quantity=4)
        assert release(uow, first).status == "released"
        with pytest.raises(ValidationError, match="is released"):
            release(uow, first)
    assert stock(service_app) == (10, 3, 7)
    with service_app.transaction(now=T0) as uow:
        cancel_repair(uow, world["other"], reason="客户取消")
    assert stock(service_app) == (10, 0, 10)


def test_low_stock_lists_parts_at_or_below_their_reorder_point(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        receive(uow, "P-100", "XZ", 5)
        receive(uow, "P-200", "XZ", 8)
        receive(uow, "P-100", "CD", 2)
        set_reorder(uow, "P-100", "XZ", point=5, quantity=20)
        set_reorder(uow, "P-200", "XZ", point=3)
        set_reorder(uow, "P-100", "CD", point=4)
        reserve(uow, world["repair"], "P-100", "CD", 4, backorder=True)
        with pytest.raises(ValidationError) as caught:
            set_reorder(uow, "P-100", "XZ", point=-1)
        assert caught.value.field == "point"
    with service_app.transaction(now=T0) as uow:
        rows = low_stock_rows(uow)
        assert [r.part for r in low_stock_rows(uow, region="华东")] == ["P-100"]
    assert [(r.part, r.location, r.available, r.reorder_point, r.shortfall,
             r.suggested_order, r.open_stockouts) for r in rows] == [
        ("P-100", "CD", 0, 4, 4, 5, 1), ("P-100", "XZ", 5, 5, 0, 20, 0)]


def _at(day: int) -> dt.datetime:
    """Noon in Shanghai on 2026-03-<day> (04:00 UTC); days ≤ 0 are in February."""
    return dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.UTC) + (day - 1) * DAY


def test_turnover_is_computed_from_the_ledger(service_app: App, world: dict) -> None:
    """Period 1–10 March. Opening 20 on hand; day 3 issue 5 (→15), day 4 a reservation
    (no change on hand), day 6 receipt 10 (→25), day 7 a transfer of 0… (none), day 8
    issue 10 (→15); after the period an issue of 3 that does not count.
    End-of-day on hand: 20 20 15 15 15 25 25 15 15 15 = 180 → average 18, value 180.00.
    Issued 15 × 10.00 = 150.00 → turnover 150/180 = 0.8333, annualised × 36.5 = 30.42,
    days of supply 10 / 0.8333 = 12.0."""
    with service_app.transaction(now=_at(-8)) as uow:
        receive(uow, "P-100", "XZ", 20)
    for day, action in ((3, "issue5"), (4, "reserve"), (6, "receive"), (8, "issue10"),
                        (12, "issue3")):
        with service_app.transaction(now=_at(day)) as uow:
            if action == "issue5":
                use_part(uow, world["repair"], "P-100", 5, location="XZ")
            elif action == "reserve":
                reserve(uow, world["other"], "P-100", "XZ", 2)
            elif action == "receive":
                receive(uow, "P-100", "XZ", 10)
            elif action == "issue10":
                use_part(uow, world["repair"], "P-100", 10, location="XZ")
            else:
                use_part(uow, world["repair"], "P-100", 3, location="XZ")
    with service_app.transaction(now=_at(20)) as uow:
        first, last, rows = turnover_rows(uow, start="2026-03-01", end="2026-03-10",
                                          part="P-100")
        assert (first, last) == (dt.date(2026, 3, 1), dt.date(2026, 3, 10))
        with pytest.raises(ValidationError) as caught:
            turnover_rows(uow, start="2026-03-10", end="2026-03-01")
        assert caught.value.field == "end"
        default = turnover_rows(uow, location="XZ")
    row = rows[0]
    assert (row.issued_quantity, row.issued_cost, row.average_on_hand,
            row.average_stock_value, row.closing_on_hand) == (
        15, Decimal("150.00"), 18.0, Decimal("180.00"), 15)
    assert (row.turnover, row.annualised_turnover, row.days_of_supply) == (0.8333, 30.42, 12.0)
    # Default period: the 90 days up to today (21 Feb … 21 Mar here); P-200 never moved.
    by_part = {r.part: r for r in default[2]}
    assert by_part["P-100"].issued_quantity == 18
    assert set(by_part) == {"P-100"}


def test_reservations_are_seen_with_their_customer_and_grants_apply(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        receive(uow, "P-100", "XZ", 10)
        reserve(uow, world["repair"], "P-100", "XZ", 1)
        reserve(uow, world["other"], "P-100", "XZ", 2)
    with service_app.transaction(now=T0, as_user="li") as uow:
        assert [r["repair"] for r in list_reservations(uow)] == ["RO-000002"]
        # Stock is not customer data: li sees all of it.
        assert stock_rows(uow)[0].reserved == 3
        with pytest.raises(ValidationError, match="no repair order"):
            reserve(uow, world["repair"], "P-100", "XZ", 1)
        with pytest.raises(AccessDenied):
            add_part(uow, number="P-300", name="滤芯")
    with service_app.transaction(now=T0, as_user="zhao") as uow, pytest.raises(AccessDenied):
        receive(uow, "P-100", "XZ", 1)
