"""Fixtures of the marketing plugin's tests: an application with ``marketing`` enabled.

The applications come from ``guanxi_make_app`` of ``guanxi.testing`` (through
``plugin_app_factory`` of ``tests/conftest.py``), so every test here runs on SQLite and,
when ``GUANXI_TEST_POSTGRES_URL`` is set, on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from guanxi.app import App
from tests.conftest import plugin_app_factory


@pytest.fixture
def guanxi_plugins() -> list[str]:
    """The plugins of these tests' applications (``guanxi.testing``)."""
    return ["marketing"]


@pytest.fixture
def make_marketing_app(guanxi_make_app: Callable[..., App]) -> Callable[..., App]:
    """Build applications with the installed marketing plugin enabled (schema migrated)."""
    return plugin_app_factory("marketing", guanxi_make_app)


@pytest.fixture
def marketing_app(make_marketing_app: Callable[..., App]) -> App:
    """The generic edition with only the marketing plugin, on a fresh migrated database."""
    return make_marketing_app()
