"""The append-only interaction log, its rollups and the customer 360 view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

import guanxi
from guanxi.app import App
from guanxi.errors import BatchValidationError, ValidationError
from guanxi.models import Interaction
from guanxi.services import interactions as log_service
from guanxi.services.customer360 import customer_360
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction, log_interactions, timeline
from guanxi.services.staff import add_staff

UTC = dt.UTC


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def customer_id(app: App) -> int:
    with app.transaction() as uow:
        add_staff(uow, username="li", display_name="李")
        record = add_customer(uow, name="王芳", emails=["wf@example.com"])
    assert record.id is not None
    return record.id


def logged(app: App) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Interaction)).scalar_one()


def test_log_and_timeline_newest_first(app: App, customer_id: int) -> None:
    with app.transaction() as uow:
        log_interactions(
            uow,
            [
                {
                    "customer_id": customer_id,
                    "kind": "core.contact",
                    "channel": "phone",
                    "occurred_at": at(1),
                },
                {
                    "customer_id": customer_id,
                    "kind": "core.purchase",
                    "channel": "pos",
                    "occurred_at": at(3),
                    "revenue": "199.90",
                    "payload": {"lines": [{"name": "茶叶", "quantity": 2}]},
                },
                {
                    "customer_id": customer_id,
                    "kind": "core.note",
                    "occurred_at": at(2),
                    "actor": "li",
                    "payload": {"text": "喜欢上午联系"},
                },
            ],
        )
    with app.transaction() as uow:
        items = timeline(uow, customer_id)
        assert [i.kind for i in items] == ["core.purchase", "core.note", "core.contact"]
        assert items[0].revenue == Decimal("199.90")
        assert items[1].actor_id is not None
        page = timeline(uow, customer_id, limit=1, before_id=items[0].id)
        assert [i.kind for i in page] == ["core.note"]
        assert [i.kind for i in timeline(uow, customer_id, kind_prefix="core.p")] == [
            "core.purchase"
        ]


def test_rollups_are_maintained_on_write(app: App, customer_id: int) -> None:
    with app.transaction() as uow:
        log_interactions(
            uow,
            [
                {
                    "customer_id": customer_id,
                    "kind": "core.purchase",
                    "channel": "pos",
                    "occurred_at": at(5),
                    "revenue": "100.10",
                    "cost": "5.00",
                },
                {
                    "customer_id": customer_id,
                    "kind": "core.contact",
                    "channel": "phone",
                    "occurred_at": at(1),
                    "cost": "2.50",
                },
            ],
        )
    with app.transaction() as uow:  # a second batch merges into the stored rollup
        log_interaction(
            uow,
            customer_id=customer_id,
            kind="core.purchase",
            channel="web",
            occurred_at=at(9),
            revenue="0.20",
        )
        log_interaction(
            uow, customer_id=customer_id, kind="core.contact", channel="phone", occurred_at=at(7)
        )
    with app.transaction() as uow:
        rollup = customer_360(uow, customer_id).rollup
    assert rollup["interaction_count"] == 4
    assert rollup["revenue"] == Decimal("100.30")  # exact: no float drift
    assert rollup["revenue_count"] == 2
    assert rollup["cost"] == Decimal("7.50")
    assert rollup["first_at"] == at(1) and rollup["last_at"] == at(9)
    assert rollup["counts_by_kind"] == {"core.purchase": 2, "core.contact": 2}
    assert rollup["counts_by_family"] == {"core": 4}
    assert rollup["last_by_channel"] == {
        "pos": "2026-03-05T10:00:00Z",
        "phone": "2026-03-07T10:00:00Z",
        "web": "2026-03-09T10:00:00Z",
    }
    assert rollup["last_by_kind"]["core.purchase"] == "2026-03-09T10:00:00Z"


def test_corrections_are_new_entries(app: App, customer_id: int) -> None:
    with app.transaction() as uow:
        wrong = log_interaction(
            uow, customer_id=customer_id, kind="core.purchase", revenue="500.00", occurred_at=at(1)
        )
        log_interaction(
            uow,
            customer_id=customer_id,
            kind="core.purchase",
            revenue="-500.00",
            occurred_at=at(2),
            corrects_id=wrong.id,
            subject="refund of a wrong entry",
        )
    with app.transaction() as uow:
        view = customer_360(uow, customer_id)
    assert view.rollup["revenue"] == Decimal("0.00")
    assert view.rollup["revenue_count"] == 1  # the correction is no second purchase
    assert len(view.recent) == 2  # the wrong entry is still there: the log is append-only
    assert not hasattr(log_service, "update_interaction") and not hasattr(
        log_service, "delete_interaction"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "core.unknown"}, "field 'kind': unknown interaction kind"),
        ({"kind": "core.contact", "channel": "telepathy"}, "unknown channel"),
        ({"kind": "core.note", "payload": {}}, "field 'payload.text'"),
        ({"kind": "core.note", "payload": {"text": "x", "extra": 1}}, "field 'payload.extra'"),
        ({"kind": "core.purchase", "revenue": "-1"}, "field 'revenue': must not be negative"),
        ({"kind": "core.purchase", "revenue": "1.001"}, "more than 2 decimal places"),
        (
            {"kind": "core.contact", "occurred_at": dt.datetime(2999, 1, 1, tzinfo=UTC)},
            "in the future",
        ),
        ({"kind": "core.contact", "actor": "ghost"}, "field 'actor': no staff user 'ghost'"),
        ({"kind": "core.contact", "corrects_id": 999}, "field 'corrects_id'"),
        ({"kind": "core.contact", "customer_id": 424242}, "field 'customer_id': no customer"),
        ({"kind": "core.contact", "direction": "sideways"}, "field 'direction'"),
    ],
)
def test_bad_interactions_are_refused(
    app: App, customer_id: int, fields: dict, message: str
) -> None:
    data = {"customer_id": customer_id, **fields}
    with pytest.raises(ValidationError, match=message), app.transaction() as uow:
        log_interaction(uow, **data)
    assert logged(app) == 0


def test_batch_with_one_bad_row_stores_nothing(app: App, customer_id: int) -> None:
    rows = [
        {"customer_id": customer_id, "kind": "core.contact"},
        {"customer_id": customer_id, "kind": "core.nope"},
    ]
    with pytest.raises(BatchValidationError, match="row 2, field 'kind'"), app.transaction() as uow:
        log_interactions(uow, rows)
    assert logged(app) == 0


def test_naive_times_are_read_in_the_display_zone(app: App, customer_id: int) -> None:
    assert app.settings.timezone == "Asia/Shanghai"
    with app.transaction() as uow:
        record = log_interaction(
            uow,
            customer_id=customer_id,
            kind="core.contact",
            occurred_at=dt.datetime(2026, 3, 1, 9, 0),
        )
    assert record.occurred_at == dt.datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


class HomeVisit(BaseModel):
    nurse: str
    minutes: int


class Visits:
    """A plugin that registers a kind, reacts to logged batches and adds a 360 section."""

    plugin = guanxi.Plugin(name="visits", version="1.0")
    batches: list[int] = []

    @staticmethod
    @guanxi.hookimpl
    def register_interaction_kinds(register):  # type: ignore[no-untyped-def]
        register("visits.home", schema=HomeVisit, default_channel="visit")

    @staticmethod
    @guanxi.hookimpl
    def interactions_logged(uow, interactions):  # type: ignore[no-untyped-def]
        Visits.batches.append(len(interactions))
        if any(i.payload.get("nurse") == "refuse" for i in interactions):
            raise RuntimeError("refused")

    @staticmethod
    @guanxi.hookimpl
    def customer_360_sections(uow, customer):  # type: ignore[no-untyped-def]
        from guanxi.registry import Section

        return Section("home visits", rows=[("nurse", "张护士")])


def test_plugin_kind_batch_hook_and_360_section(make_app, customer_id: int) -> None:  # type: ignore[no-untyped-def]
    app = make_app(plugins=[Visits], enable=["visits"], migrate=False)
    Visits.batches.clear()
    rows = [
        {
            "customer_id": customer_id,
            "kind": "visits.home",
            "payload": {"nurse": "张", "minutes": m},
        }
        for m in (10, 20, 30)
    ]
    with app.transaction() as uow:
        stored = log_interactions(uow, rows)
    assert Visits.batches == [3]  # one hook call for the whole batch
    assert {i.channel for i in stored} == {"visit"}
    with pytest.raises(ValidationError, match="payload.minutes"), app.transaction() as uow:
        log_interaction(
            uow,
            customer_id=customer_id,
            kind="visits.home",
            payload={"nurse": "x", "minutes": "long"},
        )
    with pytest.raises(RuntimeError), app.transaction() as uow:
        log_interaction(
            uow,
            customer_id=customer_id,
            kind="visits.home",
            payload={"nurse": "refuse", "minutes": 1},
        )
    with app.transaction() as uow:
        view = customer_360(uow, customer_id)
    assert (
        view.rollup["interaction_count"] == 3
    )  # the refused batch left no trace, not even in rollups
    assert [s.title for s in view.sections] == ["home visits"]


def test_concurrent_writers_lose_no_rollup_update(app: App, customer_id: int) -> None:
    """Two processes logging for the same customer at once (cron job and an import)."""
    import threading

    def write(times: int) -> None:
        for _ in range(times):
            with app.transaction() as uow:
                log_interactions(
                    uow,
                    [{"customer_id": customer_id, "kind": "core.purchase", "revenue": "1.00"}] * 5,
                )

    threads = [threading.Thread(target=write, args=(10,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.transaction() as uow:
        rollup = customer_360(uow, customer_id).rollup
    assert rollup["interaction_count"] == 100
    assert rollup["revenue"] == Decimal("100.00")
