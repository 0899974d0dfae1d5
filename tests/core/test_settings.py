"""Layered settings: flag > environment > guanxi.toml > edition > plugin defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

import guanxi
from guanxi.errors import ConfigError
from tests.conftest import bare_app


class SmsSettings(BaseModel):
    gateway: str = Field("http://localhost:9000", description="SMS gateway URL")
    daily_limit: int = Field(1000, description="Messages per day")
    quiet_hours: list[str] = Field(default_factory=list, description="HH:MM-HH:MM ranges")


class Sms:
    plugin = guanxi.Plugin(name="sms", version="1.0")

    @staticmethod
    @guanxi.hookimpl
    def register_settings(register):  # type: ignore[no-untyped-def]
        register("sms", SmsSettings)


def build(tmp_path: Path, toml: str = "", environ: dict | None = None, flags: dict | None = None):  # type: ignore[no-untyped-def]
    if toml:
        (tmp_path / "guanxi.toml").write_text(toml, encoding="utf-8")
    return bare_app(
        tmp_path,
        environ=environ or {},
        settings=flags,
        entry_points=False,
        plugins=[Sms],
        enable=["sms"],
    )


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    app = build(tmp_path)
    sources = app.setting_sources()
    assert sources["core"].sources["timezone"] == "edition generic"
    assert sources["core"].sources["currency"] == "edition generic"
    assert sources["sms"].sources["daily_limit"] == "default"

    toml = '[core]\ncurrency = "USD"\ntimezone = "Europe/Berlin"\n[sms]\ndaily_limit = 5\n'
    app = build(tmp_path, toml)
    assert app.settings.currency == "USD"
    assert app.settings_for("sms").daily_limit == 5
    assert app.setting_sources()["sms"].sources["daily_limit"] == "guanxi.toml"

    env = {
        "GUANXI_CURRENCY": "EUR",
        "GUANXI_SMS__DAILY_LIMIT": "7",
        "GUANXI_SMS__QUIET_HOURS": "22:00-07:00, 12:00-13:00",
    }
    app = build(tmp_path, toml, env)
    assert app.settings.currency == "EUR"
    assert app.settings.timezone == "Europe/Berlin"  # untouched by the environment
    assert app.settings_for("sms").daily_limit == 7
    assert app.settings_for("sms").quiet_hours == ["22:00-07:00", "12:00-13:00"]
    assert app.setting_sources()["core"].sources["currency"] == "environment"

    app = build(tmp_path, toml, env, flags={"core": {"currency": "JPY"}})
    assert app.settings.currency == "JPY"
    assert app.setting_sources()["core"].sources["currency"] == "command line"


def test_json_lists_in_the_environment(tmp_path: Path) -> None:
    app = build(tmp_path, environ={"GUANXI_ROLES": '["customer", "patient"]'})
    assert app.settings.roles == ["customer", "patient"]


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        ('[core]\ncolour = "red"\n', {}, "guanxi.toml: unknown setting core.colour"),
        ('[sms]\ndaily_limit = "many"\n', {}, "guanxi.toml: setting sms.daily_limit"),
        ("", {"GUANXI_SMS__DAILY_LIMIT": "lots"}, "environment: setting sms.daily_limit"),
        ("[nosuch]\nx = 1\n", {}, "unknown settings section [nosuch]"),
        ('[core]\ntimezone = "Mars/Olympus"\n', {}, "unknown time zone 'Mars/Olympus'"),
        ('[core]\ndefault_stage = "nirvana"\n', {}, "core.default_stage"),
        ("[core\n", {}, "guanxi.toml"),
    ],
)
def test_bad_settings_name_the_setting_and_layer(
    tmp_path: Path, toml: str, environ: dict, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        build(tmp_path, toml, environ)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
