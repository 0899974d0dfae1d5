"""Fixtures for the edition tests: a fresh project folder initialised with an edition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.clitools import Guanxi

StartProject = Callable[..., Guanxi]


@pytest.fixture
def start_project(tmp_path: Path) -> StartProject:
    """``start_project("hospital", demo=True)``: ``guanxi init`` in a fresh folder.

    Returns the runner for that project (SQLite; the stories run through the CLI the
    way an admin would). Each call makes a new folder, so one test may start several.
    """
    made = iter(range(100))

    def start(edition: str, *, demo: bool = False) -> Guanxi:
        folder = tmp_path / f"{edition}-{next(made)}"
        runner = Guanxi(folder)
        runner("init", "--edition", edition, *(["--demo"] if demo else []))
        return runner

    return start
