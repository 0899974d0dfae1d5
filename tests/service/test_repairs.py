"""Repair orders: opening (directly, from a ticket), steps, promises, delivery on time or
late, cancelling, bad input with nothing stored, access and privacy (service plugin,
repairs area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi_service.repairs.listing import list_repairs, repair_detail
from guanxi_service.repairs.service import (
    add_note,
    assign_technician,
    cancel_repair,
    change_promise,
    complete_repair,
    get_repair,
    open_repair,
    set_step,
)
from guanxi_service.tickets.service import open_ticket
from tests.service.repairs_support import DAY, HOUR, T0, count, kinds_logged, make_world


@pytest.fixture
def world(service_app: App) -> dict[str, int]:
    return make_world(service_app)


def test_an_order_is_opened_with_warranty_billing_and_a_promise(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0, as_user="wang") as uow:
        order = open_repair(uow, customer_id=world["张三"], asset_id=world["excavator"],
                            location="field", site="徐州工地 3 号", technician="wang",
                            promised_at="2026-03-04 17:00", description="液压泵异响")
        crane = open_repair(uow, customer_id=world["张三"], asset_id=world["crane"])
    assert (order.number, order.status, order.step) == ("RO-000001", "open", "received")
    assert (order.warranty_status, order.billing) == ("in_warranty", "free")
    assert order.promised_at == order.first_promised_at == dt.datetime(
        2026, 3, 4, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai
    # No warranty: the customer pays; the default promise is 72 hours after opening.
    assert (crane.warranty_status, crane.billing) == ("none", "paid")
    assert crane.promised_at == T0 + 72 * HOUR
    with service_app.transaction(now=T0) as uow:
        detail = repair_detail(uow, "ro-000001")
    assert (detail.site, detail.description, detail.repair.technician) == (
        "徐州工地 3 号", "液压泵异响", "wang")
    assert [(e["kind"], e["step"], e["by"]) for e in detail.log] == [
        ("step", "received", "wang")]
    opened = kinds_logged(service_app)
    assert [k for k, _ in opened] == ["service.repair_opened"] * 2
    assert opened[0][1] | {} == {
        "repair_id": order.id, "number": "RO-000001", "asset_id": world["excavator"],
        "ticket_id": None, "location": "field", "billing": "free",
        "warranty_status": "in_warranty", "promised_at": "2026-03-04T09:00:00+00:00"}


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"asset_id": "loader"}, "asset_id", "asset {loader} belongs to another customer"),
    ({"asset_id": 9999}, "asset_id", "no asset"),
    ({"customer_id": None}, "customer_id", "is required"),
    ({"customer_id": 9999}, "customer_id", "no customer"),
    ({"location": "garage"}, "location", "not one of workshop, field"),
    ({"promised_at": "2026-03-02 08:00"}, "promised_at", "after the order is opened"),
    ({"promised_at": "next week"}, "promised_at", "not a time"),
    ({"technician": "nobody"}, "technician", "nobody"),
    ({"billing": "maybe"}, "billing", "not one of paid, free"),
    ({"opened_at": "2026-04-01"}, "opened_at", "in the future"),
    ({"ticket_id": 9999}, "ticket_id", "no ticket"),
    ({"site": "x" * 201}, "site", "at most 200"),
])
def test_bad_input_names_the_field_and_stores_nothing(
    service_app: App, world: dict, fields: dict, field: str, message: str
) -> None:
    values = {"customer_id": world["张三"], "asset_id": world["excavator"], **fields}
    if values.get("asset_id") == "loader":
        values["asset_id"] = world["loader"]
    message = message.format(loader=world["loader"])
    with pytest.raises(ValidationError) as caught, service_app.transaction(now=T0) as uow:
        open_repair(uow, **values)
    assert caught.value.field == field
    assert message in str(caught.value)
    assert str(caught.value).count("\n") == 0
    assert count(service_app, "service_repair_order") == 0
    assert count(service_app, "service_repair_step") == 0
    assert kinds_logged(service_app) == []


def test_an_order_opened_from_a_ticket_takes_its_customer_and_asset(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        ticket = open_ticket(uow, customer_id=world["张三"], type="repair", channel="phone",
                             subject="挖掘机无法启动", asset_id=world["excavator"])
        order = open_repair(uow, ticket_id=ticket.id, location="workshop")
        with pytest.raises(ValidationError, match="about another customer") as caught:
            open_repair(uow, ticket_id=ticket.id, customer_id=world["李四"])
        assert caught.value.field == "ticket_id"
    assert (order.customer_id, order.asset_id, order.ticket_id) == (
        world["张三"], world["excavator"], ticket.id)


def test_steps_are_logged_with_time_and_notes_and_ready_is_stamped(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        rid = open_repair(uow, customer_id=world["张三"], asset_id=world["crane"]).id
    for hours, step, note in ((2, "diagnosed", "主泵密封圈损坏"), (3, "waiting_parts", None),
                              (20, "repairing", None), (26, "testing", None),
                              (27, "repairing", "试车漏油，返修"), (30, "ready", None)):
        with service_app.transaction(now=T0 + hours * HOUR, as_user="wang") as uow:
            set_step(uow, rid, step, note=note)
    with service_app.transaction(now=T0 + 31 * HOUR) as uow:
        with pytest.raises(ValidationError, match="already at ready") as caught:
            set_step(uow, rid, "ready")
        assert caught.value.field == "step"
        with pytest.raises(ValidationError) as caught:
            set_step(uow, rid, "painting")
        assert caught.value.field == "step"
        with pytest.raises(ValidationError, match="before the order was opened"):
            set_step(uow, rid, "testing", at=T0 - HOUR)
        detail = repair_detail(uow, rid)
    assert detail.ready_at == T0 + 30 * HOUR
    assert [(e["step"], e["at"] - T0, e["note"]) for e in detail.log] == [
        ("received", dt.timedelta(0), None), ("diagnosed", 2 * HOUR, "主泵密封圈损坏"),
        ("waiting_parts", 3 * HOUR, None), ("repairing", 20 * HOUR, None),
        ("testing", 26 * HOUR, None), ("repairing", 27 * HOUR, "试车漏油，返修"),
        ("ready", 30 * HOUR, None)]
    steps = [p["step"] for k, p in kinds_logged(service_app) if k == "service.repair_step"]
    assert steps == ["diagnosed", "waiting_parts", "repairing", "testing", "repairing", "ready"]


def test_an_edition_configures_its_own_steps(make_service_app) -> None:
    app = make_service_app(settings={"service": {"repairs": {
        "steps": ["接车", "检测", "维修", "delivered"], "default_promise_hours": 8}}})
    world = make_world(app)
    with app.transaction(now=T0) as uow:
        order = open_repair(uow, customer_id=world["李四"])
        assert (order.step, order.promised_at) == ("接车", T0 + 8 * HOUR)
        assert set_step(uow, order.id, "检测").step == "检测"
        with pytest.raises(ValidationError):
            set_step(uow, order.id, "diagnosed")
        assert set_step(uow, order.id, "delivered").status == "delivered"


def test_delivery_decides_on_time_against_the_promise_in_force(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        early = open_repair(uow, customer_id=world["张三"], promised_at=T0 + 48 * HOUR).id
        late = open_repair(uow, customer_id=world["张三"], promised_at=T0 + 24 * HOUR).id
        moved = open_repair(uow, customer_id=world["张三"], promised_at=T0 + 24 * HOUR).id
        change_promise(uow, moved, T0 + 72 * HOUR, reason="等待配件，客户同意延期")
        for bad, field in (((T0 - HOUR, "x"), "promised_at"), ((T0 + 72 * HOUR, "x"),
                                                                "promised_at"),
                           ((T0 + 80 * HOUR, " "), "reason")):
            with pytest.raises(ValidationError) as caught:
                change_promise(uow, moved, bad[0], reason=bad[1])
            assert caught.value.field == field
    with service_app.transaction(now=T0 + 48 * HOUR, as_user="wang") as uow:
        a = complete_repair(uow, early, labour_charge="800.00")
        b = complete_repair(uow, late, note="客户已提车")
        c = complete_repair(uow, moved)
        with pytest.raises(ValidationError, match="is delivered") as caught:
            set_step(uow, early, "repairing")
        assert caught.value.field == "repair"
    assert (a.on_time, a.labour_charge, a.step, a.ready_at) == (
        True, Decimal("800.00"), "delivered", T0 + 48 * HOUR)
    assert (b.on_time, c.on_time) == (False, True)
    assert (c.first_promised_at, c.promised_at, c.promise_changes) == (
        T0 + 24 * HOUR, T0 + 72 * HOUR, 1)
    with service_app.transaction(now=T0 + 49 * HOUR) as uow:
        log = repair_detail(uow, moved).log
    assert [(e["kind"], e["promised_at"]) for e in log] == [
        ("step", T0 + 24 * HOUR), ("promise", T0 + 72 * HOUR), ("step", None)]
    completed = [p for k, p in kinds_logged(service_app) if k == "service.repair_completed"]
    assert [(p["repair_id"], p["on_time"]) for p in completed] == [
        (early, True), (late, False), (moved, True)]
    assert completed[1]["delivered_at"] == (T0 + 48 * HOUR).isoformat()


def test_cancel_needs_a_reason_and_ends_the_order(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        rid = open_repair(uow, customer_id=world["张三"]).id
        with pytest.raises(ValidationError) as caught:
            cancel_repair(uow, rid, reason="")
        assert caught.value.field == "reason"
        order = cancel_repair(uow, rid, reason="客户撤回")
        assert (order.status, order.cancelled_at) == ("cancelled", T0)
        with pytest.raises(ValidationError, match="is cancelled"):
            complete_repair(uow, rid)
        add_note(uow, rid, "客户来电说明原因")
        assert [e["kind"] for e in repair_detail(uow, rid).log] == [
            "step", "cancelled", "note"]


def test_listing_filters_and_overdue(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        a = open_repair(uow, customer_id=world["张三"], technician="wang",
                        promised_at=T0 + 2 * HOUR).id
        b = open_repair(uow, customer_id=world["李四"], location="field", technician="li").id
        assign_technician(uow, b, "wang")
        with pytest.raises(ValidationError):
            assign_technician(uow, b, "wang")
    with service_app.transaction(now=T0 + 3 * HOUR) as uow:
        assert [r.id for r in list_repairs(uow, overdue=True)] == [a]
        assert [r.id for r in list_repairs(uow, location="field")] == [b]
        assert [r.id for r in list_repairs(uow, technician="wang")] == [a, b]
        assert [r.id for r in list_repairs(uow, customer_id=world["李四"])] == [b]
        assert [r.id for r in list_repairs(uow, after_id=a)] == [b]
        with pytest.raises(ValidationError):
            list_repairs(uow, status="lost")


def test_record_policies_and_grants_apply(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        zhang = open_repair(uow, customer_id=world["张三"], asset_id=world["crane"]).id
        # li repairs 张三's excavator: he sees that order (he is its technician) only.
        assigned = open_repair(uow, customer_id=world["张三"], technician="li").id
        lisi = open_repair(uow, customer_id=world["李四"], asset_id=world["loader"]).id
    with service_app.transaction(now=T0, as_user="li") as uow:
        assert [r.id for r in list_repairs(uow)] == [assigned, lisi]
        with pytest.raises(NotFoundError):
            get_repair(uow, zhang)
        with pytest.raises(ValidationError, match="no asset"):
            # 张三's asset is invisible to li: not even its owner leaks.
            open_repair(uow, customer_id=world["李四"], asset_id=world["crane"])
        set_step(uow, assigned, "diagnosed")
    with service_app.transaction(now=T0, as_user="zhao") as uow, pytest.raises(AccessDenied):
        open_repair(uow, customer_id=world["李四"])


def test_personal_data_and_erasure(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        rid = open_repair(uow, customer_id=world["张三"], asset_id=world["crane"],
                          site="南京市江宁区工地", description="张三反映吊臂抖动").id
        set_step(uow, rid, "diagnosed", note="张三电话 13800000000")
        complete_repair(uow, rid)
    with service_app.transaction(now=T0) as uow:
        exported = export_personal_data(uow, world["张三"])
    text = str(exported)
    assert "张三反映吊臂抖动" in text and "13800000000" in text and "RO-000001" in text
    with service_app.transaction(now=T0 + DAY) as uow:
        erase_customer(uow, world["张三"], reason="客户要求删除")
    with service_app.transaction(now=T0 + DAY) as uow:
        detail = repair_detail(uow, rid)
    assert (detail.description, detail.site) == (None, None)
    assert all(e["note"] is None for e in detail.log)
    # What the figures need stays.
    assert (detail.repair.on_time, detail.repair.step, len(detail.log)) == (
        True, "delivered", 3)
