"""The repairs reports with hand-computed figures: on-time completion by period,
location, technician and product; the progress board; record policies in reports."""

from __future__ import annotations

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi_service.repairs.reports import on_time_report, on_time_rows, progress_rows
from guanxi_service.repairs.service import (
    cancel_repair,
    change_promise,
    complete_repair,
    open_repair,
    set_step,
)
from tests.service.repairs_support import DAY, HOUR, T0, make_world

NOW = T0 + 33 * DAY


@pytest.fixture
def orders(service_app: App) -> dict[str, int]:
    """A: on time. B: 6 h late. C: late against its first promise, on time against the
    new one. D: April, 24 h late, no asset. E, G: open (G overdue). F: cancelled."""
    w = make_world(service_app)
    ids: dict[str, int] = {}
    with service_app.transaction(now=T0) as uow:
        for name, customer, asset, where, who, days in (
                ("A", "张三", "excavator", "workshop", "wang", 1),
                ("B", "张三", "crane", "field", "li", 1),
                ("C", "张三", "crane", "workshop", "wang", 1),
                ("D", "李四", None, "field", "wang", 31),
                ("E", "张三", None, "workshop", "li", 40),
                ("F", "张三", None, "workshop", "wang", 2),
                ("G", "李四", "loader", "field", "li", 30)):
            ids[name] = open_repair(
                uow, customer_id=w[customer], asset_id=w[asset] if asset else None,
                location=where, technician=who, promised_at=T0 + days * DAY).id
        change_promise(uow, ids["C"], T0 + 3 * DAY, reason="客户同意延期")
        cancel_repair(uow, ids["F"], reason="重复开单")
    with service_app.transaction(now=NOW) as uow:
        for name, took in (("A", 20 * HOUR), ("B", 30 * HOUR), ("C", 48 * HOUR),
                           ("D", 32 * DAY)):
            complete_repair(uow, ids[name], delivered_at=T0 + took)
        set_step(uow, ids["G"], "repairing", at=T0 + 29 * DAY)
    return ids


def _figures(rows: list) -> list[tuple]:
    return [(r.key, r.delivered, r.on_time, r.on_time_rate, r.first_promise_met,
             r.first_promise_rate, r.average_late_hours, r.average_turnaround_hours)
            for r in rows]


def test_on_time_by_period_and_total(service_app: App, orders: dict) -> None:
    with service_app.transaction(now=NOW) as uow:
        rows, total = on_time_rows(uow)
        april, _ = on_time_rows(uow, start="2026-04-01", end="2026-04-30")
        weeks, _ = on_time_rows(uow, grain="week")
    assert _figures(rows) == [
        ("2026-03", 3, 2, 0.6667, 1, 0.3333, 6.0, 32.7),
        ("2026-04", 1, 0, 0.0, 0, 0.0, 24.0, 768.0)]
    assert _figures([total]) == [("total", 4, 2, 0.5, 1, 0.25, 15.0, 216.5)]
    assert [r.key for r in april] == ["2026-04"]
    assert [(r.key, r.delivered) for r in weeks] == [("2026-W10", 3), ("2026-W14", 1)]


def test_on_time_by_location_technician_and_product(service_app: App, orders: dict) -> None:
    with service_app.transaction(now=NOW) as uow:
        by = {d: [(r.key, r.delivered, r.on_time) for r in on_time_rows(uow, by=d)[0]]
              for d in ("location", "technician", "product")}
        with pytest.raises(ValidationError) as caught:
            on_time_rows(uow, by="colour")
        assert caught.value.field == "by"
        with pytest.raises(ValidationError) as caught:
            on_time_rows(uow, start="2026-04-30", end="2026-04-01")
        assert caught.value.field == "end"
        report = on_time_report(uow, by="location", location="field")
    assert by["location"] == [("field", 2, 0), ("workshop", 2, 2)]
    assert by["technician"] == [("li", 1, 0), ("wang", 3, 2)]
    assert by["product"] == [("(none)", 1, 0), ("履带式挖掘机 XE215", 1, 1),
                             ("汽车起重机 QY25K", 2, 1)]
    assert report["total"]["delivered"] == 2 and report["rows"][0]["on_time_rate"] == 0.0


def test_progress_lists_open_orders_overdue_first(service_app: App, orders: dict) -> None:
    with service_app.transaction(now=NOW) as uow:
        rows = progress_rows(uow)
    assert [(r.id, r.step, r.hours_to_promise, r.overdue, r.step_since) for r in rows] == [
        (orders["G"], "repairing", -72.0, True, T0 + 29 * DAY),
        (orders["E"], "received", 168.0, False, T0)]


def test_reports_count_only_what_the_principal_may_see(service_app: App, orders: dict) -> None:
    with service_app.transaction(now=NOW, as_user="li") as uow:
        _, total = on_time_rows(uow)
        board = progress_rows(uow)
    # li sees 李四's orders (D, G) and those he is the technician of (B, E).
    assert (total.delivered, total.on_time) == (2, 0)
    assert {r.id for r in board} == {orders["E"], orders["G"]}
