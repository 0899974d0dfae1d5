"""Editions: data that picks plugins and configures them for an industry.

An edition is a folder holding ``edition.toml`` (and optionally ``templates/``). It is
found, like plugins, through an entry-point group (``guanxi.editions``: the entry point
names a package whose folder holds the file), through folders on the edition path
(``GUANXI_EDITION_PATH``), or by giving its folder directly. See docs/editions.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model
from pydantic.json_schema import JsonDict

from guanxi.errors import EditionError

ENTRY_POINT_GROUP = "guanxi.editions"
EDITION_FILE = "edition.toml"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")

FIELD_TYPES: dict[str, Any] = {
    "str": str,
    "text": str,
    "int": int,
    "float": float,
    "decimal": Decimal,
    "bool": bool,
    "date": dt.date,
    "list": list[str],
}


@dataclass
class DemoVocabulary:
    """The words of the core's demo data, so an industry edition's demo reads like one.

    Every list replaces the generic default when given (``[demo.vocabulary]``); the
    edition's plugin adds what words cannot (encounters, loans, projects) through the
    ``demo_data`` hook.
    """

    # [name, description] pairs; the first ``teams`` of them are created.
    teams: list[list[str]] = field(default_factory=list)
    # {sku, name, price} tables: what a ``core.purchase`` buys (a consultation, a loan fee).
    products: list[dict[str, Any]] = field(default_factory=list)
    # What a purchase is called in the log (购买, 就诊缴费, 办理业务).
    purchase_subject: str = ""
    # Share of the demo interactions that are purchases (the rest contacts and notes).
    purchase_share: float = 0.35
    contact_subjects: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Organisations are named city + word + kind + 有限公司.
    organization_words: list[str] = field(default_factory=list)
    organization_kinds: list[str] = field(default_factory=list)
    # The source of the demo customers' external identities (legacy-crm, his, core-banking).
    identity_source: str = ""
    task_title: str = ""


@dataclass
class DemoSpec:
    """How big the edition's deterministic demo data is, and the words it uses."""

    seed: int = 42
    staff: int = 8
    teams: int = 3
    customers: int = 300
    organizations: int = 40
    interactions: int = 3000
    # The demo's "today": interactions lie in the two years before it. Fixed, so the
    # data is the same whatever day it is generated.
    until: dt.date = dt.date(2026, 10, 31)
    vocabulary: DemoVocabulary = field(default_factory=DemoVocabulary)


@dataclass
class Edition:
    """A parsed edition file."""

    name: str
    title: str
    description: str
    version: str
    folder: Path
    plugins: dict[str, str] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    terminology: dict[str, dict[str, str]] = field(default_factory=dict)
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    demo: DemoSpec = field(default_factory=DemoSpec)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def template_dir(self) -> Path | None:
        """The edition's template overrides, if it ships any."""
        folder = self.folder / "templates"
        return folder if folder.is_dir() else None

    def term(self, key: str, language: str = "zh") -> str:
        """The edition's word for ``key`` (customer → 患者 in the hospital edition)."""
        words = self.terminology.get(key, {})
        return words.get(language) or words.get("en") or key

    def custom_fields_model(self) -> type[BaseModel] | None:
        """A pydantic model of the custom fields the edition declares as data."""
        if not self.custom_fields:
            return None
        fields: dict[str, Any] = {}
        for spec in self.custom_fields:
            name = spec["name"]
            kind = spec.get("type", "str")
            if "choices" in spec:
                annotation: Any = Literal[tuple(spec["choices"])]
            elif kind in FIELD_TYPES:
                annotation = FIELD_TYPES[kind]
            else:
                raise EditionError(
                    f"edition {self.name!r}: custom field {name!r} has unknown type {kind!r} "
                    f"(one of {', '.join(FIELD_TYPES)})"
                )
            extra: JsonDict | None = {"sensitive": True} if spec.get("sensitive") else None
            fields[name] = (
                annotation | None,
                Field(None, json_schema_extra=extra, description=spec.get("description")),
            )
        model_name = "".join(part.title() for part in re.split(r"[-_]", self.name))
        return create_model(f"{model_name}EditionFields", **fields)


def parse_edition(folder: Path) -> Edition:
    """Read and check ``folder/edition.toml``; errors name the file and the problem."""
    path = folder / EDITION_FILE
    if not path.is_file():
        raise EditionError(f"{folder}: no {EDITION_FILE} in this folder")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EditionError(f"{path}: {exc}") from exc
    for key in ("name", "title", "version"):
        if not isinstance(data.get(key), str):
            raise EditionError(f"{path}: '{key}' is required and must be a string")
    if not NAME_PATTERN.match(data["name"]):
        raise EditionError(f"{path}: name {data['name']!r} must be lower-case letters and digits")
    plugins = data.get("plugins", {})
    if not isinstance(plugins, dict) or not all(isinstance(v, str) for v in plugins.values()):
        raise EditionError(f"{path}: [plugins] maps plugin names to version ranges (strings)")
    demo_data = dict(data.get("demo", {}))
    try:
        vocabulary = DemoVocabulary(**demo_data.pop("vocabulary", {}))
    except TypeError as exc:
        raise EditionError(f"{path}: [demo.vocabulary]: {exc}") from exc
    try:
        demo = DemoSpec(**demo_data, vocabulary=vocabulary)
    except TypeError as exc:
        raise EditionError(f"{path}: [demo]: {exc}") from exc
    custom_fields = data.get("custom_fields", [])
    for index, spec in enumerate(custom_fields, start=1):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise EditionError(f"{path}: custom_fields entry {index} needs a 'name'")
    edition = Edition(
        name=data["name"],
        title=data["title"],
        description=data.get("description", ""),
        version=data["version"],
        folder=folder,
        plugins=dict(plugins),
        settings=dict(data.get("settings", {})),
        terminology=dict(data.get("terminology", {})),
        custom_fields=list(custom_fields),
        demo=demo,
        raw=data,
    )
    edition.custom_fields_model()  # fail now on a bad field type, not at first write
    return edition


def _entry_point_folders() -> dict[str, Path]:
    folders: dict[str, Path] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        spec = find_spec(ep.value)
        if spec is not None and spec.submodule_search_locations:
            folders[ep.name] = Path(next(iter(spec.submodule_search_locations)))
    return folders


def edition_path(extra: list[Path] | None = None) -> list[Path]:
    """The folders searched for editions besides entry points (``GUANXI_EDITION_PATH``)."""
    paths = [Path(p) for p in os.environ.get("GUANXI_EDITION_PATH", "").split(os.pathsep) if p]
    return paths + list(extra or [])


def discover_editions(extra_paths: list[Path] | None = None) -> dict[str, Path]:
    """Map every findable edition name to its folder (path entries win)."""
    found = _entry_point_folders()
    for base in edition_path(extra_paths):
        if (base / EDITION_FILE).is_file():
            found[parse_edition(base).name] = base
        elif base.is_dir():
            for child in sorted(base.iterdir()):
                if (child / EDITION_FILE).is_file():
                    found[parse_edition(child).name] = child
    return found


def load_edition(name_or_path: str, *, base_dir: Path | None = None) -> Edition:
    """Load an edition by name, or by folder path (absolute or relative to ``base_dir``)."""
    candidate = Path(name_or_path)
    if not candidate.is_absolute() and base_dir is not None:
        candidate = base_dir / candidate
    if ("/" in name_or_path or name_or_path.startswith(".")) or (
        candidate.is_dir() and (candidate / EDITION_FILE).is_file()
    ):
        return parse_edition(candidate)
    found = discover_editions()
    if name_or_path not in found:
        known = ", ".join(sorted(found)) or "none"
        raise EditionError(f"edition {name_or_path!r} not found (known: {known})")
    return parse_edition(found[name_or_path])
