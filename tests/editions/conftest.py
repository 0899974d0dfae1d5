"""Fixtures for the edition tests: a fresh project folder initialised with an edition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli

StartProject = Callable[..., GuanxiCli]


@pytest.fixture
def start_project(tmp_path: Path) -> StartProject:
    """``start_project("hospital", demo=True)``: ``guanxi init`` in a fresh folder.

    Returns the runner for that project (SQLite; the stories run through the CLI the
    way an admin would). Each call makes a new folder, so one test may start several.
    """
    made = iter(range(100))

    def start(edition: str, *, demo: bool = False) -> GuanxiCli:
        folder = tmp_path / f"{edition}-{next(made)}"
        runner = GuanxiCli(folder)
        runner("init", "--edition", edition, *(["--demo"] if demo else []))
        return runner

    return start
