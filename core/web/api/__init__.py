"""The core's JSON API: who am I, customers, interactions and tasks (under /api)."""

from __future__ import annotations

from typing import Any

from guanxi.web.api import customers, interactions, me, tasks
from guanxi.web.api import webhooks as webhooks_api

ROUTERS: list[Any] = [
    me.router,
    customers.router,
    interactions.router,
    tasks.router,
    webhooks_api.router,
]
