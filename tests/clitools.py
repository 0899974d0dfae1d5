"""One helper for the tests that drive the ``guanxi`` command line in-process."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from guanxi.cli import cli


class Guanxi:
    """Runs ``guanxi -C <project> [--db URL] [--as USER] …`` in-process.

    ``plugins`` are enabled through ``GUANXI_PLUGINS`` for every call (the sales tests
    enable ``sales``); without them the project's own configuration decides.
    """

    def __init__(
        self, project: Path, database_url: str | None = None, *, plugins: Sequence[str] = ()
    ):
        self.project = project
        self.database_url = database_url
        self.base = ["-C", str(project), *(["--db", database_url] if database_url else [])]
        self.runner = CliRunner(env={"GUANXI_PLUGINS": ",".join(plugins)} if plugins else None)

    def __call__(self, *args: str, ok: bool = True, as_user: str | None = None) -> Result:
        """Run a command; unless ``ok`` is False it must succeed."""
        who = ["--as", as_user] if as_user else []
        result = self.runner.invoke(cli, [*self.base, *who, *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
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
