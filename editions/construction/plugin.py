"""The construction edition's plugin: only what no general plugin should carry."""

from __future__ import annotations

from guanxi import Plugin

plugin = Plugin(
    name="construction",
    version="0.1.0",
    description="construction edition behaviour",
    requires={"sales": ">=0.1,<1", "marketing": ">=0.1,<1", "service": ">=0.1,<1", "analytics": ">=0.1,<1"},
)
