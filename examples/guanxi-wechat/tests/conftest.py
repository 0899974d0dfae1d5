"""The plugin's own tests run on guanxi.testing's fixtures."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.settings import DEFAULT_CHANNELS

pytest_plugins = ["guanxi.testing"]

TOKEN = "test-token"


@pytest.fixture
def guanxi_settings() -> dict[str, dict[str, Any]]:
    """Every test app logs on a ``wechat`` channel and verifies with ``TOKEN``."""
    return {"core": {"channels": [*DEFAULT_CHANNELS, "wechat"]}, "wechat": {"token": TOKEN}}
