"""The core's console pages: customers (search, 360), admin pages."""

from __future__ import annotations

from typing import Any

ROUTERS: list[tuple[Any, tuple[Any, ...]]] = []
