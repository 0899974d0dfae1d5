"""Plugin metadata and loading.

A plugin is an importable module (or any object) with hook implementations and a
module-level ``plugin = guanxi.Plugin(...)`` describing it. Installed plugins are
found through the ``guanxi.plugins`` entry-point group; the built-in ones are found the
same way, nothing special-cases them. Only the core itself is essential and cannot be
disabled.

Loading follows pytest's order of events: work out what is enabled, *block* everything
else before importing a single entry point (so a disabled plugin's import errors never
matter), import the enabled ones and what they require, check versions and conflicts,
register, and finally ``check_pending()`` so a misspelt hook name fails loudly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from guanxi import hookspecs
from guanxi.errors import PluginError, first_line

ENTRY_POINT_GROUP = "guanxi.plugins"
CORE_PLUGIN = "core"


@dataclass(frozen=True)
class Plugin:
    """Metadata of a plugin: its name, version, what it requires and conflicts with.

    ``requires`` maps plugin names to version specifiers (``{"sales": ">=0.2,<1"}``; an
    empty string accepts any version); enabling a plugin enables what it requires.

    A *bridge* (``bridge=True``) links plugins that do not know each other, like Odoo's
    ``sale_stock``. Its ``requires`` are conditions, not pulls: an enabled bridge
    activates only when every plugin it requires is enabled too, and otherwise stays
    inactive (never registered, not an error), so an edition can list a bridge without
    deciding for the admin whether both sides run.
    """

    name: str
    version: str
    description: str = ""
    requires: Mapping[str, str] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    bridge: bool = False
    # A module or class of @hookspec functions this plugin offers to other plugins.
    hookspecs: Any = None

    def __post_init__(self) -> None:
        try:
            Version(self.version)
        except InvalidVersion as exc:
            raise PluginError(self.name, f"version {self.version!r} is not valid") from exc
        for name, spec in self.requires.items():
            try:
                SpecifierSet(spec)
            except InvalidSpecifier as exc:
                raise PluginError(
                    self.name, f"requirement {name} {spec!r} is not a version range"
                ) from exc


@dataclass
class LoadedPlugin:
    """A plugin that is registered with an application's plugin manager."""

    info: Plugin
    module: Any
    source: str  # "entry point", "core", or "given" (passed to create_app directly)


def make_plugin_manager() -> pluggy.PluginManager:
    """Create a fresh plugin manager with guanxi's hook specifications."""
    pm = pluggy.PluginManager("guanxi")
    pm.add_hookspecs(hookspecs)
    return pm


def discover_entry_points() -> dict[str, EntryPoint]:
    """Return the installed plugins' entry points by plugin name (not yet imported)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def plugin_info(obj: Any, name: str) -> Plugin:
    """Return the :class:`Plugin` metadata of a loaded plugin module or object."""
    info = getattr(obj, "plugin", None)
    if not isinstance(info, Plugin):
        raise PluginError(name, "has no module-level 'plugin = guanxi.Plugin(...)' metadata")
    if info.name != name:
        raise PluginError(name, f"its metadata names it {info.name!r}")
    return info


def _load_entry_point(name: str, ep: EntryPoint) -> Any:
    try:
        return ep.load()
    except Exception as exc:  # any import-time failure is the plugin's, reported as such
        raise PluginError(
            name, f"failed to import ({type(exc).__name__}: {first_line(exc)})"
        ) from exc


class PluginLoader:
    """Resolve, import and register the enabled plugins for one plugin manager."""

    def __init__(
        self,
        pm: pluggy.PluginManager,
        *,
        available: Mapping[str, EntryPoint],
        given: Iterable[ModuleType | Any] = (),
    ):
        self.pm = pm
        self.available = dict(available)
        # Plugins passed in directly (tests, embedding) win over entry points of the
        # same name, so a test can stand in for an installed plugin.
        self.given: dict[str, Any] = {}
        for obj in given:
            info = getattr(obj, "plugin", None)
            if not isinstance(info, Plugin):
                raise PluginError(repr(obj), "has no 'plugin = guanxi.Plugin(...)' metadata")
            self.given[info.name] = obj
        self.loaded: dict[str, LoadedPlugin] = {}
        # Enabled bridges whose conditions are not met: name -> why (``needs service``).
        self.inactive: dict[str, str] = {}

    def known(self) -> set[str]:
        """Names of every plugin that could be enabled."""
        return set(self.available) | set(self.given)

    def load(
        self,
        enabled: Mapping[str, str],
        *,
        core: ModuleType,
        disabled: Iterable[str] = (),
    ) -> dict[str, LoadedPlugin]:
        """Load ``enabled`` (name → version range) and what they require.

        Everything known but not in the closure is blocked first. Raises
        :class:`PluginError` naming the plugin for a missing, broken, disabled-but-required,
        conflicting or wrong-version plugin.
        """
        disabled = set(disabled)
        if CORE_PLUGIN in disabled:
            raise PluginError(CORE_PLUGIN, "is essential and cannot be disabled")
        self._register(CORE_PLUGIN, core, plugin_info(core, CORE_PLUGIN), "core")

        wanted: dict[str, list[tuple[str, str]]] = {}  # name -> [(who wants it, spec)]
        queue: list[tuple[str, str, str]] = [
            (name, spec, "the configuration") for name, spec in enabled.items()
        ]
        for name in disabled & set(enabled):
            raise PluginError(name, "is both enabled and disabled in the configuration")
        # Block before importing anything: what is not enabled is never imported unless
        # an enabled plugin requires it (then it is unblocked when registered).
        for name in self.known() - set(enabled) - {CORE_PLUGIN}:
            self.pm.set_blocked(name)
        while queue:
            name, spec, wanted_by = queue.pop(0)
            wanted.setdefault(name, []).append((wanted_by, spec))
            if name in self.loaded:
                continue
            if name in disabled:
                raise PluginError(name, f"is required by {wanted_by} but disabled")
            obj, source = self._import(name, wanted_by)
            info = plugin_info(obj, name)
            self.loaded[name] = LoadedPlugin(info, obj, source)
            if info.bridge:
                continue  # a bridge's requirements are conditions, checked below
            for required, required_spec in info.requires.items():
                queue.append((required, required_spec, f"plugin {name!r}"))

        self._set_bridges_aside()
        for name in self.inactive:
            self.pm.set_blocked(name)
        for name, loaded in self.loaded.items():
            if loaded.info.bridge:  # an active bridge's ranges count like any plugin's
                for required, required_spec in loaded.info.requires.items():
                    wanted.setdefault(required, []).append((f"plugin {name!r}", required_spec))
        self._check_versions({n: w for n, w in wanted.items() if n in self.loaded})
        self._check_conflicts()
        order = self._dependency_order()
        for name in order:
            loaded = self.loaded[name]
            if self.pm.is_blocked(name):
                self.pm.unblock(name)
            self._register(name, loaded.module, loaded.info, loaded.source)
        # Keep the loaded plugins in load order: the core, then dependencies first.
        self.loaded = {CORE_PLUGIN: self.loaded[CORE_PLUGIN], **{n: self.loaded[n] for n in order}}
        # A plugin may offer hooks of its own to others; they must be known before
        # check_pending() decides which implementations are misspelt.
        for loaded in self.loaded.values():
            if loaded.info.hookspecs is not None:
                self.pm.add_hookspecs(loaded.info.hookspecs)
        self._check_pending()
        return self.loaded

    def _set_bridges_aside(self) -> None:
        """Move bridges whose required plugins are not all active to ``inactive``.

        Repeated until nothing changes, since a bridge may require another bridge.
        """
        changed = True
        while changed:
            changed = False
            for name, loaded in list(self.loaded.items()):
                if not loaded.info.bridge:
                    continue
                missing = sorted(set(loaded.info.requires) - set(self.loaded))
                if missing:
                    self.inactive[name] = "needs " + ", ".join(missing)
                    del self.loaded[name]
                    changed = True
        for name, loaded in self.loaded.items():
            for required in loaded.info.requires:
                if required in self.inactive:
                    raise PluginError(
                        name, f"requires bridge {required!r}, which is inactive "
                        f"({self.inactive[required]})"
                    )

    def _check_pending(self) -> None:
        """Name the plugin and the hook of an implementation that matches no spec."""
        for name, hook in vars(self.pm.hook).items():
            if name.startswith("_") or hook.has_spec():
                continue
            for impl in hook.get_hookimpls():
                if not impl.optionalhook:
                    raise PluginError(impl.plugin_name, f"implements {name!r}, which is no hook")

    def _import(self, name: str, wanted_by: str) -> tuple[Any, str]:
        if name in self.given:
            return self.given[name], "given"
        if name not in self.available:
            raise PluginError(name, f"is required by {wanted_by} but not installed")
        return _load_entry_point(name, self.available[name]), "entry point"

    def _register(self, name: str, module: Any, info: Plugin, source: str) -> None:
        try:
            self.pm.register(module, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(name, " ".join(str(exc).split())) from exc
        if name == CORE_PLUGIN:
            self.loaded[name] = LoadedPlugin(info, module, source)

    def _check_versions(self, wanted: Mapping[str, list[tuple[str, str]]]) -> None:
        for name, wants in wanted.items():
            version = Version(self.loaded[name].info.version)
            for wanted_by, spec in wants:
                if spec and version not in SpecifierSet(spec):
                    raise PluginError(
                        name, f"version {version} does not satisfy {spec!r} required by {wanted_by}"
                    )

    def _check_conflicts(self) -> None:
        for name, loaded in self.loaded.items():
            for other in loaded.info.conflicts:
                if other in self.loaded:
                    raise PluginError(name, f"conflicts with enabled plugin {other!r}")

    def _dependency_order(self) -> list[str]:
        """Required plugins first, so their registrations exist when dependents' run."""
        order: list[str] = []
        seen: set[str] = set()
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in seen or name == CORE_PLUGIN:
                return
            if name in visiting:
                raise PluginError(name, "is part of a circular 'requires' chain")
            visiting.add(name)
            for required in sorted(self.loaded[name].info.requires):
                visit(required)
            visiting.discard(name)
            seen.add(name)
            order.append(name)

        for name in sorted(self.loaded):
            visit(name)
        return order
