"""``guanxi dedupe`` commands (being built for issue 8)."""

from __future__ import annotations
