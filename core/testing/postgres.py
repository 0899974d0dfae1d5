"""A throwaway PostgreSQL schema per test, so tests share one server and database.

A schema is much cheaper to create and drop than a database, and dropping it CASCADE
removes whatever the test created, Alembic's version table included.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from guanxi.db.engine import make_engine

# A connection that a test forgot to close would make DROP SCHEMA wait forever for its
# locks; fail the teardown instead.
DROP_LOCK_TIMEOUT = "10s"


def schema_url(server_url: str, schema: str) -> str:
    """``server_url`` with every connection's ``search_path`` set to ``schema``.

    libpq's ``options`` parameter reaches psycopg through SQLAlchemy's URL query, so
    unqualified names (the tables, ``alembic_version``) all land in that schema.
    """
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def fresh_schema_url(server_url: str) -> Iterator[str]:
    """Create a schema with a random name, yield a URL that uses it, then drop it."""
    schema = f"test_{secrets.token_hex(8)}"
    engine = make_engine(server_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield schema_url(server_url, schema)
        finally:
            with engine.begin() as connection:
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        engine.dispose()
