"""Migrate each test's empty database by replaying recorded DDL instead of Alembic.

Almost every test starts from an empty database migrated to ``heads``. Running Alembic
for that costs about 0.4 s on SQLite and over a second on PostgreSQL, mostly in Alembic
itself (loading and ordering every plugin's revisions, one round trip per statement),
which over a suite of thousands of tests came to half of CI's time.

The first upgrade of an empty database for a given set of migration folders and dialect
runs Alembic for real while recording the SQL it sends; later ones replay that SQL in
one transaction. The result is the same schema and the same ``alembic_version`` rows
(``tests/storage/test_migration_cache.py`` checks it). Anything else (a target other
than ``heads``, a database that already has tables, downgrades) goes to Alembic, and the
migration tests import the real function directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, inspect

from guanxi.app import App
from guanxi.db import migrate

# Statements that are about the session or read the catalogue, not the schema.
_SKIPPED = ("SELECT", "PRAGMA", "SHOW", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

Statement = tuple[str, Any]
_recorded: dict[tuple[str, tuple[str, ...]], list[Statement]] = {}
real_upgrade = migrate.upgrade


def _key(app: App) -> tuple[str, tuple[str, ...]]:
    folders = tuple(str(path) for path in migrate.version_locations(app))
    return app.engine.dialect.name, folders


def _empty(app: App) -> bool:
    return not inspect(app.engine).get_table_names()


def _record(app: App, target: str) -> list[Statement]:
    statements: list[Statement] = []

    def listener(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if not sql.lstrip().upper().startswith(_SKIPPED):
            statements.append((sql, params))

    event.listen(app.engine, "before_cursor_execute", listener)
    try:
        real_upgrade(app, target)
    finally:
        event.remove(app.engine, "before_cursor_execute", listener)
    return statements


def _batches(statements: Sequence[Statement], dialect: str) -> list[Statement]:
    """On PostgreSQL, runs of parameterless statements joined into one round trip."""
    if dialect != "postgresql":
        return list(statements)
    batches: list[Statement] = []
    pending: list[str] = []
    for sql, params in statements:
        if params:
            if pending:
                batches.append((";\n".join(pending), None))
                pending = []
            batches.append((sql, params))
        else:
            pending.append(sql)
    if pending:
        batches.append((";\n".join(pending), None))
    return batches


def cached_upgrade(app: App, target: str = "heads") -> None:
    """``guanxi.db.migrate.upgrade``, replaying recorded DDL on an empty database."""
    if target != "heads" or not _empty(app):
        real_upgrade(app, target)
        return
    key = _key(app)
    if key not in _recorded:
        statements = _record(app, target)
        _recorded[key] = _batches(statements, key[0])
        return
    # The same connection set-up as a real upgrade (on SQLite: foreign keys off while
    # the schema changes, checked before committing).
    with migrate._migration_connection(app) as connection:
        for sql, params in _recorded[key]:
            if params:
                connection.exec_driver_sql(sql, params)
            else:
                connection.exec_driver_sql(sql)


def install() -> None:
    """Route every later ``from guanxi.db.migrate import upgrade`` to the cache."""
    migrate.upgrade = cached_upgrade
