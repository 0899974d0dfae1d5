"""docs/writing-plugins.md stays true: its code is examples/nps, examples/nps is what
``guanxi plugin new nps`` generates plus the tutorial's edits, and its tests pass."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from guanxi.cli import cli
from tests.devkit.venv import child_venv, install, run

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "writing-plugins.md"
EXAMPLE = ROOT / "examples" / "nps"
# The files the tutorial edits (the rest must be exactly what `plugin new nps` writes).
EDITED = {
    "README.md",
    "guanxi_nps/plugin.py",
    "guanxi_nps/settings.py",
    "guanxi_nps/models.py",
    "guanxi_nps/migrations/0001_nps_initial.py",
    "tests/test_nps.py",
}
DELETED = {"guanxi_nps/templates/nps/digest.txt"}
ADDED = {"guanxi_nps/templates/nps/question.txt"}
EXAMPLE_TESTS = 9


def _sync_module():
    path = ROOT / "scripts" / "sync_tutorial.py"
    spec = importlib.util.spec_from_file_location("sync_tutorial", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


sync = _sync_module()


def files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        # Not what tools leave behind: caches, build metadata.
        if p.is_file() and not any(
            part == "__pycache__" or part.startswith(".") or part.endswith(".egg-info")
            for part in p.relative_to(folder).parts
        )
    }


def test_every_code_block_is_its_file_region():
    text = DOC.read_text(encoding="utf-8")
    blocks = sync.blocks(text)
    assert len(blocks) >= 15
    assert sync.stale(text) == [], "run: python scripts/sync_tutorial.py"


def test_a_changed_block_is_caught(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    first = sync.blocks(text)[0]
    assert first.body
    changed = text.replace(first.body, first.body + "# an edit in the doc only\n", 1)
    assert sync.stale(changed) == [first.label]
    assert sync.synced(changed) == text


def test_every_tutorial_region_is_in_the_doc():
    shown = {block.label for block in sync.blocks(DOC.read_text(encoding="utf-8"))}
    marked = {
        f"examples/nps/{path}#{name}"
        for path in files(EXAMPLE)
        for name in re.findall(r"^# \[tutorial: ([\w-]+)\]$",
                               (EXAMPLE / path).read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert marked and marked <= shown


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """``guanxi plugin new nps --description ...`` as the tutorial runs it, and its output."""
    folder = tmp_path_factory.mktemp("generated")
    with contextlib.chdir(folder):
        result = CliRunner().invoke(
            cli, ["plugin", "new", "nps", "--description", "NPS survey by SMS"],
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.stderr
    return folder / "guanxi-nps", result.stdout


def test_the_doc_shows_what_plugin_new_prints(generated):
    _, output = generated
    shown = DOC.read_text(encoding="utf-8").split(
        '$ guanxi plugin new nps --description "NPS survey by SMS"\n', 1
    )[1].split("```", 1)[0]
    assert shown == output


def test_the_example_is_the_scaffold_plus_the_tutorial(generated):
    project, _ = generated
    made, example = files(project), files(EXAMPLE)
    assert made - DELETED == example - ADDED
    assert made >= EDITED | DELETED
    for path in sorted(made - EDITED - DELETED):
        assert (project / path).read_bytes() == (EXAMPLE / path).read_bytes(), (
            f"examples/nps/{path} differs from what 'guanxi plugin new nps' writes"
        )


def test_the_example_suite_passes(tmp_path_factory):
    # A copy, so that installing and testing leaves no build files in the repository.
    project = tmp_path_factory.mktemp("example") / "guanxi-nps"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    child = child_venv(tmp_path_factory)
    install(child, project)
    result = run(child, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"\b{EXAMPLE_TESTS} passed\b", result.stdout), result.stdout
