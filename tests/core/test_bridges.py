"""Bridge plugins: enabled like any plugin, active only when every plugin they link is."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi import hookimpl
from guanxi.errors import PluginError
from tests.conftest import bare_app
from tests.core.test_plugins import make_plugin


class Probe:
    """Hook implementations that record that they ran."""

    calls: list[str] = []

    @staticmethod
    @hookimpl
    def app_ready(app: object) -> None:
        Probe.calls.append("bridge ready")


def bridge_plugin(requires: dict[str, str] | None = None) -> object:
    bridge = make_plugin("chat_tickets", requires=requires or {"chat": "", "tickets": ""},
                         bridge=True)
    bridge.app_ready = Probe.app_ready  # type: ignore[attr-defined]
    return bridge


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    Probe.calls = []


def build(tmp_path: Path, plugins: list[object], enable: list[str]):
    return bare_app(tmp_path, environ={}, entry_points=False, plugins=plugins, enable=enable)


def test_bridge_activates_when_both_sides_are_enabled(tmp_path: Path) -> None:
    chat, tickets = make_plugin("chat"), make_plugin("tickets")
    app = build(tmp_path, [chat, tickets, bridge_plugin()], ["chat", "tickets", "chat_tickets"])
    assert list(app.plugins) == ["core", "chat", "tickets", "chat_tickets"]
    assert app.inactive_plugins == {}
    assert Probe.calls == ["bridge ready"]


def test_bridge_stays_inactive_without_one_side_and_does_not_pull_it_in(tmp_path: Path) -> None:
    chat, tickets = make_plugin("chat"), make_plugin("tickets")
    app = build(tmp_path, [chat, tickets, bridge_plugin()], ["chat", "chat_tickets"])
    # tickets is available but not enabled: a bridge's requires are conditions, not pulls.
    assert list(app.plugins) == ["core", "chat"]
    assert app.inactive_plugins == {"chat_tickets": "needs tickets"}
    assert Probe.calls == []
    assert app.pm.is_blocked("chat_tickets")


def test_bridge_alone_names_everything_it_needs(tmp_path: Path) -> None:
    app = build(tmp_path, [bridge_plugin()], ["chat_tickets"])
    assert app.inactive_plugins == {"chat_tickets": "needs chat, tickets"}
    assert list(app.plugins) == ["core"]


def test_bridge_is_inactive_when_a_side_is_disabled(tmp_path: Path) -> None:
    chat, tickets = make_plugin("chat"), make_plugin("tickets")
    app = bare_app(tmp_path, environ={"GUANXI_DISABLED_PLUGINS": "tickets"}, entry_points=False,
                   plugins=[chat, tickets, bridge_plugin()], enable=["chat", "chat_tickets"])
    assert app.inactive_plugins == {"chat_tickets": "needs tickets"}


def test_active_bridge_still_checks_version_ranges(tmp_path: Path) -> None:
    chat, tickets = make_plugin("chat", "1.0"), make_plugin("tickets", "0.3")
    bridge = bridge_plugin({"chat": "", "tickets": ">=1"})
    with pytest.raises(PluginError, match="'tickets': version 0.3 does not satisfy '>=1' "
                                          "required by plugin 'chat_tickets'"):
        build(tmp_path, [chat, tickets, bridge], ["chat", "tickets", "chat_tickets"])


def test_bridge_on_a_bridge_falls_with_it(tmp_path: Path) -> None:
    chat = make_plugin("chat")
    upper = make_plugin("chat_tickets_sms", requires={"chat_tickets": "", "chat": ""},
                        bridge=True)
    app = build(tmp_path, [chat, bridge_plugin(), upper],
                ["chat", "chat_tickets", "chat_tickets_sms"])
    assert app.inactive_plugins == {
        "chat_tickets": "needs tickets",
        "chat_tickets_sms": "needs chat_tickets",
    }


def test_plain_plugin_requiring_an_inactive_bridge_is_an_error(tmp_path: Path) -> None:
    chat = make_plugin("chat")
    report = make_plugin("report", requires={"chat_tickets": ""})
    with pytest.raises(PluginError, match="'report': requires bridge 'chat_tickets', which "
                                          r"is inactive \(needs tickets\)"):
        build(tmp_path, [chat, bridge_plugin(), report], ["chat", "report"])
