"""Fixtures of the service plugin's tests: an application with ``service`` enabled.

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
def make_service_app(make_app: Callable[..., App]) -> Callable[..., App]:
    """Build applications with the installed service plugin enabled (schema migrated).

    Keyword arguments go to ``make_app`` (``settings={"service": {...}}`` and so on).
    """

    def factory(**kwargs: Any) -> App:
        enable = ["service", *kwargs.pop("enable", [])]
        return make_app(enable=enable, entry_points=True, **kwargs)

    return factory


@pytest.fixture
def service_app(make_service_app: Callable[..., App]) -> App:
    """The generic edition with the service plugin, on a fresh migrated database."""
    return make_service_app()
