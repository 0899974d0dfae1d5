"""What plugins contribute to the web application through ``register_routes``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from guanxi.errors import PluginError


@dataclass(frozen=True)
class NavItem:
    """An entry of the console's menu.

    ``label`` is a message key of the plugin's ``messages`` (or plain text); ``path``
    the page; ``permission`` an ``entity:action`` the user needs to see the entry;
    ``order`` sorts the menu (the core's entries are 10–90).
    """

    label: str
    path: str
    permission: str | None = None
    order: int = 50


@dataclass(frozen=True)
class RouteRegistration:
    """One router a plugin registered."""

    plugin: str
    router: Any
    console: bool
    nav: tuple[NavItem, ...] = ()


@dataclass
class WebRegistry:
    """Routers, menu entries and console messages of every enabled plugin."""

    routes: list[RouteRegistration] = field(default_factory=list)
    messages: dict[str, dict[str, str]] = field(default_factory=dict)

    def registrar(self, plugin: str) -> Callable[..., None]:
        """The ``register`` callable handed to one plugin's ``register_routes``."""

        def register(
            router: Any,
            *,
            console: bool = False,
            nav: Iterable[NavItem] = (),
            messages: Mapping[str, Mapping[str, str]] | None = None,
        ) -> None:
            from fastapi import APIRouter

            if not isinstance(router, APIRouter):
                raise PluginError(plugin, "register_routes: router must be a fastapi.APIRouter")
            items = tuple(nav)
            for item in items:
                if not isinstance(item, NavItem):
                    raise PluginError(plugin, "register_routes: nav items must be NavItem")
            self.routes.append(RouteRegistration(plugin, router, console, items))
            for language, strings in (messages or {}).items():
                self.messages.setdefault(language, {}).update(strings)

        return register

    @property
    def nav(self) -> list[NavItem]:
        """Every menu entry, in menu order."""
        items = [item for route in self.routes for item in route.nav]
        return sorted(items, key=lambda item: (item.order, item.path))
