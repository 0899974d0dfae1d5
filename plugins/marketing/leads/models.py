"""The leads area's tables (prefixed ``marketing_``)."""

from __future__ import annotations

TABLES: tuple[type, ...] = ()
