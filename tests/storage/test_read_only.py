"""Read-only units of work: no write lock on SQLite, writes refused, reads still audited."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from guanxi.app import App
from guanxi.models import Customer
from guanxi.services.customers import add_customer


def customer_count(app: App) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Customer)).scalar_one())


def test_a_write_in_a_read_only_unit_of_work_is_refused(app: App) -> None:
    with app.transaction() as uow:
        add_customer(uow, name="王芳")
    with pytest.raises(DBAPIError, match="read.?only"), app.transaction(read_only=True) as uow:
        add_customer(uow, name="李雷")
    assert customer_count(app) == 1
    # The connection goes back to the pool writable: the next unit of work may write.
    with app.transaction() as uow:
        add_customer(uow, name="韩梅梅")
    assert customer_count(app) == 2


def test_a_reader_does_not_wait_for_a_writer(app: App) -> None:
    if app.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    with app.transaction() as uow:
        add_customer(uow, name="王芳")
    database = app.engine.url.database
    assert database is not None
    writer = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO customer_tag (customer_id, tag) VALUES (1, 'vip')")
        # A unit of work that began IMMEDIATE would now wait on the busy timeout; a
        # read-only one reads the last committed snapshot at once.
        with app.transaction(read_only=True) as uow:
            assert [c.name for c in uow.session.scalars(select(Customer))] == ["王芳"]
        writer.execute("COMMIT")
    finally:
        writer.close()
