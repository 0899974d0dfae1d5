"""The service plugin loads through its entry point, migrates, and matches its models."""

from __future__ import annotations

from guanxi.app import App
from guanxi.db.migrate import check


def test_service_plugin_is_enabled_and_its_schema_matches_its_models(service_app: App) -> None:
    assert "service" in service_app.plugins
    assert check(service_app) == []
