"""A child virtual environment for installing a plugin project in a test.

The child sees everything the test's interpreter has installed (guanxi, its built-in
plugins, pytest, pip, setuptools) through a ``.pth`` file, so installing a project into it
needs no network and leaves the test's own environment untouched::

    @pytest.fixture(scope="module")
    def child(tmp_path_factory):
        child = child_venv(tmp_path_factory)
        install(child, PROJECT)
        return child

    run(child, "-m", "pytest", "-q", str(PROJECT / "tests"))
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest


def child_venv(tmp_path_factory: pytest.TempPathFactory, name: str = "venv") -> Path:
    """Create a venv (without pip) that sees the parent's site-packages; return its folder.

    ``python -m venv --system-site-packages`` would only show the *base* Python's
    packages, so a ``.pth`` file adds the parent venv's site-packages instead
    (``site.addsitedir`` also runs the parent's ``.pth`` files: the editable guanxi).
    """
    folder = tmp_path_factory.mktemp(name)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    parent = sysconfig.get_paths()["purelib"]
    ask = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    child_site = Path(
        subprocess.run(
            [str(python(folder)), "-c", ask], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    child_site.mkdir(parents=True, exist_ok=True)
    (child_site / "_parent.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n", encoding="utf-8"
    )
    return folder


def python(child: Path) -> Path:
    """The child venv's interpreter."""
    return child / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install(child: Path, project: Path) -> None:
    """``pip install -e project`` into the child: no dependencies, no build isolation.

    Both keep it offline: the dependencies (guanxi) are the parent's, and setuptools
    comes from the parent instead of being downloaded into a build environment.
    """
    result = subprocess.run(
        [str(python(child)), "-m", "pip", "install", "-q", "--no-deps",
         "--no-build-isolation", "--no-input", "--disable-pip-version-check", "-e", str(project)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, f"pip install -e {project} failed:\n{result.stderr}"


def run(child: Path, *args: str, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the child's ``python *args`` and capture its output (no check on the exit).

    ``env`` is added to a copy of the environment without ``GUANXI_*`` variables (a
    developer's GUANXI_PLUGINS must not leak into the child).
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_")}
    clean.pop("PYTHONPATH", None)
    clean.update(env or {})
    return subprocess.run([str(python(child)), *args], cwd=cwd, env=clean,
                          capture_output=True, text=True, timeout=600)
