"""Plugin loading: real plugins written here, installed as entry points or given directly."""

from __future__ import annotations

import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path
from types import ModuleType

import pytest

import guanxi
from guanxi import hookimpl
from guanxi.app import create_app
from guanxi.editions import load_edition
from guanxi.errors import ConfigError, PluginError
from guanxi.plugins import PluginLoader, make_plugin_manager
from tests.conftest import bare_app


def make_plugin(name: str, version: str = "1.0", **meta: object) -> ModuleType:
    """A plugin module built in memory, as a plugin author would write one."""
    module = ModuleType(f"test_plugin_{name}")
    module.plugin = guanxi.Plugin(name=name, version=version, **meta)  # type: ignore[attr-defined,arg-type]
    return module


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path where tests write plugin modules (cleaned up afterwards)."""
    folder = tmp_path / "plugin_src"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name in [m for m in sys.modules if m.startswith("gx_test_")]:
        del sys.modules[name]


def write_plugin(folder: Path, module: str, source: str) -> EntryPoint:
    (folder / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return EntryPoint(name=module.removeprefix("gx_test_"), value=module, group="guanxi.plugins")


def app_with(tmp_path: Path, *, available: dict[str, EntryPoint] | None = None, **kwargs: object):
    """create_app with a fake set of installed entry points."""
    from guanxi import app as app_module

    original = app_module.discover_entry_points
    app_module.discover_entry_points = lambda: dict(available or {})  # type: ignore[assignment]
    try:
        # The fake installed set lacks the generic edition's own plugins: leave them out.
        edition_plugins = list(load_edition("generic").plugins)
        return create_app(
            tmp_path, environ=kwargs.pop("environ", {}), disable=edition_plugins, **kwargs
        )  # type: ignore[arg-type]
    finally:
        app_module.discover_entry_points = original  # type: ignore[assignment]


def test_core_is_always_loaded(tmp_path: Path) -> None:
    app = bare_app(tmp_path, environ={}, entry_points=False)
    assert list(app.plugins) == ["core"]
    assert "core.contact" in app.registry.interaction_kinds


def test_core_cannot_be_disabled(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="'core': is essential"):
        bare_app(tmp_path, environ={}, entry_points=False, disable=["core"])


def test_requires_pulls_in_dependencies_in_order(tmp_path: Path) -> None:
    base = make_plugin("base", "2.1")
    calls: list[str] = []

    class Marker:
        @staticmethod
        @hookimpl
        def app_ready(app: object) -> None:
            calls.append("bridge")

    bridge = make_plugin("bridge", requires={"base": ">=2,<3"})
    bridge.app_ready = Marker.app_ready  # type: ignore[attr-defined]
    app = bare_app(
        tmp_path, environ={}, entry_points=False, plugins=[base, bridge], enable=["bridge"]
    )
    assert list(app.plugins) == ["core", "base", "bridge"]
    assert calls == ["bridge"]


def test_version_range_not_satisfied_names_both(tmp_path: Path) -> None:
    base = make_plugin("base", "1.4")
    needs = make_plugin("needs", requires={"base": ">=2"})
    with pytest.raises(PluginError) as info:
        bare_app(tmp_path, environ={}, entry_points=False, plugins=[base, needs], enable=["needs"])
    message = str(info.value)
    assert "'base'" in message and "1.4" in message and "'needs'" in message
    assert "\n" not in message


def test_missing_required_plugin(tmp_path: Path) -> None:
    needs = make_plugin("needs", requires={"ghost": ""})
    with pytest.raises(
        PluginError, match="plugin 'ghost': is required by plugin 'needs' but not installed"
    ):
        bare_app(tmp_path, environ={}, entry_points=False, plugins=[needs], enable=["needs"])


def test_enabling_an_unknown_plugin(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="'nosuch'.*not installed"):
        bare_app(tmp_path, environ={}, entry_points=False, enable=["nosuch"])


def test_conflicting_plugins(tmp_path: Path) -> None:
    one = make_plugin("one", conflicts=("two",))
    two = make_plugin("two")
    with pytest.raises(PluginError, match="'one': conflicts with enabled plugin 'two'"):
        bare_app(
            tmp_path, environ={}, entry_points=False, plugins=[one, two], enable=["one", "two"]
        )


def test_required_but_disabled(tmp_path: Path) -> None:
    base = make_plugin("base")
    needs = make_plugin("needs", requires={"base": ""})
    with pytest.raises(PluginError, match="'base': is required by plugin 'needs' but disabled"):
        bare_app(
            tmp_path,
            environ={},
            entry_points=False,
            plugins=[base, needs],
            enable=["needs"],
            disable=["base"],
        )


def test_circular_requires(tmp_path: Path) -> None:
    a = make_plugin("a", requires={"b": ""})
    b = make_plugin("b", requires={"a": ""})
    with pytest.raises(PluginError, match="circular"):
        bare_app(tmp_path, environ={}, entry_points=False, plugins=[a, b], enable=["a"])


def test_broken_plugin_is_one_clear_error(tmp_path: Path, plugin_dir: Path) -> None:
    ep = write_plugin(plugin_dir, "gx_test_broken", "import no_such_module_anywhere\n")
    with pytest.raises(PluginError) as info:
        app_with(tmp_path, available={"broken": ep}, enable=["broken"])
    assert str(info.value).startswith("plugin 'broken': failed to import (ModuleNotFoundError")
    assert "\n" not in str(info.value)


def test_disabled_entry_point_is_never_imported(tmp_path: Path, plugin_dir: Path) -> None:
    # A broken plugin that is not enabled must not stop the application from starting.
    ep = write_plugin(plugin_dir, "gx_test_broken", "raise RuntimeError('boom')\n")
    app = app_with(tmp_path, available={"broken": ep})
    assert "broken" not in app.plugins
    assert app.pm.is_blocked("broken")
    assert "gx_test_broken" not in sys.modules


def test_entry_point_plugin_with_metadata_and_hooks(tmp_path: Path, plugin_dir: Path) -> None:
    ep = write_plugin(
        plugin_dir,
        "gx_test_visits",
        """
        import guanxi
        from pydantic import BaseModel

        plugin = guanxi.Plugin(name="visits", version="0.3.0", description="home visits")

        class VisitPayload(BaseModel):
            nurse: str

        @guanxi.hookimpl
        def register_interaction_kinds(register):
            register("visits.home", schema=VisitPayload, default_channel="visit")
        """,
    )
    app = app_with(tmp_path, available={"visits": ep}, environ={"GUANXI_PLUGINS": "visits"})
    assert app.plugins["visits"].info.version == "0.3.0"
    assert app.plugins["visits"].source == "entry point"
    assert app.registry.interaction_kinds["visits.home"].plugin == "visits"


def test_plugin_without_metadata(tmp_path: Path, plugin_dir: Path) -> None:
    ep = write_plugin(plugin_dir, "gx_test_bare", "x = 1\n")
    with pytest.raises(PluginError, match="'bare': has no module-level 'plugin = guanxi.Plugin"):
        app_with(tmp_path, available={"bare": ep}, enable=["bare"])


def test_misspelt_hook_fails_check_pending(tmp_path: Path) -> None:
    typo = make_plugin("typo")

    @hookimpl
    def register_interaction_kind(register: object) -> None:  # missing "s"
        pass

    typo.register_interaction_kind = register_interaction_kind  # type: ignore[attr-defined]
    with pytest.raises(PluginError) as info:
        bare_app(tmp_path, environ={}, entry_points=False, plugins=[typo], enable=["typo"])
    assert (
        str(info.value) == "plugin 'typo': implements 'register_interaction_kind', which is no hook"
    )


def test_wrong_hook_arguments_are_one_line(tmp_path: Path) -> None:
    wrong = make_plugin("wrong")

    @hookimpl
    def customers_created(uow: object, records: object) -> None:  # the argument is "customers"
        pass

    wrong.customers_created = customers_created  # type: ignore[attr-defined]
    with pytest.raises(PluginError) as info:
        bare_app(tmp_path, environ={}, entry_points=False, plugins=[wrong], enable=["wrong"])
    assert str(info.value).startswith("plugin 'wrong': Plugin 'wrong' for hook 'customers_created'")
    assert "records" in str(info.value) and "\n" not in str(info.value)


def test_a_plugin_offers_hooks_to_others(tmp_path: Path) -> None:
    marker = guanxi.hookspec

    class TicketSpecs:
        @staticmethod
        @marker
        def ticket_closed(uow: object, ticket_id: int) -> None:
            """A ticket was closed."""

    service = make_plugin("service_like", hookspecs=TicketSpecs)
    heard: list[int] = []

    @hookimpl
    def ticket_closed(uow: object, ticket_id: int) -> None:
        heard.append(ticket_id)

    survey = make_plugin("survey_like", requires={"service_like": ""})
    survey.ticket_closed = ticket_closed  # type: ignore[attr-defined]
    app = bare_app(
        tmp_path, environ={}, entry_points=False, plugins=[service, survey], enable=["survey_like"]
    )
    app.hook.ticket_closed(uow=None, ticket_id=7)
    assert heard == [7]


def test_disabled_plugins_env_beats_edition_and_config(tmp_path: Path) -> None:
    extra = make_plugin("extra")
    (tmp_path / "guanxi.toml").write_text('[plugins]\nenable = ["extra"]\n', encoding="utf-8")
    app = bare_app(tmp_path, environ={}, entry_points=False, plugins=[extra])
    assert "extra" in app.plugins
    app = bare_app(
        tmp_path, environ={"GUANXI_DISABLED_PLUGINS": "extra"}, entry_points=False, plugins=[extra]
    )
    assert "extra" not in app.plugins


def test_two_registrations_of_one_kind_name_both_plugins(tmp_path: Path) -> None:
    def kinds_plugin(name: str) -> ModuleType:
        module = make_plugin(name)

        @hookimpl
        def register_interaction_kinds(register: object) -> None:
            register("shared.thing")  # type: ignore[operator]

        module.register_interaction_kinds = register_interaction_kinds  # type: ignore[attr-defined]
        return module

    with pytest.raises(ConfigError, match="'shared.thing' is registered by both 'one' and 'two'"):
        bare_app(
            tmp_path,
            environ={},
            entry_points=False,
            plugins=[kinds_plugin("one"), kinds_plugin("two")],
            enable=["one", "two"],
        )


def test_two_apps_in_one_process_are_independent(tmp_path: Path) -> None:
    extra = make_plugin("extra")
    with_extra = bare_app(
        tmp_path, environ={}, entry_points=False, plugins=[extra], enable=["extra"]
    )
    without = bare_app(tmp_path, environ={}, entry_points=False)
    assert "extra" in with_extra.plugins and "extra" not in without.plugins
    assert with_extra.pm is not without.pm


def test_invalid_metadata_is_reported() -> None:
    with pytest.raises(PluginError, match="version 'one' is not valid"):
        guanxi.Plugin(name="bad", version="one")
    with pytest.raises(PluginError, match="not a version range"):
        guanxi.Plugin(name="bad", version="1.0", requires={"x": "~~1"})


def test_loader_blocks_before_import() -> None:
    pm = make_plugin_manager()
    loader = PluginLoader(pm, available={}, given=[make_plugin("given_one")])
    from guanxi import core_plugin

    loaded = loader.load({}, core=core_plugin)
    assert list(loaded) == ["core"]
    assert pm.is_blocked("given_one")


def install_fake_distribution(folder: Path, name: str, module_source: str) -> None:
    """Install a plugin the way pip does: a module plus a dist-info with an entry point."""
    dist = folder / f"gx_test_{name}-0.4.2.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: gx-test-{name}\nVersion: 0.4.2\n")
    (dist / "entry_points.txt").write_text(f"[guanxi.plugins]\n{name} = gx_test_{name}\n")
    (folder / f"gx_test_{name}.py").write_text(textwrap.dedent(module_source), encoding="utf-8")


def test_installed_distribution_is_found_and_listed(tmp_path: Path, plugin_dir: Path) -> None:
    from click.testing import CliRunner

    from guanxi.cli import cli

    install_fake_distribution(
        plugin_dir,
        "loyalty",
        """
        import guanxi
        plugin = guanxi.Plugin(name="loyalty", version="0.4.2")

        @guanxi.hookimpl
        def register_interaction_kinds(register):
            register("loyalty.points_earned")
        """,
    )
    runner = CliRunner()
    project = tmp_path / "crm"
    assert runner.invoke(cli, ["-C", str(project), "init"]).exit_code == 0
    listed = runner.invoke(
        cli, ["-C", str(project), "plugins", "--json"], env={"GUANXI_PLUGINS": ""}
    )
    rows = {row["name"]: row for row in __import__("json").loads(listed.stdout)}
    assert rows["loyalty"]["enabled"] is False and rows["loyalty"]["version"] == "0.4.2"
    enabled = runner.invoke(
        cli, ["-C", str(project), "plugins", "--json"], env={"GUANXI_PLUGINS": "loyalty"}
    )
    rows = {row["name"]: row for row in __import__("json").loads(enabled.stdout)}
    assert rows["loyalty"]["enabled"] is True
    assert rows["loyalty"]["hooks"] == ["register_interaction_kinds"]


def test_broken_installed_plugin_is_one_line_on_the_command_line(
    tmp_path: Path, plugin_dir: Path
) -> None:
    from click.testing import CliRunner

    from guanxi.cli import cli

    install_fake_distribution(plugin_dir, "flaky", "import this_dependency_is_not_installed\n")
    runner = CliRunner()
    project = tmp_path / "crm"
    assert runner.invoke(cli, ["-C", str(project), "init"]).exit_code == 0
    result = runner.invoke(
        cli, ["-C", str(project), "customer", "list"], env={"GUANXI_PLUGINS": "flaky"}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: plugin 'flaky': failed to import (ModuleNotFoundError")
    assert len(result.stderr.strip().splitlines()) == 1
    # Not enabled, the same broken plugin does not get in the way.
    assert (
        runner.invoke(
            cli, ["-C", str(project), "customer", "list"], env={"GUANXI_PLUGINS": ""}
        ).exit_code
        == 0
    )
