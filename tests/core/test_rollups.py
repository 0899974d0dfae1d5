"""Rollups merged in SQL agree with a recomputation from the log (both backends).

The rollups are one upsert per interaction that adds to the stored row in the database
(docs/decisions/0008-rollups-merged-in-sql.md). Whatever the batches, customers,
kinds, channels, amounts and corrections, the stored rollup must equal what the log
itself says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from guanxi.app import App
from guanxi.models import CustomerRollup, Interaction
from guanxi.services.customer360 import rollup_of
from guanxi.services.customers import add_customers
from guanxi.services.interactions import log_interactions
from guanxi.services.rollups import stamp

UTC = dt.UTC
# A channel whose name a SQLite JSON path cannot quote takes the general statement.
CHANNELS = ["phone", "pos", "web", 'we"chat', "back\\slash", "other"]
KINDS = ["core.note", "core.contact", "core.purchase"]
START = dt.datetime(2025, 1, 1, tzinfo=UTC)


def rollup_app(make_app: Callable[..., App]) -> App:
    return make_app(settings={"core": {"channels": CHANNELS}})


def recomputed(app: App, customer_id: int) -> dict[str, Any]:
    """The rollup of ``customer_id`` computed from the log alone."""
    with app.transaction() as uow:
        rows = list(
            uow.session.exec(select(Interaction).where(Interaction.customer_id == customer_id))
        )
    expected: dict[str, Any] = {
        "first_at": None,
        "last_at": None,
        "interaction_count": 0,
        "revenue_count": 0,
        "revenue": Decimal("0.00"),
        "cost": Decimal("0.00"),
        "counts_by_kind": {},
        "last_by_kind": {},
        "last_by_channel": {},
    }
    for (row,) in rows:
        at = row.occurred_at
        expected["first_at"] = min(filter(None, (expected["first_at"], at)))
        expected["last_at"] = max(filter(None, (expected["last_at"], at)))
        expected["interaction_count"] += 1
        if row.revenue is not None:
            expected["revenue"] += row.revenue
            if row.corrects_id is None and row.revenue > 0:
                expected["revenue_count"] += 1
        if row.cost is not None:
            expected["cost"] += row.cost
        counts = expected["counts_by_kind"]
        counts[row.kind] = counts.get(row.kind, 0) + 1
        for key, name in (("last_by_kind", row.kind), ("last_by_channel", row.channel)):
            expected[key][name] = max(expected[key].get(name, ""), stamp(at))
    return expected


def stored(app: App, customer_id: int) -> dict[str, Any]:
    with app.transaction() as uow:
        view = rollup_of(uow, customer_id)
    view.pop("counts_by_family")
    if view["interaction_count"] == 0:  # no row yet: the view shows no amounts
        view["revenue"] = view["cost"] = Decimal("0.00")
    return view


def new_customers(app: App, count: int) -> list[int]:
    with app.transaction() as uow:
        records = add_customers(uow, [{"name": f"客户{i}"} for i in range(count)])
    return [r.id for r in records if r.id is not None]


amounts = st.one_of(
    st.none(), st.integers(min_value=0, max_value=10**7).map(lambda c: Decimal(c).scaleb(-2))
)
entry = st.fixed_dictionaries(
    {
        "customer": st.integers(min_value=0, max_value=2),
        "kind": st.sampled_from(KINDS),
        "channel": st.sampled_from(CHANNELS),
        # Microseconds and seconds vary: the maps keep whole seconds, the columns all.
        "offset": st.integers(min_value=0, max_value=400 * 86400 * 10**6),
        "revenue": amounts,
        "cost": amounts,
        "correct": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(st.lists(entry, min_size=1, max_size=12), min_size=1, max_size=4))
def test_rollups_equal_a_recomputation_from_the_log(
    make_app: Callable[..., App], batches: list[list[dict[str, Any]]]
) -> None:
    app = getattr(make_app, "_rollup_app", None)
    if app is None:  # one app per test (and backend), new customers per example
        app = make_app._rollup_app = rollup_app(make_app)  # type: ignore[attr-defined]
    customers = new_customers(app, 3)
    logged: dict[int, list[tuple[int, Decimal | None, Decimal | None]]] = {}
    for batch in batches:
        rows = []
        for item in batch:
            customer_id = customers[item["customer"]]
            row: dict[str, Any] = {
                "customer_id": customer_id,
                "kind": item["kind"],
                "channel": item["channel"],
                "occurred_at": START + dt.timedelta(microseconds=item["offset"]),
                "revenue": item["revenue"],
                "cost": item["cost"],
                "payload": {"text": "备注"} if item["kind"] == "core.note" else {},
            }
            earlier = logged.get(customer_id)
            if item["correct"] and earlier:
                wrong_id, revenue, cost = earlier[-1]
                row["corrects_id"] = wrong_id
                row["revenue"] = -revenue if revenue is not None else None
                row["cost"] = -cost if cost is not None else None
            rows.append(row)
        with app.transaction() as uow:
            records = log_interactions(uow, rows)
        for record in records:
            assert record.id is not None
            logged.setdefault(record.customer_id, []).append(
                (record.id, record.revenue, record.cost)
            )
    for customer_id in customers:
        assert stored(app, customer_id) == recomputed(app, customer_id)


def test_merges_into_a_row_written_by_the_orm(make_app: Callable[..., App]) -> None:
    """A stored row (maps as the ORM writes JSON) takes new entries key by key."""
    app = rollup_app(make_app)
    (customer_id,) = new_customers(app, 1)
    with app.transaction() as uow:
        uow.session.add(
            CustomerRollup(
                customer_id=customer_id,
                first_at=dt.datetime(2026, 3, 2, 9, tzinfo=UTC),
                last_at=dt.datetime(2026, 3, 4, 9, tzinfo=UTC),
                interaction_count=2,
                revenue_count=1,
                revenue=Decimal("10.00"),
                cost=Decimal("1.00"),
                counts_by_kind={"core.purchase": 1, "shop.visit": 1},
                last_by_kind={"core.purchase": "2026-03-02T09:00:00Z"},
                last_by_channel={"pos": "2026-03-04T09:00:00Z", 'we"chat': "2026-03-04T09:00:00Z"},
            )
        )
    with app.transaction() as uow:
        log_interactions(
            uow,
            [
                {
                    "customer_id": customer_id,
                    "kind": "core.purchase",
                    "channel": "pos",
                    "occurred_at": dt.datetime(2026, 3, 3, 9, tzinfo=UTC),
                    "revenue": "5.50",
                },
                {
                    "customer_id": customer_id,
                    "kind": "core.contact",
                    "channel": 'we"chat',
                    "occurred_at": dt.datetime(2026, 3, 1, 8, 30, 15, 999999, tzinfo=UTC),
                    "cost": "0.25",
                },
            ],
        )
    with app.transaction() as uow:
        view = rollup_of(uow, customer_id)
    assert view["first_at"] == dt.datetime(2026, 3, 1, 8, 30, 15, 999999, tzinfo=UTC)
    assert view["last_at"] == dt.datetime(2026, 3, 4, 9, tzinfo=UTC)
    assert (view["interaction_count"], view["revenue_count"]) == (4, 2)
    assert (view["revenue"], view["cost"]) == (Decimal("15.50"), Decimal("1.25"))
    assert view["counts_by_kind"] == {"core.purchase": 2, "shop.visit": 1, "core.contact": 1}
    assert view["counts_by_family"] == {"core": 3, "shop": 1}
    assert view["last_by_kind"] == {
        "core.purchase": "2026-03-03T09:00:00Z",
        "core.contact": "2026-03-01T08:30:15Z",
    }
    assert view["last_by_channel"] == {
        "pos": "2026-03-04T09:00:00Z",  # the stored time is later than the new one
        'we"chat': "2026-03-04T09:00:00Z",
    }


def test_stamp_matches_the_stored_format() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert stamp(dt.datetime(2026, 5, 3, 10, 14, 0, 123, tzinfo=shanghai)) == "2026-05-03T02:14:00Z"
    for value in (dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), START, dt.datetime.now(shanghai)):
        assert stamp(value) == value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
