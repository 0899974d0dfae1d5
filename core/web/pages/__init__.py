"""The core's console pages: customers (search, list, 360), tasks, admin pages.

Each module has a ``router`` (console routes, mounted at the site root) and ``NAV``
(its menu entries, whose labels are keys of :mod:`guanxi.web.messages`). The core
plugin's ``register_routes`` registers every ``(router, nav)`` pair listed here.
"""

from __future__ import annotations

from typing import Any

from guanxi.web.pages import admin, customers, tasks, webhooks

ROUTERS: list[tuple[Any, tuple[Any, ...]]] = [
    (customers.router, customers.NAV),
    (tasks.router, tasks.NAV),
    (admin.router, admin.NAV),
    (webhooks.router, ()),  # a tab of the admin pages, no menu entry of its own
]
