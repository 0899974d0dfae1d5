"""The core's JSON API: who am I, customers, interactions and tasks (under /api)."""

from __future__ import annotations

from typing import Any

from guanxi.web.api import me

ROUTERS: list[Any] = [me.router]
