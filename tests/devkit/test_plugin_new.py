"""``guanxi plugin new``: refusals (in-process, fast) and one real round trip.

The round trip renders a plugin, installs it into a child venv (tests/devkit/venv.py),
runs the generated project's own test suite there, and checks that an installed plugin
is listed by ``guanxi plugins`` and migrated by ``guanxi db upgrade`` once enabled.
"""

from __future__ import annotations

import contextlib
import json
import py_compile
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from guanxi.cli import cli
from tests.devkit.venv import child_venv, install, run

# The number of tests in templates/plugin/tests/test_{{ name }}.py.jinja.
GENERATED_TESTS = 9


def plugin_new(folder: Path, *args: str) -> tuple[int, str, str]:
    """Run ``guanxi plugin new ARGS`` in ``folder``; return exit code, stdout, stderr."""
    with contextlib.chdir(folder):
        result = CliRunner().invoke(cli, ["plugin", "new", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def contents(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


NOT_AN_IDENTIFIER = (
    "is not a lower-case identifier (letters, digits, single underscores, starting with a letter)"
)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Nps", f"'Nps' {NOT_AN_IDENTIFIER}"),
        ("1nps", f"'1nps' {NOT_AN_IDENTIFIER}"),
        ("n-ps", f"'n-ps' {NOT_AN_IDENTIFIER}"),
        ("nps_", f"'nps_' {NOT_AN_IDENTIFIER}"),
        ("class", "'class' cannot name a plugin"),
        ("sales", "a plugin named 'sales' is installed already (guanxi_sales.plugin)"),
        ("editions", "the package guanxi_editions exists already"),
        ("core", "'core' is reserved by guanxi"),
        ("customer", "'customer' is reserved by guanxi"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_written(tmp_path, name, reason):
    code, _, err = plugin_new(tmp_path, name)
    assert code == 1
    assert err.splitlines() == [f"error: field 'NAME': {reason}"]
    assert contents(tmp_path) == set()


def test_a_folder_with_files_is_refused(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine\n")
    code, _, err = plugin_new(tmp_path, "tally", "--dir", "taken")
    assert code == 1
    assert err.strip() == "error: field '--dir': taken exists and is not an empty folder"
    assert contents(tmp_path) == {"taken", "taken/notes.txt"}


def test_a_multi_line_description_is_refused(tmp_path):
    code, _, err = plugin_new(tmp_path, "tally", "--description", "one\ntwo")
    assert code == 1
    assert err.strip() == "error: field '--description': must be one non-empty line"
    assert contents(tmp_path) == set()


def test_renders_a_project_into_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = plugin_new(
        tmp_path, "gift_cards", "--dir", "empty", "--description", 'Gift "cards" 礼品卡',
        "--author", "Wang Fang",
    )
    assert code == 0, err
    project = tmp_path / "empty"
    assert out.splitlines()[0] == "created the plugin project empty (10 files):"
    assert "  guanxi_gift_cards/migrations/0001_gift_cards_initial.py" in out.splitlines()
    assert "  pip install -e 'empty[test]'" in out
    assert "  GUANXI_PLUGINS=gift_cards guanxi plugins   # in a guanxi project folder" in out
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "guanxi-gift-cards"' in pyproject
    assert 'description = "Gift \\"cards\\" 礼品卡"' in pyproject
    assert 'authors = [{ name = "Wang Fang" }]' in pyproject
    assert 'gift_cards = "guanxi_gift_cards.plugin"' in pyproject
    plugin = (project / "guanxi_gift_cards" / "plugin.py").read_text(encoding="utf-8")
    assert "class GiftCards" not in plugin and "GiftCardsSummary" in plugin
    for source in project.rglob("*.py"):
        py_compile.compile(str(source), doraise=True)
        # Every template variable was filled in (the plugin's own templates keep theirs).
        assert "{{" not in source.read_text(encoding="utf-8"), source
    digest = project / "guanxi_gift_cards" / "templates" / "gift_cards" / "digest.txt"
    assert "{{ notes }}" in digest.read_text(encoding="utf-8")


def test_default_folder_is_the_distribution_name(tmp_path):
    code, out, err = plugin_new(tmp_path, "tally")
    assert code == 0, err
    assert out.splitlines()[0] == "created the plugin project guanxi-tally (10 files):"
    assert (tmp_path / "guanxi-tally" / "guanxi_tally" / "plugin.py").is_file()


# The round trip: one child venv for the module.


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A generated ``tally`` plugin installed (editable) into a child venv."""
    where = tmp_path_factory.mktemp("plugin")
    code, _, err = plugin_new(where, "tally")
    assert code == 0, err
    project = where / "guanxi-tally"
    child = child_venv(tmp_path_factory)
    install(child, project)
    return child, project


def test_generated_test_suite_passes(installed):
    child, project = installed
    result = run(child, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"\b{GENERATED_TESTS} passed\b", result.stdout), result.stdout


def test_installed_plugin_is_listed_and_migrated(installed, tmp_path):
    child, _ = installed
    init = run(child, "-m", "guanxi", "init", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    listed = run(child, "-m", "guanxi", "plugins", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "tally" not in {p["name"] for p in json.loads(listed.stdout) if p["enabled"]}

    enabled = {"GUANXI_PLUGINS": "tally"}
    listed = run(child, "-m", "guanxi", "plugins", "--json", cwd=tmp_path, env=enabled)
    assert listed.returncode == 0, listed.stderr
    [tally] = [p for p in json.loads(listed.stdout) if p["name"] == "tally"]
    assert tally["enabled"] is True
    assert tally["version"] == "0.1.0"
    assert tally["source"] == "entry point"

    upgraded = run(child, "-m", "guanxi", "db", "upgrade", cwd=tmp_path, env=enabled)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "tally_0001" in upgraded.stdout
    [database] = tmp_path.glob("*.db") or tmp_path.glob("*.sqlite*")
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert "tally_summary" in tables
