"""The surveys area's tables."""

from __future__ import annotations

TABLES: tuple[type, ...] = ()
