"""The loyalty area's tables: none (every figure is computed from the log)."""

from __future__ import annotations

from typing import Any

TABLES: tuple[Any, ...] = ()
