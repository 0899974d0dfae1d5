"""Assets (整车档案): registration, serial numbers, dealers, handover, update, transfer,
retirement, warranties and their defaults (service plugin, assets area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.assets.models import Asset, AssetEvent, Warranty
from guanxi_service.assets.service import (
    add_warranty,
    asset_detail,
    get_asset,
    hand_over,
    list_assets,
    list_warranties,
    register_asset,
    retire_asset,
    transfer_asset,
    update_asset,
    warranty_status,
)
from guanxi_service.assets.warranties import term_end
from tests.service.assets_support import T0, TODAY, count, kinds_logged, make_world, settings

DEFAULTS = {"XE215": {"months": 24, "terms": "XE215 整机三包 24 个月"},
            "轮式装载机": {"months": 12, "terms": "装载机三包 12 个月", "coverage": "整机"},
            "*": {"months": 6}}


@pytest.fixture
def app(make_service_app: Callable[..., App]) -> App:
    return make_service_app(settings=settings())


@pytest.fixture
def world(app: App) -> dict[str, int]:
    return make_world(app)


@pytest.fixture
def default_app(make_service_app: Callable[..., App]) -> App:
    """Default warranties configured per model, per product and for any other product."""
    return make_service_app(settings=settings(default_warranties=DEFAULTS))


def _register(app: App, world: dict[str, int], **fields: Any) -> Asset:
    values = {"customer_id": world["sany"], "serial_number": "XE215-0001",
              "product": "履带式挖掘机", "model": "XE215", **fields}
    with app.transaction(now=T0) as uow:
        return register_asset(uow, **values)


def test_an_asset_is_registered_with_its_fields_and_logged(app: App, world: dict) -> None:
    asset = _register(app, world, serial_number=" xe215 – ２０２６ 0001 ".replace("–", "-"),
                      dealer_id=world["dealer"], location="徐州工地",
                      attributes={"工作小时": 120, "发动机号": " SC123 "}, notes="首台")
    assert asset.serial_number == "XE215-20260001"  # full-width digits, spaces, case folded
    with app.transaction(now=T0) as uow:
        detail = asset_detail(uow, "xe215 - 20260001")  # found by serial as people type it
    row = detail.asset
    assert (row.product, row.model, row.customer, row.dealer, row.location, row.status) == (
        "履带式挖掘机", "XE215", "三一工程有限公司", "徐工江苏经销", "徐州工地", "active")
    assert (row.handed_over_on, row.warranty, detail.warranties) == (None, "none", [])
    assert detail.attributes == {"工作小时": 120, "发动机号": "SC123"}
    assert kinds_logged(app) == [(world["sany"], "service.asset_registered", {
        "asset_id": asset.id, "serial": "XE215-20260001", "product": "履带式挖掘机",
        "model": "XE215", "dealer_id": world["dealer"], "handed_over_on": None})]


def test_registering_with_a_handover_date_hands_over_at_once(app: App, world: dict) -> None:
    asset = _register(app, world, handed_over_on="2026-02-01")
    logged = kinds_logged(app)
    assert [k for _, k, _ in logged] == ["service.asset_registered", "service.asset_handed_over"]
    payload = logged[1][2]
    assert (payload["asset_id"], payload["serial"], payload["product"],
            payload["handed_over_on"]) == (asset.id, "XE215-0001", "履带式挖掘机", "2026-02-01")
    with app.transaction(now=T0) as uow:
        assert warranty_status(uow, asset.id, TODAY) == "none"  # no default configured


@pytest.mark.parametrize(("fields", "field"), [
    ({"customer_id": 999_999}, "customer"), ({"customer_id": "abc"}, "customer"),
    ({"serial_number": "  "}, "serial_number"), ({"serial_number": "XE215/编号1"}, "serial_number"),
    ({"serial_number": "X" * 81}, "serial_number"), ({"product": " "}, "product"),
    ({"model": "M" * 121}, "model"), ({"dealer_id": 999_999}, "dealer"),
    ({"dealer_id": "plain"}, "dealer"), ({"handed_over_on": "2026-02-30"}, "handed_over_on"),
    ({"handed_over_on": "2026-03-03"}, "handed_over_on"),  # tomorrow, in Shanghai
    ({"attributes": ["x"]}, "attributes"), ({"attributes": {"": 1}}, "attributes"),
    ({"attributes": {"a": {"b": 1}}}, "attributes"), ({"location": "地" * 201}, "location"),
])
def test_bad_asset_input_names_the_field_and_stores_nothing(
    app: App, world: dict, fields: dict, field: str
) -> None:
    if fields.get("dealer_id") == "plain":
        fields = {"dealer_id": world["plain"]}  # a customer without the dealer role
    with pytest.raises(ValidationError) as caught:
        _register(app, world, **fields)
    assert caught.value.field == field
    assert "\n" not in str(caught.value)
    assert (count(app, "service_asset"), count(app, "service_asset_event")) == (0, 0)
    assert kinds_logged(app) == []


def test_an_all_digit_serial_number_is_found_when_no_id_matches(app: App, world: dict) -> None:
    asset = _register(app, world, serial_number="20260001")
    with app.transaction(now=T0) as uow:
        assert get_asset(uow, "20260001").id == asset.id == get_asset(uow, str(asset.id)).id
        with pytest.raises(NotFoundError, match="no asset '7'"):
            get_asset(uow, 7)


def test_a_serial_number_is_registered_once(app: App, world: dict) -> None:
    first = _register(app, world, serial_number="LW500-7")
    with pytest.raises(ValidationError) as caught:
        _register(app, world, serial_number="lw500 -7", customer_id=world["zhang"])
    assert caught.value.field == "serial_number"
    assert str(caught.value) == (f"field 'serial_number': LW500-7 is already registered "
                                 f"(asset {first.id})")
    # Someone who may not see the other asset learns it exists, not which one it is.
    with pytest.raises(ValidationError) as hidden, app.transaction(now=T0, as_user="li") as uow:
        register_asset(uow, customer_id=world["huadong"], serial_number="LW500-7",
                       product="装载机")
    assert str(hidden.value) == "field 'serial_number': LW500-7 is already registered"
    assert count(app, "service_asset") == 1


def test_without_a_dealer_role_setting_any_visible_customer_may_be_the_dealer(
    make_service_app: Callable[..., App],
) -> None:
    app = make_service_app(settings=settings(dealer_role=None))
    world = make_world(app)
    assert _register(app, world, dealer_id=world["plain"]).dealer_id == world["plain"]


def test_handover_records_the_day_and_applies_the_default_warranty(
    default_app: App,
) -> None:
    world = make_world(default_app)
    asset = _register(default_app, world)
    with default_app.transaction(now=T0, as_user="wang") as uow:
        hand_over(uow, asset.id, on="2026-01-15", location="南京工地", note="客户现场验收")
    with default_app.transaction(now=T0) as uow:
        terms = list_warranties(uow, asset.id)
        shown = get_asset(uow, asset.id)
        with pytest.raises(ValidationError, match="already handed over on 2026-01-15"):
            hand_over(uow, asset.id)
    assert (shown.handed_over_on, shown.location) == (dt.date(2026, 1, 15), "南京工地")
    # The model's default wins over the product's and '*'; 24 months from the handover.
    assert [(w.terms, w.starts_on, w.ends_on, w.is_default) for w in terms] == [
        ("XE215 整机三包 24 个月", dt.date(2026, 1, 15), dt.date(2028, 1, 14), True)]
    assert [k for _, k, _ in kinds_logged(default_app)] == [
        "service.asset_registered", "service.asset_handed_over", "service.warranty_added"]


def test_defaults_by_product_and_for_any_product_are_applied_at_registration(
    default_app: App,
) -> None:
    world = make_world(default_app)
    loader = _register(default_app, world, serial_number="LW500-1", product="轮式装载机",
                       model="LW500", handed_over_on="2025-12-31")
    roller = _register(default_app, world, serial_number="XS263-1", product="压路机",
                       model="XS263", handed_over_on="2026-03-02")
    unhanded = _register(default_app, world, serial_number="QY25K-1", product="起重机")
    with default_app.transaction(now=T0) as uow:
        got = {a.id: [(w.terms, w.starts_on, w.ends_on, w.coverage)
                      for w in list_warranties(uow, a.id)] for a in (loader, roller, unhanded)}
    assert got == {
        loader.id: [("装载机三包 12 个月", dt.date(2025, 12, 31), dt.date(2026, 12, 30), "整机")],
        roller.id: [("standard warranty 6 months", TODAY, dt.date(2026, 9, 1), None)],
        unhanded.id: [],  # months from a handover that has not happened yet
    }


def test_warranty_terms_are_validated_and_bad_ones_store_nothing(app: App, world: dict) -> None:
    asset = _register(app, world, handed_over_on="2026-01-10")
    bad = [
        ({"terms": " ", "months": 12}, "terms"),
        ({"terms": "x", "starts_on": "2026-02-01", "ends_on": "2026-01-31"}, "ends_on"),
        ({"terms": "x", "starts_on": "2026-01-09", "months": 12}, "starts_on"),
        ({"terms": "x", "months": 12, "ends_on": "2027-01-01"}, "months"),
        ({"terms": "x"}, "ends_on"), ({"terms": "x", "months": 0}, "months"),
        ({"terms": "x", "months": "十二"}, "months"), ({"terms": "x", "ends_on": "tomorrow"},
                                                      "ends_on"),
        ({"terms": "t" * 121, "months": 1}, "terms"),
    ]
    for fields, field in bad:
        with pytest.raises(ValidationError) as caught, app.transaction(now=T0) as uow:
            add_warranty(uow, asset.id, **fields)
        assert caught.value.field == field, fields
    assert count(app, "service_warranty") == 0
    with app.transaction(now=T0) as uow:
        early = add_warranty(uow, asset.id, terms="经销商售前保修", starts_on="2025-12-01",
                             ends_on="2026-01-09", before_handover=True)
        standard = add_warranty(uow, asset.id, terms="整机三包", months=12)
    assert (early.starts_on, early.expired_logged) == (dt.date(2025, 12, 1), True)
    assert (standard.starts_on, standard.ends_on, standard.expired_logged) == (
        dt.date(2026, 1, 10), dt.date(2027, 1, 9), False)
    assert standard.customer_id == world["sany"]


def test_warranty_status_is_inclusive_and_knows_none_and_expired(app: App, world: dict) -> None:
    covered = _register(app, world, handed_over_on="2025-01-01")
    bare = _register(app, world, serial_number="BARE-1")
    with app.transaction(now=T0) as uow:
        add_warranty(uow, covered.id, terms="整机三包", months=12)  # 2025-01-01..2025-12-31
        add_warranty(uow, covered.id, terms="延保", starts_on="2026-06-01", months=12)
        status = {day: warranty_status(uow, covered.id, day) for day in (
            dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 12, 31),
            dt.date(2026, 1, 1), dt.date(2026, 6, 1), dt.date(2027, 5, 31), dt.date(2027, 6, 1))}
        assert warranty_status(uow, bare.id, TODAY) == "none"
        with pytest.raises(NotFoundError):
            warranty_status(uow, 999_999, TODAY)
    assert status == {
        dt.date(2024, 12, 31): "expired", dt.date(2025, 1, 1): "in_warranty",
        dt.date(2025, 12, 31): "in_warranty", dt.date(2026, 1, 1): "expired",
        dt.date(2026, 6, 1): "in_warranty", dt.date(2027, 5, 31): "in_warranty",
        dt.date(2027, 6, 1): "expired"}
    assert term_end(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 28)  # short months clip


def test_an_update_changes_fields_merges_attributes_and_is_in_the_history(
    app: App, world: dict
) -> None:
    asset = _register(app, world, attributes={"工作小时": 10, "颜色": "黄"},
                      handed_over_on="2026-01-05")
    other = _register(app, world, serial_number="XE215-0002")
    with app.transaction(now=T0, as_user="wang") as uow:
        changed = update_asset(uow, asset.id, {
            "model": "XE215E", "location": "合肥", "dealer_id": world["dealer2"],
            "attributes": {"工作小时": 350, "颜色": None}, "handed_over_on": "2026-01-06"})
    assert (changed.model, changed.location, changed.dealer_id, changed.attributes,
            changed.handed_over_on) == ("XE215E", "合肥", world["dealer2"], {"工作小时": 350},
                                        dt.date(2026, 1, 6))
    bad = [({"serial_number": "xe215-0002"}, "serial_number"), ({"customer_id": 1}, "customer_id"),
           ({"status": "retired"}, "status"), ({"product": ""}, "product"),
           ({"dealer_id": world["plain"]}, "dealer"), ({"handed_over_on": "2030-01-01"},
                                                       "handed_over_on")]
    for changes, field in bad:
        with pytest.raises(ValidationError) as caught, app.transaction(now=T0) as uow:
            update_asset(uow, asset.id, changes)
        assert caught.value.field == field, changes
    with pytest.raises(ValidationError, match="not handed over yet"), app.transaction() as uow:
        update_asset(uow, other.id, {"handed_over_on": "2026-01-01"})
    with app.transaction(now=T0) as uow:
        again = get_asset(uow, asset.id)
        events = [(e.kind, e.body) for e in uow.session.exec(
            select(AssetEvent).where(AssetEvent.asset_id == asset.id)
            .order_by(AssetEvent.id)).scalars()]
    assert (again.model, again.serial_number) == ("XE215E", "XE215-0001")
    assert events[-1][0] == "updated" and "model: XE215 → XE215E" in events[-1][1]
    assert len([k for k, _ in events if k == "updated"]) == 1  # the refused ones left none


def test_a_transfer_moves_the_asset_and_its_warranties_and_keeps_the_history(
    app: App, world: dict
) -> None:
    asset = _register(app, world, handed_over_on="2025-06-01")
    with app.transaction(now=T0) as uow:
        add_warranty(uow, asset.id, terms="整机三包", months=12)
        moved = transfer_asset(uow, asset.id, to_customer_id=world["huadong"], note="二手转让")
        with pytest.raises(ValidationError) as same:
            transfer_asset(uow, asset.id, to_customer_id=world["huadong"])
        with pytest.raises(ValidationError) as missing:
            transfer_asset(uow, asset.id, to_customer_id=999_999)
    assert (same.value.field, missing.value.field) == ("to_customer", "to_customer")
    assert moved.customer_id == world["huadong"]
    with app.transaction(now=T0) as uow:
        assert {w.customer_id for w in list_warranties(uow, asset.id)} == {world["huadong"]}
    transfers = [(c, p) for c, k, p in kinds_logged(app) if k == "service.asset_transferred"]
    assert [c for c, _ in transfers] == [world["sany"], world["huadong"]]
    assert transfers[0][1] == {"asset_id": asset.id, "serial": "XE215-0001",
                               "product": "履带式挖掘机", "from_customer_id": world["sany"],
                               "to_customer_id": world["huadong"]}
    # wang (the previous owner's agent) no longer sees it; li (the new owner's) does.
    with pytest.raises(NotFoundError), app.transaction(now=T0, as_user="wang") as uow:
        get_asset(uow, asset.id)
    with app.transaction(now=T0, as_user="li") as uow:
        assert warranty_status(uow, asset.id, TODAY) == "in_warranty"


def test_a_retired_asset_stays_listed_but_takes_no_more_changes(app: App, world: dict) -> None:
    asset = _register(app, world, handed_over_on="2025-06-01")
    with app.transaction(now=T0) as uow:
        retire_asset(uow, asset.id, reason="事故报废")
    for change in (
        lambda uow: update_asset(uow, asset.id, {"model": "x"}),
        lambda uow: transfer_asset(uow, asset.id, to_customer_id=world["zhang"]),
        lambda uow: retire_asset(uow, asset.id),
        lambda uow: hand_over(uow, asset.id),
        lambda uow: add_warranty(uow, asset.id, terms="x", months=1),
    ):
        with pytest.raises(ValidationError, match="is retired"), app.transaction() as uow:
            change(uow)
    with app.transaction(now=T0) as uow:
        assert [r.status for r in list_assets(uow)] == ["retired"]
        assert list_assets(uow, status="active") == []
        with pytest.raises(ValidationError) as caught:
            list_assets(uow, status="scrapped")
    assert caught.value.field == "status"
    assert [k for _, k, _ in kinds_logged(app)][-1] == "service.asset_retired"


def test_listings_filter_by_owner_dealer_product_and_serial(app: App, world: dict) -> None:
    a = _register(app, world, dealer_id=world["dealer"])
    b = _register(app, world, serial_number="LW500-0001", product="轮式装载机", model="LW500",
                  customer_id=world["zhang"], dealer_id=world["dealer2"])
    with app.transaction(now=T0) as uow:
        by = {
            "owner": [r.id for r in list_assets(uow, customer_id=world["zhang"])],
            "dealer": [r.id for r in list_assets(uow, dealer_id=world["dealer"])],
            "product": [r.id for r in list_assets(uow, product="轮式装载机")],
            "search": [r.id for r in list_assets(uow, search="lw500")],
            "model": [r.id for r in list_assets(uow, search="XE2")],
            "page": [r.id for r in list_assets(uow, after_id=a.id)],
        }
        with pytest.raises(ValidationError) as caught:
            list_assets(uow, customer_id=999_999)
    assert by == {"owner": [b.id], "dealer": [a.id], "product": [b.id], "search": [b.id],
                  "model": [a.id], "page": [b.id]}
    assert caught.value.field == "customer"


def test_the_models_hold_what_the_service_wrote(app: App, world: dict) -> None:
    asset = _register(app, world, handed_over_on="2026-01-01")
    with app.transaction(now=T0) as uow:
        add_warranty(uow, asset.id, terms="整机三包", months=12)
    assert (count(app, "service_asset"), count(app, "service_warranty")) == (1, 1)
    with app.transaction() as uow:
        stored = uow.session.get(Warranty, 1)
        assert stored is not None and stored.asset_id == asset.id
    assert count(app, "service_asset_event") == 3  # registered, handed over, warranty added
