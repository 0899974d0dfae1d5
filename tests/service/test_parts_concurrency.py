"""Two reservations of the last units at the same moment: one succeeds, one is refused,
stock is never oversold (SQLite serialises writers; PostgreSQL re-checks the conditional
UPDATE after the row lock).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import threading
import time

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi_service.parts.catalogue import add_location, add_part
from guanxi_service.parts.reports import stock_rows
from guanxi_service.parts.reservations import reserve, use_part
from guanxi_service.parts.stock import receive
from guanxi_service.repairs.service import open_repair
from tests.service.repairs_support import T0, count, make_world


def _race(app: App, jobs: list) -> list[str]:
    """Run each job in its own thread and transaction, all started together; each holds
    its transaction a moment after its change, so the others must wait or re-check."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def run(job: object) -> None:
        barrier.wait()
        try:
            with app.transaction(now=T0) as uow:
                job(uow)
                time.sleep(0.2)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(f"refused: {exc.reason}")

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def _setup(app: App) -> list[int]:
    world = make_world(app)
    with app.transaction(now=T0) as uow:
        add_part(uow, number="P-1", name="斗齿", unit_cost="45.00")
        add_location(uow, code="XZ", name="徐州中心库")
        receive(uow, "P-1", "XZ", 4)
        return [open_repair(uow, customer_id=world[name]).id for name in ("张三", "李四")]


def test_concurrent_reservations_cannot_oversell(service_app: App) -> None:
    a, b = _setup(service_app)
    outcomes = _race(service_app, [lambda uow: reserve(uow, a, "P-1", "XZ", 3),
                                   lambda uow: reserve(uow, b, "P-1", "XZ", 3)])
    assert outcomes[0] == "ok"
    assert outcomes[1].startswith("refused: cannot reserve 3 pc of P-1 at XZ: only 1 available")
    with service_app.transaction() as uow:
        row = stock_rows(uow)[0]
    assert (row.on_hand, row.reserved, row.available) == (4, 3, 1)
    assert count(service_app, "service_part_reservation") == 1


def test_concurrent_issues_of_unreserved_stock_cannot_go_below_zero(service_app: App) -> None:
    a, b = _setup(service_app)
    outcomes = _race(service_app, [
        lambda uow: use_part(uow, a, "P-1", 3, location="XZ"),
        lambda uow: use_part(uow, b, "P-1", 2, location="XZ")])
    assert outcomes[0] == "ok" and outcomes[1].startswith("refused: cannot use")
    with service_app.transaction() as uow:
        row = stock_rows(uow)[0]
    assert row.on_hand in (1, 2) and row.reserved == 0
