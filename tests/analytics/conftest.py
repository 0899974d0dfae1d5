"""Fixtures of the analytics plugin's tests: an application with ``analytics`` enabled.

The applications come from ``guanxi_make_app`` of ``guanxi.testing`` (through
``plugin_app_factory`` of ``tests/conftest.py``), so every test here runs on SQLite and,
when ``GUANXI_TEST_POSTGRES_URL`` is set, on PostgreSQL too.

Analytics must work whether or not the other plugins are enabled, so the default
application here has *only* analytics; ``make_analytics_app(enable=["sales"])`` adds
others for the tests that read what they logged.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from guanxi.app import App
from tests.conftest import plugin_app_factory


@pytest.fixture
def guanxi_plugins() -> list[str]:
    """The plugins of these tests' applications (``guanxi.testing``)."""
    return ["analytics"]


@pytest.fixture
def make_analytics_app(guanxi_make_app: Callable[..., App]) -> Callable[..., App]:
    """Build applications with analytics (and only the plugins named in ``enable``)."""
    return plugin_app_factory("analytics", guanxi_make_app)


@pytest.fixture
def analytics_app(make_analytics_app: Callable[..., App]) -> App:
    """The generic edition with analytics alone, on a fresh migrated database."""
    return make_analytics_app()


@pytest.fixture
def start_up_check_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """For apps whose scorecard names test KPIs (``t.…``, known to ``build_scorecard``
    only), which the start-up check (``app_ready``) would refuse. It has tests of its own."""
    monkeypatch.setattr("guanxi_analytics.scorecard.check_settings", lambda app: None)
