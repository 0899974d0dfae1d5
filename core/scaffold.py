"""Render a new plugin project from the templates of ``guanxi plugin new``.

The templates are package data (``guanxi.scaffold_templates``, the repository's
top-level ``templates/`` folder), found with :mod:`importlib.resources` so that an
installed wheel works like a source checkout. In the tree ``plugin/``:

- file and folder *names* are Jinja2 templates (``guanxi_{{ name }}/``);
- a file whose name ends in ``.jinja`` is rendered and written without the suffix;
- any other file is copied byte for byte (the new plugin's own Jinja2 templates, whose
  ``{{ ... }}`` belong to the plugin, not to the scaffold).

Everything is rendered in memory first and checked, so bad input writes nothing.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.abc import Traversable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jinja2

from guanxi.errors import ConfigError, ValidationError

TEMPLATE_PACKAGE = "guanxi.scaffold_templates"
TEMPLATE_TREE = "plugin"
RENDERED_SUFFIX = ".jinja"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# Names that would shadow a name guanxi itself gives meaning to: the core plugin, and the
# plugin kit's own packages.
RESERVED_NAMES = frozenset({"core", "testing", "scaffold", "plugin", "plugins"})


@dataclass(frozen=True)
class PluginProject:
    """What :func:`render_plugin` produced: the folder and the files, in writing order."""

    name: str
    folder: Path
    files: tuple[Path, ...]


def check_name(name: str, *, reserved: frozenset[str] | set[str] = frozenset()) -> None:
    """Refuse a plugin NAME that is not a new lower-case identifier.

    Raises :class:`ValidationError` naming ``NAME`` when it is not lower case letters,
    digits and underscores starting with a letter, is a Python keyword, is an installed
    plugin's entry point, is importable as ``guanxi_NAME`` already (a built-in package
    such as ``guanxi_editions``), or is in ``reserved`` (the built-in command names: a
    plugin's command group of the same name would never be reached).
    """
    if not NAME_PATTERN.fullmatch(name) or name.endswith("_") or "__" in name:
        raise ValidationError(
            "NAME",
            f"{name!r} is not a lower-case identifier (letters, digits, single "
            "underscores, starting with a letter)",
        )
    if keyword.iskeyword(name) or len(name) > 40:
        raise ValidationError("NAME", f"{name!r} cannot name a plugin")
    if name in RESERVED_NAMES or name in reserved:
        raise ValidationError("NAME", f"{name!r} is reserved by guanxi")
    installed = {ep.name: ep.value for ep in metadata.entry_points(group="guanxi.plugins")}
    if name in installed:
        raise ValidationError(
            "NAME", f"a plugin named {name!r} is installed already ({installed[name]})"
        )
    if find_spec(package_name(name)) is not None:
        raise ValidationError("NAME", f"the package {package_name(name)} exists already")


def package_name(name: str) -> str:
    """The import package of plugin ``name``: ``guanxi_name``."""
    return f"guanxi_{name}"


def distribution_name(name: str) -> str:
    """The distribution (what pip installs) of plugin ``name``: ``guanxi-name``."""
    return "guanxi-" + name.replace("_", "-")


def template_context(name: str, *, description: str | None = None,
                     author: str | None = None) -> dict[str, Any]:
    """The variables every template sees."""
    if description is not None and ("\n" in description or not description.strip()):
        raise ValidationError("--description", "must be one non-empty line")
    if author is not None and ("\n" in author or not author.strip()):
        raise ValidationError("--author", "must be one non-empty line")
    return {
        "name": name,
        "package": package_name(name),
        "distribution": distribution_name(name),
        # CamelCase prefix for class names: nps -> Nps, gift_cards -> GiftCards.
        "title": "".join(part.capitalize() for part in name.split("_")),
        "description": (description or f"the {name} plugin for guanxi").strip(),
        "author": (author or "").strip(),
    }


def templates_root() -> Traversable:
    """The ``plugin/`` template tree inside the installed package data."""
    try:
        root = resources.files(TEMPLATE_PACKAGE) / TEMPLATE_TREE
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the plugin templates ({TEMPLATE_PACKAGE}) are not installed; reinstall guanxi"
        ) from exc
    if not root.is_dir():
        raise ConfigError(f"the plugin templates ({TEMPLATE_PACKAGE}/{TEMPLATE_TREE}) are missing")
    return root


def render_tree(context: dict[str, Any]) -> dict[Path, bytes]:
    """Every file of the new project, relative path to content, rendered in memory."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    # JSON strings are valid TOML and Python strings: quote user text with them.
    env.filters["quoted"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    files: dict[Path, bytes] = {}
    for relative, node in _walk(templates_root(), Path()):
        target = Path(*(env.from_string(part).render(context) for part in relative.parts))
        if target.name.endswith(RENDERED_SUFFIX):
            target = target.with_name(target.name[: -len(RENDERED_SUFFIX)])
            text = env.from_string(node.read_text(encoding="utf-8")).render(context)
            files[target] = text.encode("utf-8")
        else:
            files[target] = node.read_bytes()
    return files


def render_plugin(name: str, folder: Path | None = None, *, description: str | None = None,
                  author: str | None = None,
                  reserved: frozenset[str] | set[str] = frozenset()) -> PluginProject:
    """Write a new plugin project for ``name`` into ``folder`` (default ``./guanxi-name``).

    The folder must not exist or be empty; nothing is written when any check fails.
    """
    check_name(name, reserved=reserved)
    context = template_context(name, description=description, author=author)
    folder = Path(folder) if folder is not None else Path(distribution_name(name))
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValidationError("--dir", f"{folder} exists and is not an empty folder")
    files = render_tree(context)
    written = []
    for relative, content in sorted(files.items()):
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(relative)
    return PluginProject(name=name, folder=folder, files=tuple(written))


def _walk(node: Traversable, relative: Path) -> list[tuple[Path, Traversable]]:
    found = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__" or child.name.endswith((".pyc", ".pyo")):
            continue
        if child.is_dir():
            found.extend(_walk(child, relative / child.name))
        else:
            found.append((relative / child.name, child))
    return found
