"""The core's writer lock.

Two things need their writers in sequence: the audit chain (each entry hashes the one
before) and the per-customer rollups (read, merge, write back). SQLite already runs one
writer at a time (every transaction begins IMMEDIATE). On PostgreSQL a transaction-level
advisory lock does the same for these two paths; it is re-entrant within a transaction
and released at commit or rollback. One lock for both keeps the lock order trivial, so
writers cannot deadlock on it.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

WRITER_LOCK_KEY = 0x6775_616E_7869  # "guanxi"


def serialize_writers(connection: Connection) -> None:
    """Hold the core's writer lock until this transaction ends (no-op on SQLite)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
