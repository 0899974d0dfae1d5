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

OTHER_PLUGINS = ("sales", "marketing", "service")


@pytest.fixture
def make_analytics_app(make_app: Callable[..., App]) -> Callable[..., App]:
    """Build applications with analytics (and only the plugins named in ``enable``).

    Keyword arguments go to ``make_app`` (``settings={"analytics": {...}}`` and so on).
    """

    def factory(**kwargs: Any) -> App:
        enable = ["analytics", *kwargs.pop("enable", [])]
        disable = [name for name in OTHER_PLUGINS if name not in enable]
        return make_app(enable=enable, disable=disable, entry_points=True, **kwargs)

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
