"""guanxi.testing, the pytest plugin for plugin authors: used here as they would use it."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.testing import CustomerFactory, GuanxiCli, InteractionFactory

pytest_plugins = ["pytester"]


def test_throwaway_plugin_sees_the_factories_batches(
    guanxi_throwaway: Any, guanxi_make_app: Any
) -> None:
    seen: list[list[str]] = []

    def interactions_logged(interactions: list[Any]) -> None:
        seen.append([i.kind for i in interactions])

    guanxi_throwaway("probe", interactions_logged=interactions_logged)
    app = guanxi_make_app(plugins=[])
    assert list(app.plugins) == ["core", "probe"]
    customer = CustomerFactory(app).create(name="李娜")
    InteractionFactory(app).log_many(customer, 3, subject="回访")
    assert seen == [["core.contact"] * 3]


def test_factories_make_distinct_customers_and_ordered_timelines(
    guanxi_customers: CustomerFactory,
    guanxi_interactions: InteractionFactory,
    guanxi_cli: GuanxiCli,
) -> None:
    first, second = guanxi_customers.create_many(2)
    assert first != second
    ids = [guanxi_interactions.log(first, subject=f"第{n}次") for n in range(3)]
    timeline = guanxi_cli.json("timeline", str(first))
    assert [row["id"] for row in timeline] == list(reversed(ids))  # newest first
    shown = guanxi_cli.json("customer", "show", str(second))
    emails = [point["value"] for point in shown["customer"]["contact_points"]]
    assert emails == ["customer2@example.com"]
    with pytest.raises(ValidationError, match="unknown interaction kind 'nps.nothing'"):
        guanxi_interactions.log(first, kind="nps.nothing")


def test_exact_plugin_set_disables_the_editions_others(guanxi_make_app: Any) -> None:
    app: App = guanxi_make_app(plugins=["marketing"])
    assert set(app.plugins) == {"core", "marketing"}
    # What a chosen plugin requires comes along (hospital needs three others).
    hospital: App = guanxi_make_app(plugins=["hospital"], migrate=False)
    assert set(hospital.plugins) == {"core", "hospital", "marketing", "service", "analytics"}


def test_a_plugin_project_uses_it_through_the_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        guanxi_plugins = service
        addopts = -p guanxi.testing
        """
    )
    pytester.makepyfile(
        """
        from guanxi import hookimpl

        def test_app_has_the_chosen_plugins(guanxi_app, guanxi_plugins):
            assert guanxi_plugins == ["service"]
            assert set(guanxi_app.plugins) == {"core", "service"}

        def test_cli_on_the_same_database(guanxi_cli, guanxi_customers):
            customer = guanxi_customers.create(name="王芳")
            rows = guanxi_cli.json("customer", "list")
            assert [row["id"] for row in rows] == [customer]
            assert "tickets" in guanxi_cli("service", "--help").stdout

        def test_throwaway_plugin_for_one_test(guanxi_throwaway, guanxi_make_app):
            calls = []
            guanxi_throwaway("probe", app_ready=lambda app: calls.append(app.edition.name))
            guanxi_make_app()
            assert calls == ["generic"]

        def test_no_throwaway_left_from_the_last_test(guanxi_app):
            assert "probe" not in guanxi_app.plugins

        def test_a_failing_assertion_fails(guanxi_cli):
            guanxi_cli("customer", "show", "999")
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    # Each database test runs once per backend: on SQLite, and on PostgreSQL in CI.
    per_test = 2 if _postgres() else 1
    assert outcomes.get("passed") == 4 * per_test, result.stdout.str()
    assert outcomes.get("failed") == per_test
    result.stdout.fnmatch_lines(["*test_a_failing_assertion_fails*sqlite*"])


def test_postgres_option_adds_the_backend(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_url(guanxi_database_url):
            assert guanxi_database_url
        """
    )
    result = pytester.runpytest_inprocess(
        "-p", "guanxi.testing", "--collect-only", "-q",
        "--guanxi-postgres-url", "postgresql://nobody@127.0.0.1:1/none",
    )
    result.stdout.fnmatch_lines(["*test_url[[]sqlite[]]", "*test_url[[]postgresql[]]"])


def _postgres() -> bool:
    import os

    return bool(os.environ.get("GUANXI_TEST_POSTGRES_URL"))


def test_throwaway_plugin_keeps_marked_options() -> None:
    from guanxi import hookimpl
    from guanxi.testing import throwaway_plugin

    @hookimpl(tryfirst=True)
    def app_ready(app: Any) -> None: ...

    module = throwaway_plugin("first", app_ready=app_ready, requires={"sales": ">=0.1"})
    assert isinstance(module, ModuleType)
    assert module.plugin.requires == {"sales": ">=0.1"}
    assert module.app_ready.guanxi_impl["tryfirst"] is True


def test_cli_runner_outside_fixtures(tmp_path: Path) -> None:
    gx = GuanxiCli(tmp_path / "crm", disabled=["sales"])
    gx("init")
    rows = {row["name"]: row["status"] for row in gx.json("plugins")}
    assert rows["sales"] == "disabled" and rows["service"] == "enabled"


def test_settings_reach_the_command_line(guanxi_make_app: Any, guanxi_project_dir: Path) -> None:
    from guanxi.testing.cli import settings_environment

    env = settings_environment({"core": {"channels": ["phone", "微信"], "timezone": "UTC"},
                                "sales": {"quote_valid_days": 10, "on": True}})
    assert env == {"GUANXI_CHANNELS": '["phone", "微信"]', "GUANXI_TIMEZONE": "UTC",
                   "GUANXI_SALES__QUOTE_VALID_DAYS": "10", "GUANXI_SALES__ON": "true"}
    with pytest.raises(ValueError, match="setting sales.stages: a table cannot"):
        settings_environment({"sales": {"stages": {"a": 1}}})
    app = guanxi_make_app(plugins=[])
    gx = GuanxiCli(guanxi_project_dir, app.settings.database_url,
                   settings={"core": {"timezone": "Asia/Tokyo"}})
    shown = {row["setting"]: row for row in gx.json("config", "show")}
    assert shown["core.timezone"]["value"] == "Asia/Tokyo"
    assert shown["core.timezone"]["source"] == "environment"
