"""Throwaway plugins: a plugin made of a few functions, for one test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from guanxi import hookimpl
from guanxi.plugins import Plugin


def throwaway_plugin(
    name: str,
    *,
    version: str = "0.1.0",
    requires: Mapping[str, str] | None = None,
    bridge: bool = False,
    **hooks: Callable[..., Any],
) -> ModuleType:
    """A plugin module built in memory whose hook implementations are ``hooks``.

    ``throwaway_plugin("probe", interactions_logged=lambda uow, interactions: ...)``.
    Each keyword names a hook; the function is marked with ``@hookimpl`` (unless it is
    already marked, to keep ``tryfirst`` and friends) and may accept any subset of the
    hook's arguments, as pluggy allows. Pass the result to ``create_app(plugins=[...],
    enable=[name])`` or register it for a test with the ``guanxi_throwaway`` fixture.
    """
    module = ModuleType(f"guanxi_throwaway_{name}")
    module.plugin = Plugin(  # type: ignore[attr-defined]
        name=name,
        version=version,
        description="a throwaway plugin of a test",
        requires=dict(requires or {}),
        bridge=bridge,
    )
    for hook_name, function in hooks.items():
        marked = function if hasattr(function, "guanxi_impl") else hookimpl(function)
        setattr(module, hook_name, marked)
    return module
