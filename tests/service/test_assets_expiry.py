"""Assets: the warranty expiry job (reminder tasks, ``service.warranty_expired``), the
reports, and the demo data.

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.models import CustomerRole, Staff, Task
from guanxi.services.customers import add_customers
from guanxi.services.jobs import run_due
from guanxi_service.assets.demo import generate_demo
from guanxi_service.assets.expiry import JOB, warranty_expiry
from guanxi_service.assets.models import Asset, AssetEvent, Warranty
from guanxi_service.assets.reports import assets_by_dealer, warranties_expiring
from guanxi_service.assets.service import add_warranty, register_asset, retire_asset
from tests.service.assets_support import T0, TODAY, count, kinds_logged, make_world, settings


@pytest.fixture
def app(make_service_app: Callable[..., App]) -> App:
    return make_service_app(settings=settings(reminder_days=20))


@pytest.fixture
def world(app: App) -> dict[str, int]:
    """Assets of wang's 三一 (A: ends in 10 days; B: in 10 days but extended; C: ended a
    week ago), of the unowned dealer (D: ends in 30 days) and a retired one (E)."""
    ids = make_world(app)
    with app.transaction(now=T0 - dt.timedelta(days=400)) as uow:
        def asset(serial: str, owner: int) -> int:
            return register_asset(uow, customer_id=owner, serial_number=serial,
                                  product="轮式装载机", model="LW500",
                                  dealer_id=ids["dealer"],
                                  handed_over_on=TODAY - dt.timedelta(days=400)).id
        for key, owner in (("A", ids["sany"]), ("B", ids["sany"]), ("C", ids["sany"]),
                           ("D", ids["dealer2"]), ("E", ids["sany"])):
            ids[key] = asset(f"LW500-{key}", owner)

    def term(key: str, start: dt.date, end: dt.date, name: str = "整机三包") -> int:
        with app.transaction(now=T0 - dt.timedelta(days=400)) as uow:
            return add_warranty(uow, ids[key], terms=name, starts_on=start, ends_on=end).id

    start = TODAY - dt.timedelta(days=400)
    ids["wA"] = term("A", start, TODAY + dt.timedelta(days=10))
    ids["wB"] = term("B", start, TODAY + dt.timedelta(days=10))
    ids["wB2"] = term("B", TODAY + dt.timedelta(days=11), TODAY + dt.timedelta(days=800), "延保")
    ids["wC"] = term("C", start, TODAY - dt.timedelta(days=7))
    ids["wD"] = term("D", start, TODAY + dt.timedelta(days=30))
    ids["wE"] = term("E", start, TODAY - dt.timedelta(days=1))
    with app.transaction(now=T0 - dt.timedelta(days=1)) as uow:
        retire_asset(uow, ids["E"], reason="报废")
    return ids


def _tasks(app: App) -> list[tuple[int, str, int | None, dt.datetime]]:
    with app.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(
            Task.customer_id, Task.title, Task.assignee_id, Task.due_at).order_by(Task.id))]


def _run(app: App, at: dt.datetime = T0) -> str:
    with app.transaction(now=at) as uow:
        return warranty_expiry(uow, at)


def test_the_job_reminds_once_and_announces_the_end_once(app: App, world: dict) -> None:
    assert _run(app) == "1 reminders, 1 warranties expired"
    with app.engine.connect() as connection:
        wang = connection.execute(select(Staff.id).where(Staff.username == "wang")).scalar_one()
        flags = dict(connection.execute(select(Warranty.id, Warranty.reminded_on)).all())
        logged = dict(connection.execute(select(Warranty.id, Warranty.expired_logged)).all())
    tasks = _tasks(app)
    assert len(tasks) == 1
    customer, title, assignee, due = tasks[0]
    # A is wang's customer's: the task is his, due within a week (09:00 Shanghai).
    assert (customer, assignee) == (world["sany"], wang)
    assert "LW500-A" in title and "保修即将到期" in title
    assert due == dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)
    # B continues into its extension, D ends beyond the 20 days: no reminder (yet).
    assert flags[world["wA"]] == TODAY and flags[world["wB"]] is None
    assert flags[world["wD"]] is None
    expired = [(c, p) for c, k, p in kinds_logged(app) if k == "service.warranty_expired"]
    assert expired == [(world["sany"], {
        "asset_id": world["C"], "warranty_id": world["wC"], "serial": "LW500-C",
        "terms": "整机三包", "starts_on": "2025-01-26", "ends_on": "2026-02-23"})]
    # The retired asset's term is marked without an announcement (no return visit for scrap).
    assert logged[world["wC"]] and logged[world["wE"]]
    before = (count(app, "task"), count(app, "interaction"), count(app, "service_asset_event"))
    assert _run(app) == "0 reminders, 0 warranties expired"
    assert _run(app, T0 + dt.timedelta(hours=5)) == "0 reminders, 0 warranties expired"
    assert (count(app, "task"), count(app, "interaction"),
            count(app, "service_asset_event")) == before


def test_later_days_bring_the_later_reminders(app: App, world: dict) -> None:
    _run(app)
    assert _run(app, T0 + dt.timedelta(days=10)) == "1 reminders, 0 warranties expired"
    assert [t[0] for t in _tasks(app)] == [world["sany"], world["dealer2"]]
    assert _tasks(app)[1][2] is None  # an unowned customer: an unassigned task
    # The day after A ends, it is announced; B is covered by its extension but ended too.
    assert _run(app, T0 + dt.timedelta(days=11)) == "0 reminders, 2 warranties expired"
    with app.engine.connect() as connection:
        kinds = connection.execute(select(AssetEvent.kind).where(
            AssetEvent.asset_id == world["A"]).order_by(AssetEvent.id)).scalars().all()
    assert kinds[-2:] == ["warranty_reminded", "warranty_expired"]


def test_the_registered_job_runs_through_the_scheduler(app: App, world: dict) -> None:
    assert JOB in app.registry.jobs
    assert run_due(app, now=T0, only=JOB) == []  # first due at 06:30 tomorrow (Shanghai)
    outcomes = run_due(app, now=T0 + dt.timedelta(days=1), only=JOB)
    assert [(o.status, o.detail, o.due_at) for o in outcomes] == [
        ("ok", "1 reminders, 1 warranties expired",
         dt.datetime(2026, 3, 2, 22, 30, tzinfo=dt.UTC))]
    assert run_due(app, now=T0 + dt.timedelta(days=1, hours=1), only=JOB) == []


def test_the_expiring_report_lists_what_ends_soon(app: App, world: dict) -> None:
    _run(app)
    with app.transaction(now=T0) as uow:
        rows = warranties_expiring(uow)  # the settings' 20 days
        wider = warranties_expiring(uow, days="30")
        later = warranties_expiring(uow, days=5, on="2026-03-10")
        report = app.registry.reports["service.warranty_expiring"].func(uow, days="30")
        for bad in ({"days": "-1"}, {"days": "x"}, {"on": "2026-13-01"}):
            with pytest.raises(ValidationError):
                warranties_expiring(uow, **bad)
    assert [(r.serial_number, r.days_left, r.reminded_on) for r in rows] == [
        ("LW500-A", 10, TODAY), ("LW500-B", 10, None)]
    assert [r.serial_number for r in wider] == ["LW500-A", "LW500-B", "LW500-D"]
    assert [(r.serial_number, r.days_left) for r in later] == [("LW500-A", 2), ("LW500-B", 2)]
    assert report["days"] == 30 and report["rows"][2]["customer"] == "山东经销"
    assert report["rows"][0]["dealer"] == "徐工江苏经销"


def test_assets_by_dealer_counts_in_and_out_of_warranty(app: App, world: dict) -> None:
    with app.transaction(now=T0) as uow:
        register_asset(uow, customer_id=world["zhang"], serial_number="XE215-Z",
                       product="履带式挖掘机")
        rows = [(r.dealer, r.product, r.assets, r.in_warranty, r.expired, r.no_warranty)
                for r in assets_by_dealer(uow)]
        all_rows = assets_by_dealer(uow, status=None)
        report = app.registry.reports["service.assets_by_dealer"].func(uow, on="2026-03-13")
    # A, B, D in warranty, C expired (E retired: not counted unless asked for).
    assert rows == [("徐工江苏经销", "轮式装载机", 4, 3, 1, 0), (None, "履带式挖掘机", 1, 0, 0, 1)]
    assert sum(r.assets for r in all_rows) == 6
    # On 2026-03-13 A has ended; B runs on in its extension.
    assert report["rows"][0]["in_warranty"] == 2 and report["rows"][0]["out_of_warranty"] == 2
    assert report["total"] == {"assets": 5, "in_warranty": 2, "out_of_warranty": 3}


def test_the_demo_registers_machines_with_dealers_and_warranties(app: App) -> None:
    with app.transaction(now=T0) as uow:
        customers = add_customers(uow, [
            *({"kind": "organization", "name": f"{city}工程有限公司"}
              for city in ("徐州", "南京", "合肥", "郑州", "西安", "成都", "济南", "连云港",
                           "无锡", "常州", "苏州", "扬州")),
            *({"name": name} for name in ("王师傅", "李师傅", "赵师傅", "刘师傅"))])
        generate_demo(uow, random.Random(7), customers)
        expiring = warranties_expiring(uow, days=30)
    with app.engine.connect() as connection:
        assets = connection.execute(select(Asset)).all()
        dealers = set(connection.execute(select(CustomerRole.customer_id).where(
            CustomerRole.role == "dealer")).scalars())
        statuses = [a.status for a in assets]
    assert len(assets) == 40 and statuses.count("retired") == 1
    assert {a.dealer_id for a in assets} <= dealers and len(dealers) == 5
    products = {a.product for a in assets}
    assert products & {"履带式挖掘机", "轮式装载机"} and products & {"重型卡车", "牵引车"}
    assert {a.customer_id for a in assets if a.product in ("重型卡车", "牵引车")} <= {
        c.id for c in customers if c.kind == "person"}
    assert len(expiring) >= 5
    assert count(app, "service_warranty") >= 40
    transferred = [c for c, k, _ in kinds_logged(app) if k == "service.asset_transferred"]
    assert len(transferred) == 2
