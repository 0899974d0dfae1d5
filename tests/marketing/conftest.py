"""Fixtures of the marketing plugin's tests: an application with ``marketing`` enabled.

The database fixtures (``database_url``, ``make_app``) are the shared ones of
``tests/conftest.py``, so every test here runs on SQLite and, when
``GUANXI_TEST_POSTGRES_URL`` is set, on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guanxi.app import App


@pytest.fixture
def guanxi_plugins() -> list[str]:
    """The plugins of these tests' applications (``guanxi.testing``)."""
    return ["marketing"]


@pytest.fixture
def make_marketing_app(guanxi_make_app: Callable[..., App]) -> Callable[..., App]:
    """Build applications with the installed marketing plugin enabled (schema migrated).

    ``enable=[...]`` adds other plugins; other keywords go to ``guanxi_make_app`` of
    ``guanxi.testing`` (``settings={"marketing": {...}}`` and so on).
    """

    def factory(**kwargs: Any) -> App:
        plugins = ["marketing", *kwargs.pop("enable", [])]
        # ``plugins`` here are plugin objects given directly, as create_app takes them.
        return guanxi_make_app(plugins=plugins, given=kwargs.pop("plugins", ()), **kwargs)

    return factory


@pytest.fixture
def marketing_app(make_marketing_app: Callable[..., App]) -> App:
    """The generic edition with only the marketing plugin, on a fresh migrated database."""
    return make_marketing_app()
