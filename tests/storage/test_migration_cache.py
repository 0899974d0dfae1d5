"""The test suite's migration cache gives the schema a real Alembic upgrade gives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import inspect

from guanxi.app import App
from guanxi.db.migrate import check, current
from tests import migration_cache
from tests.conftest import BACKENDS, POSTGRES_URL, bare_app


def _schema(app: App) -> dict[str, list[str]]:
    inspector = inspect(app.engine)
    return {
        table: sorted(
            [c["name"] for c in inspector.get_columns(table)]
            + [f"ix:{ix['name']}" for ix in inspector.get_indexes(table)]
            + [f"fk:{fk['referred_table']}" for fk in inspector.get_foreign_keys(table)]
        )
        for table in inspector.get_table_names()
    }


@pytest.fixture(params=BACKENDS)
def fresh_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Three empty databases of one backend."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path / f'db{n}.db'}" for n in range(3)]
        return
    from guanxi.testing.postgres import fresh_schema_url

    with ExitStack() as stack:
        yield [stack.enter_context(fresh_schema_url(POSTGRES_URL or "")) for _ in range(3)]


def test_a_replayed_upgrade_matches_a_real_one(tmp_path: Path, fresh_urls: list[str]) -> None:
    apps = [
        bare_app(tmp_path, settings={"core": {"database_url": url}}, environ={},
                 enable=["sales"], disable=["marketing", "service", "analytics"],
                 entry_points=True)
        for url in fresh_urls
    ]
    try:
        real, *cached = apps
        migration_cache.real_upgrade(real)
        # Twice through the cache: the first may record (if no earlier test did), the
        # second certainly replays.
        for app in cached:
            migration_cache.cached_upgrade(app)
            assert check(app) == []
            assert current(app) == current(real)
            assert _schema(app) == _schema(real)
    finally:
        for app in apps:
            app.close()
