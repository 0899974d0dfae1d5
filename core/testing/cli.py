"""Drive the ``guanxi`` command line in-process, the way an admin would type it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from guanxi.cli import cli
from guanxi.settings import env_var


class GuanxiCli:
    """Runs ``guanxi -C <project> [--db URL] [--as USER] …`` in-process.

    ``plugins`` are enabled and ``disabled`` switched off through ``GUANXI_PLUGINS`` and
    ``GUANXI_DISABLED_PLUGINS`` for every call; without them the project's own
    configuration decides. ``settings`` (by section, like ``create_app``'s) reach the
    command line as ``GUANXI_*`` variables. ``runner.env`` can be changed between calls.
    """

    def __init__(
        self,
        project: Path,
        database_url: str | None = None,
        *,
        plugins: Sequence[str] = (),
        disabled: Sequence[str] = (),
        settings: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        self.project = project
        self.database_url = database_url
        self.base = ["-C", str(project), *(["--db", database_url] if database_url else [])]
        env: dict[str, str | None] = dict(settings_environment(settings or {}))
        if plugins:
            env["GUANXI_PLUGINS"] = ",".join(plugins)
        if disabled:
            env["GUANXI_DISABLED_PLUGINS"] = ",".join(disabled)
        self.runner = CliRunner(env=env)

    def __call__(self, *args: str, ok: bool = True, as_user: str | None = None) -> Result:
        """Run a command; unless ``ok`` is False it must succeed (exit status 0)."""
        who = ["--as", as_user] if as_user else []
        result = self.runner.invoke(cli, [*self.base, *who, *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, as_user: str | None = None) -> Any:
        """Run a command with ``--json`` and return what it printed, parsed."""
        return json.loads(self(*args, "--json", as_user=as_user).stdout)

    def fails(self, *args: str, code: int = 1, as_user: str | None = None) -> str:
        """Run a command that must fail with ``code``; return its one-line error."""
        result = self(*args, ok=False, as_user=as_user)
        assert result.exit_code == code, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]


def settings_environment(settings: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Settings by section as the ``GUANXI_*`` variables the settings layers read.

    Lists go as JSON; a table-valued setting has no environment form and is refused
    with the field's name (put it in the project's guanxi.toml instead).
    """
    env: dict[str, str] = {}
    for section, values in settings.items():
        for name, value in values.items():
            var = env_var(section, name)
            if isinstance(value, Mapping):
                raise ValueError(
                    f"setting {section}.{name}: a table cannot reach the command line "
                    "through the environment; write it in guanxi.toml"
                )
            if isinstance(value, (list, tuple)):
                env[var] = json.dumps(list(value), ensure_ascii=False, default=str)
            elif isinstance(value, bool):
                env[var] = "true" if value else "false"
            else:
                env[var] = str(value)
    return env
