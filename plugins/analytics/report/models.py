"""The report area's tables: none — reports are rendered on demand and not stored."""

from __future__ import annotations

from typing import Any

TABLES: tuple[Any, ...] = ()
