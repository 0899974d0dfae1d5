"""Engine creation for SQLite (embedded default) and PostgreSQL (server choice)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from guanxi.errors import DatabaseError, first_line

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 64 * 1024
# Connections kept open: one per web handler thread (guanxi.web.server) and some over. A
# connection beyond the pool is closed on return, and its successor starts with a cold
# page cache and its pragmas to run again.
SQLITE_POOL_SIZE = 10
# The execution option that marks an engine's transactions read-only (App.read_engine).
READ_ONLY = "guanxi_read_only"


def mask_url(url: str) -> str:
    """Return the URL with its password hidden, for messages and ``config show``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def resolve_sqlite_path(url: str, base_dir: Path) -> str:
    """Make a relative SQLite file path relative to the project folder, not the cwd."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return url
    if parsed.database == ":memory:" or Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=str((base_dir / parsed.database).resolve())).render_as_string(
        hide_password=False
    )


def sqlite_file(url: str, base_dir: Path) -> Path | None:
    """The file of a SQLite URL (relative paths against ``base_dir``); None otherwise."""
    parsed = make_url(resolve_sqlite_path(url, base_dir))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE for every transaction.

    pysqlite's own transaction handling starts transactions late and deferred; a
    deferred transaction that later writes can fail with SQLITE_BUSY instead of
    waiting. Taking the write lock at BEGIN makes concurrent writers (a cron job and
    an import) queue on the busy timeout, and makes id allocation in bulk inserts
    safe. This is the recipe from SQLAlchemy's SQLite dialect documentation.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # 64 MiB of page cache instead of SQLite's 2 MiB: indexes of a million customers
        # do not fit in 2 MiB, and random inserts and 360 views then wait on the disk.
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A read-only transaction begins deferred: in WAL mode it reads a snapshot while
        # one writer writes, instead of queueing for the write lock (decision 20). The
        # pragma makes SQLite refuse a write in it rather than upgrade the lock.
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        info = connection.connection.info  # per DBAPI connection: set only on change
        if info.get(READ_ONLY, False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only = {int(read_only)}")
            info[READ_ONLY] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _configure_postgresql(engine: Engine) -> None:
    """Read-only transactions are ``READ ONLY``: the server refuses a write in them."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")


def make_engine(url: str, *, base_dir: Path | None = None, echo: bool = False) -> Engine:
    """Create an engine for ``url`` and check that it connects.

    A URL that cannot be parsed or a server that cannot be reached raises
    :class:`~guanxi.errors.DatabaseError` with the (password-masked) URL and reason.
    """
    if base_dir is not None:
        url = resolve_sqlite_path(url, base_dir)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"database URL {url!r} is not valid: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the maintained driver; SQLAlchemy's bare default is psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if backend == "sqlite":
            engine = create_engine(parsed, echo=echo, connect_args={"timeout": 30},
                                   pool_size=SQLITE_POOL_SIZE)
            _configure_sqlite(engine)
        else:
            engine = create_engine(parsed, echo=echo, pool_pre_ping=True)
            if backend == "postgresql":
                _configure_postgresql(engine)
    except Exception as exc:  # a missing driver module, an unknown dialect
        raise DatabaseError(f"cannot use database {mask_url(url)}: {exc}") from exc
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        raise DatabaseError(f"cannot connect to {mask_url(url)}: {first_line(exc)}") from exc
    return engine
