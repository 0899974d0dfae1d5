"""Fixtures of the sales plugin's tests: an application with ``sales`` enabled.

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
    return ["sales"]


@pytest.fixture
def make_sales_app(guanxi_make_app: Callable[..., App]) -> Callable[..., App]:
    """Build applications with the installed sales plugin enabled (schema migrated)."""
    return plugin_app_factory("sales", guanxi_make_app)


@pytest.fixture
def sales_app(make_sales_app: Callable[..., App]) -> App:
    """The generic edition with only the sales plugin, on a fresh migrated database."""
    return make_sales_app()
