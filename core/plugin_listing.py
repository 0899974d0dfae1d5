"""What the application knows of its plugins, as plain rows: every plugin with its status,
the implementations of a hook in call order, the dependency graph of the enabled set.

Shared by ``guanxi plugins`` and the console's admin page, so neither imports the other's
stack (the web process never loads click or rich for it).
"""

from __future__ import annotations

import difflib
from typing import Any

from guanxi.app import LOAD_ORDER_HOOKS, App
from guanxi.errors import ConfigError
from guanxi.plugins import Plugin, discover_entry_points


def _row(
    name: str,
    info: Plugin | None,
    *,
    status: str,
    source: str,
    version: str,
    reason: str = "",
    hooks: list[str] | None = None,
) -> dict[str, Any]:
    """One plugin's row; ``info`` is None for a plugin that was never imported."""
    return {
        "name": name,
        "version": version,
        "enabled": status == "enabled",
        "status": status,
        "reason": reason,
        "source": source,
        "bridge": info.bridge if info else False,
        "hooks": hooks or [],
        "requires": dict(info.requires) if info else {},
        "description": info.description if info else "",
    }


def plugin_rows(app: App) -> list[dict[str, Any]]:
    """Every plugin the application knows: active ones in load order, then the others.

    ``status`` is ``enabled``, ``inactive`` (an enabled bridge whose plugins are not all
    enabled; ``reason`` says which are missing) or ``disabled`` (installed, not enabled).
    """
    rows = [
        _row(
            name,
            loaded.info,
            status="enabled",
            source=loaded.source,
            version=loaded.info.version,
            hooks=sorted(hook.name for hook in app.pm.get_hookcallers(loaded.module) or []),
        )
        for name, loaded in app.plugins.items()
    ]
    for name, ep in sorted(discover_entry_points().items()):
        if name in app.plugins:
            continue
        # The loader imported an inactive bridge to read its metadata; show it. A
        # disabled plugin was never imported, and listing it must not import it.
        inactive = name in app.inactive_plugins
        info: Plugin | None = getattr(ep.load(), "plugin", None) if inactive else None
        rows.append(
            _row(
                name,
                info,
                status="inactive" if inactive else "disabled",
                source="entry point",
                version=info.version if info else ep.dist.version if ep.dist else "?",
                reason=app.inactive_plugins.get(name, ""),
            )
        )
    return rows


def hook_rows(app: App, hook_name: str) -> list[dict[str, Any]]:
    """The implementations of ``hook_name`` in the order the core calls them.

    Registration hooks that the core calls once per plugin run in load order; every
    other hook is a pluggy call, which runs the last registered first (``tryfirst`` and
    ``trylast`` aside) — pluggy's ``get_hookimpls()`` lists them the other way round.
    """
    caller = getattr(app.pm.hook, hook_name, None)
    if caller is None or not caller.has_spec():
        known = [name for name in vars(app.pm.hook) if not name.startswith("_")]
        close = difflib.get_close_matches(hook_name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"--hook: no hook named {hook_name!r}{hint}")
    impls = caller.get_hookimpls()
    if hook_name not in LOAD_ORDER_HOOKS:
        impls = list(reversed(impls))
    rows = []
    for position, impl in enumerate(impls, start=1):
        function = impl.function
        flags = [
            flag
            for flag in ("tryfirst", "trylast", "wrapper", "hookwrapper", "optionalhook")
            if getattr(impl, flag, False)
        ]
        rows.append(
            {
                "order": position,
                "plugin": impl.plugin_name,
                "function": f"{function.__module__}.{function.__qualname__}",
                "options": flags,
            }
        )
    return rows


def dependency_graph(app: App) -> dict[str, Any]:
    """The enabled set as nodes and ``requires`` edges (the core, required by all, left out)."""
    nodes = [
        {"name": name, "version": loaded.info.version, "bridge": loaded.info.bridge,
         "status": "enabled"}
        for name, loaded in app.plugins.items()
        if name != "core"
    ]
    nodes += [
        {"name": name, "version": None, "bridge": True, "status": f"inactive ({reason})"}
        for name, reason in sorted(app.inactive_plugins.items())
    ]
    edges = [
        {"from": name, "to": required, "range": spec}
        for name, loaded in app.plugins.items()
        for required, spec in loaded.info.requires.items()
    ]
    return {"nodes": nodes, "edges": edges}
