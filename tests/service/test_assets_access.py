"""Assets: who sees what (record policies on assets, warranties, events, history and
reports), the service history of an asset, personal-data export and erasure.

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi_service.assets import history
from guanxi_service.assets.history import Source, asset_history
from guanxi_service.assets.models import Asset, AssetEvent, Warranty
from guanxi_service.assets.reports import assets_by_dealer, warranties_expiring
from guanxi_service.assets.service import (
    add_warranty,
    asset_detail,
    get_asset,
    list_assets,
    list_warranties,
    register_asset,
    transfer_asset,
    update_asset,
    warranty_status,
)
from guanxi_service.tickets.models import Ticket
from tests.service.assets_support import T0, TODAY, count, make_world, settings


@pytest.fixture
def app(make_service_app: Callable[..., App]) -> App:
    return make_service_app(settings=settings())


@pytest.fixture
def world(app: App) -> dict[str, int]:
    """The world of assets_support, with one asset for each of the three owners."""
    ids = make_world(app)
    with app.transaction(now=T0) as uow:
        for key, serial in (("sany", "XE215-A"), ("zhang", "VIN-B"), ("huadong", "LW500-C")):
            asset = register_asset(uow, customer_id=ids[key], serial_number=serial,
                                   product="履带式挖掘机" if key != "zhang" else "重型卡车",
                                   dealer_id=ids["dealer"], handed_over_on="2025-04-01",
                                   location=f"{key} 工地", notes=f"{key} 的备注")
            add_warranty(uow, asset.id, terms="整机三包", months=12)
            ids[f"asset_{key}"] = asset.id
    return ids


def _ticket(app: App, customer_id: int, asset_id: int | None, subject: str,
            at: dt.datetime) -> int:
    """A ticket row as the tickets area stores it (only the columns history reads matter)."""
    with app.transaction(now=at) as uow:
        ticket = Ticket(number=f"SR-{subject[:8]}", customer_id=customer_id, type="repair",
                        channel="phone", subject=subject, asset_id=asset_id, opened_at=at,
                        created_at=at, updated_at=at)
        uow.session.add(ticket)
        uow.session.flush()
        assert ticket.id is not None
        return ticket.id


def test_an_agent_sees_only_the_assets_of_customers_he_may_see(app: App, world: dict) -> None:
    with app.transaction(now=T0, as_user="wang") as uow:
        listed = {r.serial_number for r in list_assets(uow)}
        terms = uow.session.exec(select(func.count()).select_from(Warranty)).scalar_one()
        events = {e.asset_id for e in uow.session.exec(select(AssetEvent)).scalars()}
        for path in (lambda: get_asset(uow, world["asset_huadong"]),
                     lambda: get_asset(uow, "LW500-C"),
                     lambda: warranty_status(uow, world["asset_huadong"], TODAY),
                     lambda: list_warranties(uow, world["asset_huadong"]),
                     lambda: asset_history(uow, world["asset_huadong"]),
                     lambda: asset_detail(uow, world["asset_huadong"])):
            with pytest.raises(NotFoundError):
                path()
        expiring = {r.serial_number for r in warranties_expiring(uow, days=60)}
        by_dealer = sum(r.assets for r in assets_by_dealer(uow))
    assert listed == {"XE215-A", "VIN-B"} and terms == 2
    assert events == {world["asset_sany"], world["asset_zhang"]}
    assert expiring == {"XE215-A", "VIN-B"} and by_dealer == 2
    with app.transaction(now=T0, as_user="li") as uow:
        assert {r.serial_number for r in list_assets(uow)} == {"LW500-C"}


@pytest.mark.parametrize("model", [Asset, Warranty, AssetEvent])
def test_no_asset_row_of_an_invisible_customer_is_selected_or_counted(
    app: App, world: dict, model: type
) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    with app.engine.connect() as connection:  # everything, unfiltered
        rows = connection.execute(select(table.c.id, table.c.customer_id)).all()
    wangs = {world["sany"], world["zhang"]}  # and the unowned dealers, who own nothing here
    expected = {i for i, customer in rows if customer in wangs}
    assert expected and len(expected) < len(rows)
    with app.transaction(now=T0, as_user="wang") as uow:
        seen = {r.id for r in uow.session.exec(select(model)).scalars()}
        counted = uow.session.exec(select(func.count()).select_from(model)).scalar_one()
    assert (seen, counted) == (expected, len(expected))


def test_changes_to_invisible_assets_or_for_invisible_customers_are_refused(
    app: App, world: dict
) -> None:
    before = count(app, "service_asset"), count(app, "service_warranty")
    refused = [
        lambda uow: update_asset(uow, world["asset_huadong"], {"model": "x"}),
        lambda uow: add_warranty(uow, world["asset_huadong"], terms="x", months=1),
        lambda uow: transfer_asset(uow, world["asset_huadong"], to_customer_id=world["sany"]),
    ]
    for change in refused:
        with pytest.raises(NotFoundError), app.transaction(now=T0, as_user="wang") as uow:
            change(uow)
    for fields, field in (({"customer_id": world["huadong"]}, "customer"),
                          ({"customer_id": world["sany"], "dealer_id": world["huadong"]},
                           "dealer")):
        with pytest.raises(ValidationError) as caught, app.transaction(as_user="wang") as uow:
            register_asset(uow, serial_number="NEW-1", product="x", **fields)
        assert caught.value.field == field
    with pytest.raises(ValidationError) as moved, app.transaction(as_user="wang") as uow:
        transfer_asset(uow, world["asset_sany"], to_customer_id=world["huadong"])
    assert moved.value.field == "to_customer"
    with pytest.raises(AccessDenied), app.transaction(as_user="zhao") as uow:  # a viewer
        register_asset(uow, customer_id=world["sany"], serial_number="NEW-2", product="x")
    assert (count(app, "service_asset"), count(app, "service_warranty")) == before


def test_the_history_joins_events_and_tickets_in_time_order(app: App, world: dict) -> None:
    asset = world["asset_sany"]
    first = _ticket(app, world["sany"], asset, "液压泵异响", T0)
    _ticket(app, world["sany"], None, "咨询配件价格", T0)  # not about the asset
    with app.transaction(now=T0 + dt.timedelta(days=1)) as uow:
        transfer_asset(uow, asset, to_customer_id=world["huadong"], note="转让给华东")
    later = _ticket(app, world["huadong"], asset, "发动机无法启动", T0 + dt.timedelta(days=2))
    with app.transaction(now=T0 + dt.timedelta(days=3)) as uow:
        # Return visits the visits area may plan from the handover are not this test's.
        entries = asset_history(uow, asset, sources=("asset", "ticket"))
        tickets_only = asset_history(uow, asset, sources=("ticket",))
    assert [(e.source, e.kind) for e in entries] == [
        ("asset", "handed_over"), ("asset", "registered"), ("asset", "warranty_added"),
        ("ticket", "repair"), ("asset", "transferred"), ("ticket", "repair")]
    assert [(e.id, e.ref, e.status, e.summary) for e in tickets_only] == [
        (first, "SR-液压泵异响", "new", "液压泵异响"),
        (later, "SR-发动机无法启动", "new", "发动机无法启动")]
    moved = entries[4]
    assert (moved.ref, moved.summary) == (f"{world['sany']} → {world['huadong']}", "转让给华东")
    # li sees the new owner's period only; the previous owner's ticket stays with wang's.
    with app.transaction(now=T0 + dt.timedelta(days=3), as_user="li") as uow:
        seen = [(e.source, e.kind) for e in asset_history(uow, asset, sources=("asset", "ticket"))]
    assert seen == [("asset", "transferred"), ("ticket", "repair")]


def test_history_reads_unregistered_tables_by_reflection_and_filters_them(
    app: App, world: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.engine.begin() as connection:
        connection.execute(text("CREATE TABLE test_field_visit (id INTEGER PRIMARY KEY, "
                                "customer_id INTEGER, asset_id INTEGER, visited_at DATE, "
                                "status VARCHAR(10), outcome VARCHAR(40))"))
        connection.execute(text(
            "INSERT INTO test_field_visit VALUES (1, :c, :a, '2026-02-01', 'done', '满意'), "
            "(2, :h, :a, '2026-02-02', 'done', '不满意')"),
            {"c": world["sany"], "h": world["huadong"], "a": world["asset_sany"]})
    sources = (*history.SOURCES,
               Source("field_visit", "test_field_visit", ("visited_at",), (), (), ("status",),
                      ("outcome",)),
               Source("missing", "test_no_such_table", ("at",), (), (), (), ()))
    monkeypatch.setattr(history, "SOURCES", sources)
    with app.transaction(now=T0) as uow:
        everyone = [(e.id, e.summary) for e in asset_history(uow, world["asset_sany"])
                    if e.source == "field_visit"]
    with app.transaction(now=T0, as_user="wang") as uow:
        wangs = [(e.id, e.summary) for e in asset_history(uow, world["asset_sany"])
                 if e.source == "field_visit"]
    assert everyone == [(1, "满意"), (2, "不满意")]
    assert wangs == [(1, "满意")]  # the row of a customer wang may not see is left out


def test_export_holds_the_assets_and_erasure_clears_their_free_text(
    app: App, world: dict
) -> None:
    with app.transaction(now=T0) as uow:
        update_asset(uow, world["asset_zhang"], {"location": "张师傅家门口"})
        data = export_personal_data(uow, world["zhang"])["plugins"]["service"]
    assert [a["serial_number"] for a in data["assets"]] == ["VIN-B"]
    assert data["assets"][0]["notes"] == "zhang 的备注"
    assert [w["terms"] for w in data["warranties"]] == ["整机三包"]
    assert any("张师傅家门口" in (e["note"] or "") for e in data["asset_events"])
    with app.transaction(now=T0) as uow:
        erase_customer(uow, world["zhang"], reason="客户要求删除")
    with app.engine.connect() as connection:
        asset = connection.execute(select(Asset.__table__).where(
            Asset.__table__.c.id == world["asset_zhang"])).one()
        bodies = connection.execute(select(AssetEvent.__table__.c.body).where(
            AssetEvent.__table__.c.customer_id == world["zhang"])).scalars().all()
        other = connection.execute(select(Asset.__table__.c.notes).where(
            Asset.__table__.c.id == world["asset_sany"])).scalar_one()
    assert (asset.notes, asset.location) == (None, None)
    assert (asset.serial_number, asset.product, asset.handed_over_on) == (
        "VIN-B", "重型卡车", dt.date(2025, 4, 1))
    assert set(bodies) == {None} and count(app, "service_warranty") == 3
    assert other == "sany 的备注"  # nobody else's data is touched
