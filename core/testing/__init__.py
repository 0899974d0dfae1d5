"""guanxi.testing: a pytest plugin for testing guanxi plugins (opt-in).

Enable it in a plugin project's ``tests/conftest.py``::

    pytest_plugins = ["guanxi.testing"]

or with ``-p guanxi.testing``. Name the plugins the test applications enable in the
``guanxi_plugins`` ini option (``[tool.pytest.ini_options] guanxi_plugins = ["nps"]``)
or by overriding the fixture of that name. Every fixture is prefixed ``guanxi_`` so it
never shadows a project's own:

- ``guanxi_plugins``: the installed plugins to enable (the ini option by default);
- ``guanxi_settings``: settings by section for every app the test builds (``{}``);
- ``guanxi_database_url``: an empty database — a SQLite file, and a PostgreSQL schema
  too when ``--guanxi-postgres-url`` or ``GUANXI_TEST_POSTGRES_URL`` is set (the tests
  that use it run once per backend: ``[sqlite]``, ``[postgresql]``);
- ``guanxi_make_app``: builds applications on that database, schema migrated;
- ``guanxi_app``: ``guanxi_make_app()``;
- ``guanxi_throwaway``: registers a throwaway plugin for the apps of one test;
- ``guanxi_cli``: a :class:`GuanxiCli` on ``guanxi_app``'s folder and database;
- ``guanxi_customers`` / ``guanxi_interactions``: factories on ``guanxi_app``;
- ``guanxi_web``: a :class:`~guanxi.testing.web.GuanxiWeb` on ``guanxi_app``, with API
  and console clients acting as staff users.

guanxi's own test suite uses the same plugin (tests/conftest.py).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from guanxi.app import App, create_app
from guanxi.testing.cli import GuanxiCli
from guanxi.testing.factories import CustomerFactory, InteractionFactory
from guanxi.testing.throwaway import throwaway_plugin

__all__ = [
    "CustomerFactory",
    "GuanxiCli",
    "InteractionFactory",
    "throwaway_plugin",
]

POSTGRES_ENV = "GUANXI_TEST_POSTGRES_URL"
AppFactory = Callable[..., App]


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``guanxi_plugins`` ini option and ``--guanxi-postgres-url``."""
    parser.addini(
        "guanxi_plugins",
        type="linelist",
        default=[],
        help="installed guanxi plugins the test applications enable",
    )
    parser.getgroup("guanxi").addoption(
        "--guanxi-postgres-url",
        default=None,
        help=f"also run the database tests on this PostgreSQL server (or set {POSTGRES_ENV})",
    )


def postgres_url(config: pytest.Config) -> str | None:
    """The PostgreSQL server the database tests also run on, if any."""
    return config.getoption("--guanxi-postgres-url") or os.environ.get(POSTGRES_ENV) or None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that needs a database once per backend."""
    if "guanxi_backend" in metafunc.fixturenames:
        backends = ["sqlite", *(["postgresql"] if postgres_url(metafunc.config) else [])]
        metafunc.parametrize("guanxi_backend", backends)


def _merge(base: Mapping[str, Any], more: Mapping[str, Any]) -> dict[str, Any]:
    """Settings by section: ``more`` wins field by field."""
    merged = copy.deepcopy(dict(base))
    for section, values in more.items():
        merged.setdefault(section, {}).update(copy.deepcopy(dict(values)))
    return merged


@pytest.fixture
def guanxi_plugins(request: pytest.FixtureRequest) -> list[str]:
    """The installed plugins every test application enables (the ini option's list)."""
    return list(request.config.getini("guanxi_plugins"))


@pytest.fixture
def guanxi_settings() -> dict[str, dict[str, Any]]:
    """Settings by section applied to every application the test builds."""
    return {}


@pytest.fixture
def guanxi_database_url(
    request: pytest.FixtureRequest, guanxi_backend: str, tmp_path: Path
) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if guanxi_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'guanxi.db'}"
        return
    from guanxi.testing.postgres import fresh_schema_url

    with fresh_schema_url(postgres_url(request.config) or "") as url:
        yield url


@pytest.fixture
def guanxi_project_dir(tmp_path: Path) -> Path:
    """The project folder of the test's applications (no guanxi.toml in it)."""
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def guanxi_throwaway() -> Callable[..., ModuleType]:
    """``guanxi_throwaway(name, **hooks)``: a throwaway plugin in every app built after.

    The keyword functions are its hook implementations; see :func:`throwaway_plugin`.
    """
    registered: list[ModuleType] = []

    def register(name: str, **kwargs: Any) -> ModuleType:
        module = throwaway_plugin(name, **kwargs)
        registered.append(module)
        return module

    register.registered = registered  # type: ignore[attr-defined]
    return register


@pytest.fixture
def guanxi_make_app(
    guanxi_plugins: list[str],
    guanxi_settings: dict[str, dict[str, Any]],
    guanxi_database_url: str,
    guanxi_project_dir: Path,
    guanxi_throwaway: Any,
) -> Iterator[AppFactory]:
    """``guanxi_make_app(plugins=None, given=(), settings=None, edition="generic", …)``.

    The application enables exactly ``plugins`` (default: ``guanxi_plugins``), what they
    require and the plugin objects in ``given`` (plus the test's throwaway plugins); the
    plugins the edition lists are not enabled for that. Its schema is migrated unless
    ``migrate=False``; other keywords go to :func:`guanxi.app.create_app`. Every app is
    closed when the test ends.
    """
    from guanxi.db import migrate as migrations

    apps: list[App] = []

    def factory(
        *,
        plugins: Iterable[str] | None = None,
        given: Iterable[Any] = (),
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        edition: str = "generic",
        migrate: bool = True,
        **kwargs: Any,
    ) -> App:
        given = [*given, *guanxi_throwaway.registered]
        wanted = [*(guanxi_plugins if plugins is None else plugins)]
        wanted += [obj.plugin.name for obj in given]
        layered = _merge(guanxi_settings, settings or {})
        layered.setdefault("core", {}).setdefault("database_url", guanxi_database_url)
        kwargs.setdefault("environ", {})
        app = create_app(
            guanxi_project_dir,
            edition=edition,
            settings=layered,
            plugins=given,
            enable=wanted,
            edition_plugins=False,  # exactly the wanted plugins and what they require
            **kwargs,
        )
        apps.append(app)
        if migrate:
            migrations.upgrade(app)
        return app

    yield factory
    for app in apps:
        app.close()


@pytest.fixture
def guanxi_app(guanxi_make_app: AppFactory) -> App:
    """An application with the ``guanxi_plugins`` on a fresh migrated database."""
    return guanxi_make_app()


@pytest.fixture
def guanxi_cli(
    guanxi_app: App, guanxi_database_url: str, guanxi_settings: dict[str, dict[str, Any]]
) -> GuanxiCli:
    """``guanxi …`` in-process on ``guanxi_app``'s folder and database.

    The same installed plugins are enabled (an inactive bridge too, so the command line
    shows it inactive for the same reason) and the edition's others disabled;
    ``guanxi_settings`` reach it as ``GUANXI_*`` variables. Throwaway plugins exist in
    this process's apps only and are not on the command line.
    """
    enabled = [n for n, p in guanxi_app.plugins.items() if p.source == "entry point"]
    enabled += list(guanxi_app.inactive_plugins)
    edition_plugins = set(guanxi_app.edition.plugins)
    core = {k: v for k, v in guanxi_settings.get("core", {}).items() if k != "database_url"}
    return GuanxiCli(
        guanxi_app.project_dir,
        guanxi_database_url,
        plugins=enabled,
        disabled=sorted(edition_plugins - set(enabled)),
        settings={**guanxi_settings, "core": core},
    )


@pytest.fixture
def guanxi_customers(guanxi_app: App) -> CustomerFactory:
    """Creates customers in ``guanxi_app``: ``guanxi_customers.create(name="李娜")``."""
    return CustomerFactory(guanxi_app)


@pytest.fixture
def guanxi_interactions(guanxi_app: App) -> InteractionFactory:
    """Logs interactions in ``guanxi_app``: ``guanxi_interactions.log(customer_id)``."""
    return InteractionFactory(guanxi_app)


@pytest.fixture
def guanxi_web(guanxi_app: App) -> Iterator[Any]:
    """The web application of ``guanxi_app`` with API and console clients (see
    :class:`guanxi.testing.web.GuanxiWeb`)."""
    from guanxi.testing.web import GuanxiWeb  # late: only web tests load the web stack

    kit = GuanxiWeb(guanxi_app)
    yield kit
    kit.close()
