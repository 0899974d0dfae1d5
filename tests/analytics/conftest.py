"""Fixtures of the analytics plugin's tests: an application with ``analytics`` enabled.

The database fixtures (``database_url``, ``make_app``) are the shared ones of
``tests/conftest.py``, so every test here runs on SQLite and, when
``GUANXI_TEST_POSTGRES_URL`` is set, on PostgreSQL too.

Analytics must work whether or not the other plugins are enabled, so the default
application here has *only* analytics; ``make_analytics_app(enable=["sales"])`` adds
others for the tests that read what they logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guanxi.app import App


@pytest.fixture
def guanxi_plugins() -> list[str]:
    """The plugins of these tests' applications (``guanxi.testing``)."""
    return ["analytics"]


@pytest.fixture
def make_analytics_app(guanxi_make_app: Callable[..., App]) -> Callable[..., App]:
    """Build applications with analytics (and only the plugins named in ``enable``).

    Other keywords go to ``guanxi_make_app`` of ``guanxi.testing``
    (``settings={"analytics": {...}}`` and so on).
    """

    def factory(**kwargs: Any) -> App:
        plugins = ["analytics", *kwargs.pop("enable", [])]
        # ``plugins`` here are plugin objects given directly, as create_app takes them.
        return guanxi_make_app(plugins=plugins, given=kwargs.pop("plugins", ()), **kwargs)

    return factory


@pytest.fixture
def analytics_app(make_analytics_app: Callable[..., App]) -> App:
    """The generic edition with analytics alone, on a fresh migrated database."""
    return make_analytics_app()


@pytest.fixture
def start_up_check_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """For apps whose scorecard names test KPIs (``t.…``, known to ``build_scorecard``
    only), which the start-up check (``app_ready``) would refuse. It has tests of its own."""
    monkeypatch.setattr("guanxi_analytics.scorecard.check_settings", lambda app: None)
