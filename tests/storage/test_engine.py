"""Engine creation: SQLite's settings, PostgreSQL's driver, one-line masked errors."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from guanxi.app import App
from guanxi.db.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, mask_url
from guanxi.db.types import UTCDateTime, bulk_minor, to_minor
from guanxi.errors import DatabaseError
from guanxi.models import CustomerRole
from guanxi.testing.postgres import fresh_schema_url
from tests.conftest import POSTGRES_URL


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    yield engine
    engine.dispose()


def pragma(engine: Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_pragmas_are_in_effect(sqlite_engine: Engine) -> None:
    assert pragma(sqlite_engine, "journal_mode") == "wal"
    assert pragma(sqlite_engine, "foreign_keys") == 1
    assert pragma(sqlite_engine, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
    assert pragma(sqlite_engine, "synchronous") == 1  # NORMAL


def test_sqlite_transactions_take_the_write_lock_at_begin(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "engine.db", timeout=0, isolation_level=None)
    try:
        # Nothing written yet, but BEGIN IMMEDIATE already holds the lock.
        with sqlite_engine.begin(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_relative_sqlite_path_is_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    make_engine("sqlite:///data/crm.db", base_dir=tmp_path).dispose()
    assert (tmp_path / "data" / "crm.db").exists()


def test_foreign_keys_are_enforced(app: App) -> None:
    with pytest.raises(IntegrityError), app.engine.begin() as connection:
        connection.execute(CustomerRole.__table__.insert(), {"customer_id": 999, "role": "dealer"})


@pytest.mark.skipif(not POSTGRES_URL, reason="set GUANXI_TEST_POSTGRES_URL")
def test_postgresql_urls_use_psycopg_3_and_the_test_schema() -> None:
    with fresh_schema_url(POSTGRES_URL or "") as url:
        engine = make_engine(url)
        try:
            assert engine.dialect.driver == "psycopg"
            with engine.connect() as connection:
                schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
            assert schema is not None and schema.startswith("test_")
        finally:
            engine.dispose()


def test_unreachable_postgresql_is_a_one_line_error_without_the_password() -> None:
    with pytest.raises(DatabaseError) as caught:
        make_engine("postgresql://guanxi:s3cret-pw@127.0.0.1:1/guanxi")
    message = str(caught.value)
    assert "cannot connect to postgresql://guanxi:***@127.0.0.1:1/guanxi" in message
    assert "s3cret-pw" not in message
    assert "\n" not in message


def test_invalid_url_is_a_database_error() -> None:
    with pytest.raises(DatabaseError, match="not valid"):
        make_engine("not a url")


def test_mask_url_hides_only_the_password() -> None:
    assert mask_url("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert mask_url("sqlite:///crm.db") == "sqlite:///crm.db"


# --------------------------------------------------------------------------- bulk binds


@settings(max_examples=2000, deadline=None, database=None)
@given(
    value=st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.decimals(places=2, min_value=-(10**22), max_value=10**22),
        st.integers(min_value=-(10**22), max_value=10**22),
        st.text(alphabet="0123456789.-", max_size=12),
    )
)
def test_bulk_money_binds_like_to_minor(value: Any) -> None:
    """The bulk fast path stores what the Money type stores, and refuses the same."""

    def outcome(convert: Callable[[Any], int]) -> object:
        try:
            return convert(value)
        except Exception as exc:
            return type(exc)

    assert outcome(bulk_minor) == outcome(to_minor)


@settings(max_examples=1000, deadline=None, database=None)
@given(
    value=st.datetimes(
        timezones=st.sampled_from(
            [dt.UTC, dt.timezone(dt.timedelta(hours=8)), ZoneInfo("Asia/Shanghai")]
        )
    )
)
def test_bulk_datetime_binds_like_the_column_type(value: dt.datetime) -> None:
    dialect = sqlite.dialect()
    fast = UTCDateTime().bulk_bind_processor(dialect)
    full = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)

    def outcome(convert: Any, given: dt.datetime) -> Any:
        try:
            return ("stored", convert(given))
        except ValueError as exc:  # an instant before or after what UTC can hold
            return ("refused", str(exc))

    assert outcome(fast, value) == outcome(full, value)
    if outcome(full, value)[0] == "refused":
        assert "out of range in UTC" in outcome(full, value)[1]
        return
    assert fast(value.astimezone(dt.UTC)) == full(value)


def test_an_instant_before_the_first_utc_datetime_is_a_value_error() -> None:
    early = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with pytest.raises(ValueError, match="out of range in UTC"):
        UTCDateTime().bulk_bind_processor(sqlite.dialect())(early)
