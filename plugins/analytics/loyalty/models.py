"""The loyalty area's tables (none yet)."""

from __future__ import annotations

from typing import Any

TABLES: tuple[Any, ...] = ()
