"""Shared fixtures: an application on a fresh database, on SQLite and (in CI) PostgreSQL.

The database comes from ``guanxi.testing`` (the plugin for plugin authors); ``make_app``
here builds the *core's* applications, without installed plugins unless asked.

Set ``GUANXI_TEST_POSTGRES_URL`` (CI does) to run every database test against a real
PostgreSQL server as well; each test then gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from guanxi.app import App, create_app
from guanxi.editions import load_edition
from tests import migration_cache

# guanxi's own tests use the pytest plugin it offers plugin authors (guanxi.testing):
# its database fixture, factories, throwaway plugins and CLI runner.
pytest_plugins = ["guanxi.testing"]

POSTGRES_URL = os.environ.get("GUANXI_TEST_POSTGRES_URL")

# Empty test databases get their schema from recorded DDL after the first real upgrade
# of each plugin set (tests/migration_cache.py says why and what stays real). Set
# GUANXI_TEST_REAL_MIGRATIONS=1 to run Alembic for every test instead.
if not os.environ.get("GUANXI_TEST_REAL_MIGRATIONS"):
    migration_cache.install()
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def bare_app(project_dir: Path, **kwargs: Any) -> App:
    """``create_app`` for the core's tests: without installed plugins (by default).

    Without entry points the generic edition runs without the plugins it enables (each
    plugin's own tests enable it, tests/sales); plugins given directly still load.
    """
    kwargs.setdefault("entry_points", False)
    if not kwargs["entry_points"]:
        given = {p.plugin.name for p in kwargs.get("plugins", ())}
        edition = load_edition(kwargs.get("edition") or "generic", base_dir=Path(project_dir))
        skipped = [name for name in edition.plugins if name not in given]
        kwargs["disable"] = [*kwargs.get("disable", ()), *skipped]
    return create_app(project_dir, **kwargs)


def demo_content_on_sqlite_only(target: App | str) -> None:
    """Skip, on PostgreSQL, a test of what the demo *contains*.

    The demo is the same deterministic data on both backends and takes half a minute to
    build on PostgreSQL; the record-access tests (tests/security) build it there, which
    checks that it builds and what each user sees of it.
    """
    url = target if isinstance(target, str) else target.settings.database_url
    if url.startswith("postgresql"):
        pytest.skip("the demo's content is the same on both backends; the record-access "
                    "tests build it on PostgreSQL")


@pytest.fixture
def database_url(guanxi_database_url: str) -> str:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    return guanxi_database_url


@pytest.fixture
def make_app(tmp_path: Path, database_url: str) -> Iterator[Callable[..., App]]:
    """Build applications in ``tmp_path`` on the test database, schema migrated."""
    from guanxi.db.migrate import upgrade

    apps: list[App] = []

    def factory(*, migrate: bool = True, **kwargs: Any) -> App:
        # A copy: a module-level settings dict must not carry this test's database on.
        settings = copy.deepcopy(kwargs.pop("settings", {}))
        settings.setdefault("core", {}).setdefault("database_url", database_url)
        kwargs.setdefault("environ", {})
        kwargs.setdefault("entry_points", False)
        app = bare_app(tmp_path, settings=settings, **kwargs)
        if migrate:
            upgrade(app)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    """An application of the generic edition with only the core, on a migrated database."""
    return make_app()


def plugin_app_factory(plugin: str, guanxi_make_app: Callable[..., App]) -> Callable[..., App]:
    """Applications of one plugin's test suite: ``plugin`` and those named in ``enable``.

    The suites pass ``create_app``'s keywords: ``plugins`` are plugin objects given
    directly (``given`` to ``guanxi_make_app`` of guanxi.testing); the rest go through
    (``settings={plugin: {...}}``, ``disable``, ``migrate`` …).
    """

    def factory(**kwargs: Any) -> App:
        plugins = [plugin, *kwargs.pop("enable", [])]
        return guanxi_make_app(plugins=plugins, given=kwargs.pop("plugins", ()), **kwargs)

    return factory
