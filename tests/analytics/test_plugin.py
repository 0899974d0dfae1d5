"""The analytics plugin is found like any third-party plugin and stands alone."""

from __future__ import annotations

from guanxi.app import App
from guanxi.db.migrate import check, current


def test_found_through_the_entry_point_and_enabled_alone(analytics_app: App) -> None:
    enabled = set(analytics_app.plugins)
    assert "analytics" in enabled
    assert not enabled & {"sales", "marketing", "service"}
    settings = analytics_app.settings_for("analytics")
    assert settings.purchase_kinds == ["core.purchase", "sales.order"]


def test_the_analytics_branch_is_migrated(analytics_app: App) -> None:
    assert "analytics_0005" in current(analytics_app)


def test_the_models_match_the_migrated_schema(analytics_app: App) -> None:
    assert check(analytics_app) == []
