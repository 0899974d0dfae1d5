"""Column mappings: which CSV column feeds which field, and turning cells into input."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guanxi.app import App
from guanxi.importing.report import CUSTOMERS, INTERACTIONS, MappingError

_SPLIT = re.compile(r"[;|]")
# Spreadsheets in China write dates as 2026/5/1 9:05 or 2026年5月1日; pydantic reads ISO.
_LOOSE_DATE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
CUSTOMER_SCALARS = (
    "name",
    "kind",
    "family_name",
    "given_name",
    "lifecycle_stage",
    "owner",
    "organization_id",
    "gender",
    "birth_date",
    "occupation",
    "preferred_channel",
    "language",
    "care_notes",
)
# field -> (key of CustomerIn, mode): "split" cells hold several values, "list" cells one.
_CUSTOMER_LISTS = {
    "roles": ("roles", "split"),
    "tags": ("tags", "split"),
    "interests": ("interests", "split"),
    "email": ("emails", "split"),
    "emails": ("emails", "split"),
    "phone": ("phones", "split"),
    "phones": ("phones", "split"),
    "address": ("addresses", "list"),
    "addresses": ("addresses", "list"),
}
INTERACTION_SCALARS = (
    "kind",
    "channel",
    "direction",
    "occurred_at",
    "actor",
    "subject",
    "revenue",
    "cost",
    "currency",
    "source",
)
_DATES = ("birth_date", "occurred_at")
_REQUIRED = {CUSTOMERS: ("name",), INTERACTIONS: ("customer", "kind")}
# Modes whose field takes one column; the others collect values from several columns.
_SINGLE = ("scalar", "date", "field", "object", "reference")


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class Target:
    """Where one column's cells go in the record handed to the services.

    ``key`` is the input's key (``emails`` for the field ``email``); ``mode`` says how a
    cell is added; ``sub`` is the custom field, payload field or identity source.
    """

    field: str
    key: str
    mode: str
    sub: str | None = None


@dataclass(frozen=True)
class Defaults:
    """Values for the fields a record leaves empty (``--default FIELD=VALUE``).

    A file exported from another system often lacks a column every row shares (the kind
    of a dealer's repair orders, the tag of an exhibition's contacts); a default fills
    it without editing the file. A value the record gives wins.
    """

    entries: tuple[tuple[Target, str], ...] = ()

    @property
    def fields(self) -> set[str]:
        """The fields a default feeds (they count as mapped)."""
        return {target.field for target, _ in self.entries}

    def apply(self, data: dict[str, Any]) -> None:
        """Put each default into ``data`` where the record has no value of its own."""
        for target, value in self.entries:
            given = data.get(target.key)
            if target.sub is not None and target.mode == "field":
                given = (given or {}).get(target.sub)
            if not given:
                _put(data, target, value, f"--default {target.field}", None)


def parse_defaults(
    kind: str, values: Mapping[str, Any], *, app: App, source: str | None = None
) -> Defaults:
    """Check ``{field: value}`` defaults; :class:`MappingError` names a bad one."""
    entries = []
    for name, value in values.items():
        try:
            target = target_for(kind, name.strip(), app=app, source=source)
        except MappingError as exc:
            raise MappingError(f"--default {name}: {exc}") from None
        if target.mode == "identity":
            raise MappingError(f"--default {name}: an identity belongs to one record, not all")
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        entries.append((target, text))
    return Defaults(tuple(entries))


class CellError(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def field_names(kind: str, app: App) -> list[str]:
    """The fields a column can be mapped to for ``kind`` (for help and errors)."""
    if kind == CUSTOMERS:
        custom = sorted(app.registry.custom_fields)
        return [
            *CUSTOMER_SCALARS,
            *_CUSTOMER_LISTS,
            "identity",
            "identity.SOURCE",
            *custom,
            "custom.NAME",
        ]
    return ["customer", *INTERACTION_SCALARS, "payload", "payload.NAME"]


def target_for(kind: str, name: str, *, app: App, source: str | None = None) -> Target:
    """The :class:`Target` of the field ``name``; :class:`MappingError` if unknown."""
    if kind == CUSTOMERS:
        if name in CUSTOMER_SCALARS:
            return Target(name, name, "date" if name in _DATES else "scalar")
        if name in _CUSTOMER_LISTS:
            return Target(name, *_CUSTOMER_LISTS[name])
        if name == "identity":
            return Target(name, "identities", "identity", source)
        if name.startswith("identity.") and len(name) > len("identity."):
            return Target(name, "identities", "identity", name.removeprefix("identity."))
        custom = name.removeprefix("custom.")
        if custom in app.registry.custom_fields:
            return Target(name, "custom", "field", custom)
    elif kind == INTERACTIONS:
        if name in INTERACTION_SCALARS:
            return Target(name, name, "date" if name in _DATES else "scalar")
        if name == "customer":
            return Target(name, "customer", "reference")
        if name == "payload":
            return Target(name, "payload", "object")
        if name.startswith("payload.") and len(name) > len("payload."):
            return Target(name, "payload", "field", name.removeprefix("payload."))
    else:
        raise MappingError(f"cannot import {kind!r}: only {CUSTOMERS} or {INTERACTIONS}")
    known = ", ".join(field_names(kind, app))
    raise MappingError(f"unknown field {name!r} (fields of {kind}: {known})")


def load_mapping_file(path: Path | str) -> dict[str, str]:
    """Read a ``{column: field}`` mapping from a .json or .toml file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOML and JSON errors are ValueErrors
        raise MappingError(f"mapping file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise MappingError(f"mapping file {path}: expected an object of column = field")
    return data


def parse_mapping(
    kind: str, mapping: Mapping[str, Any], *, app: App, source: str | None = None
) -> dict[str, Target | None]:
    """Check an explicit ``{column: field}`` mapping; an empty field ignores the column."""
    targets: dict[str, Target | None] = {}
    for column, name in mapping.items():
        if name is not None and not isinstance(name, str):
            raise MappingError(f"column {column!r}: the field must be a name, not {name!r}")
        name = (name or "").strip()
        try:
            target = target_for(kind, name, app=app, source=source) if name else None
        except MappingError as exc:
            raise MappingError(f"mapping of column {column!r}: {exc}") from None
        targets[column.strip()] = target
    return targets


class ColumnMapping:
    """Which column of the file feeds which field; turns a row's cells into input."""

    def __init__(self, columns: list[tuple[int, str, Target]], ignored: list[str]):
        self.columns = columns
        self.ignored = ignored

    @classmethod
    def plan(
        cls,
        kind: str,
        header: Sequence[str],
        *,
        app: App,
        explicit: Mapping[str, Target | None],
        source: str | None = None,
    ) -> ColumnMapping:
        """Match the header against the explicit mapping, then against field names.

        An explicitly mapped column must exist; a column not mapped explicitly feeds
        the field it is named after (case does not matter), unless the mapping already
        feeds that field from another column; any other column is ignored.
        """
        names = [cell.strip() for cell in header]
        missing = [column for column in explicit if column not in names]
        if missing:
            raise MappingError(f"the mapping names column {missing[0]!r}, which the header lacks")
        explicit_slots = {_slot(t) for t in explicit.values() if t is not None}
        columns: list[tuple[int, str, Target]] = []
        ignored: list[str] = []
        for index, name in enumerate(names):
            if name in explicit:
                target = explicit[name]
            else:
                target = _default_target(kind, name, app=app, source=source)
                if target is None or (target.mode in _SINGLE and _slot(target) in explicit_slots):
                    if name:
                        ignored.append(name)
                    continue
            if target is not None:
                columns.append((index, name, target))
        _check_columns(columns)
        return cls(columns, ignored)

    def missing(self, kind: str, supplied: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """The required fields of ``kind`` that no column feeds (nor ``supplied``)."""
        mapped = {target.field for _, _, target in self.columns} | supplied
        return [name for name in _REQUIRED[kind] if name not in mapped]

    def column_for(self, field_name: str) -> str:
        """The column that feeds ``field_name`` (as named in the mapping), or the name."""
        return next((c for _, c, t in self.columns if t.field == field_name), field_name)

    def convert(self, cells: Sequence[str], origins: dict[str, str] | None = None) -> dict:
        """The service input of one row; ``origins`` collects field path -> column."""
        data: dict[str, Any] = {}
        for index, column, target in self.columns:
            cell = cells[index].strip() if index < len(cells) else ""
            if cell:
                _put(data, target, cell, column, origins)
        return data

    def column_of(self, cells: Sequence[str], field_path: str | None) -> str:
        """The column behind a field a service named in an error (``emails.1`` …).

        Worked out again only for rejected rows, so the common path keeps no origins.
        """
        if not field_path:
            return ""
        origins: dict[str, str] = {}
        with suppress(CellError):
            self.convert(cells, origins)
        parts = field_path.split(".")
        for end in range(len(parts), 0, -1):
            column = origins.get(".".join(parts[:end]))
            if column:
                return column
        return field_path


def _slot(target: Target) -> tuple[str, str | None]:
    return (target.key, target.sub)


def _default_target(kind: str, name: str, *, app: App, source: str | None) -> Target | None:
    if not name:
        return None
    for candidate in dict.fromkeys((name, name.lower())):
        with suppress(MappingError):
            return target_for(kind, candidate, app=app, source=source)
    return None


def _check_columns(columns: list[tuple[int, str, Target]]) -> None:
    fed: dict[tuple[str, str | None], str] = {}
    seen: set[str] = set()
    for _, column, target in columns:
        if column in seen:
            raise MappingError(f"column {column!r} appears twice in the header")
        seen.add(column)
        if target.mode in _SINGLE:
            if _slot(target) in fed:
                other = fed[_slot(target)]
                raise MappingError(
                    f"columns {other!r} and {column!r} both feed field {target.field!r}"
                )
            fed[_slot(target)] = column


def _put(data: dict, target: Target, cell: str, column: str, origins: dict | None) -> None:
    mode, key = target.mode, target.key
    path = key
    if mode == "scalar" or mode == "reference":
        data[key] = cell
        if mode == "reference" and origins is not None:
            origins["customer_id"] = column  # what validate_interactions names
    elif mode == "date":
        data[key] = _iso_date(cell)
    elif mode in ("split", "list", "identity"):
        items = data.setdefault(key, [])
        start = len(items)
        if mode == "split":
            items.extend(v.strip() for v in _SPLIT.split(cell) if v.strip())
        elif mode == "list":
            items.append(cell)
        else:
            items.append(_identity(target.sub, cell, column))
        if origins is not None:
            origins.setdefault(key, column)
            origins.update({f"{key}.{i}": column for i in range(start, len(items))})
        return
    elif mode == "field":
        data.setdefault(key, {})[target.sub] = _json_cell(cell, column)
        path = f"{key}.{target.sub}"
    else:  # "object": a JSON object; its own payload.NAME columns win over its keys
        value = _json_cell(cell, column)
        if not isinstance(value, dict):
            raise CellError(column, "is not a JSON object")
        nested = data.setdefault(key, {})
        for name, item in value.items():
            nested.setdefault(name, item)
    if origins is not None:
        origins[path] = column


def _identity(source: str | None, cell: str, column: str) -> dict[str, str]:
    if source is None:
        source, sep, cell = cell.partition(":")
        if not sep or not source.strip() or not cell.strip():
            raise CellError(column, f"{source + sep + cell!r} is not SOURCE:ID")
    return {"source": source.strip(), "external_id": cell.strip()}


def _json_cell(cell: str, column: str) -> Any:
    """A JSON list or object as such; any other cell stays text for pydantic to read."""
    if not cell.startswith(("[", "{")):
        return cell
    try:
        return json.loads(cell)
    except json.JSONDecodeError as exc:
        raise CellError(column, f"is not valid JSON ({exc.msg})") from None


def _iso_date(cell: str) -> str:
    match = _LOOSE_DATE.match(cell)
    if match is None:
        return cell
    year, month, day, hour, minute, second = match.groups()
    text = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        text += f" {int(hour):02d}:{minute}:{second or '00'}"
    return text
