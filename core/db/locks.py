"""The core's writer lock.

The audit chain needs its writers in sequence (each entry hashes the one before).
SQLite already runs one writer at a time (every transaction begins IMMEDIATE). On
PostgreSQL a transaction-level advisory lock does the same; it is re-entrant within a
transaction and released at commit or rollback. Writers of interactions take it too,
before they upsert any rollup row: the rollups are merged in SQL and would be correct
without it, but one lock taken first by both paths keeps the lock order trivial, so
writers cannot deadlock between the lock and the rollup rows.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

WRITER_LOCK_KEY = 0x6775_616E_7869  # "guanxi"


def serialize_writers(connection: Connection) -> None:
    """Hold the core's writer lock until this transaction ends (no-op on SQLite)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
