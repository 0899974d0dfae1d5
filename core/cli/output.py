"""Output helpers: rich tables for people, ``--json`` and ``--csv`` for scripts."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

# Piped output (scripts, tests, `| less`) gets wide tables instead of rich's default of
# 80 columns, which would wrap every cell; a terminal gets its own width.
PIPE_WIDTH = 160


def console() -> Console:
    """A console on the current stdout (looked up per call: tests swap stdout)."""
    return Console(width=None if sys.stdout.isatty() else PIPE_WIDTH)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
csv_option = click.option(
    "--csv", "as_csv", is_flag=True, help="Print CSV (a header row, then one row each)."
)


def to_jsonable(value: Any) -> Any:
    """Turn records, decimals, datetimes and models into plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def print_json(value: Any) -> None:
    """Print ``value`` as indented UTF-8 JSON (Chinese stays readable)."""
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))


def print_table(
    rows: Iterable[Any],
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    *,
    title: str | None = None,
) -> None:
    """Print ``rows`` as a table; each column is a header and a getter."""
    table = Table(title=title, show_lines=False)
    for header, _ in columns:
        table.add_column(header)
    for row in rows:
        # Text, not markup: a customer named "[bold]x" or "[erased]" is shown as written.
        table.add_row(*(Text(_cell(get(row))) for _, get in columns))
    console().print(table)


def _cell(value: Any) -> str:
    """A value as table text: nothing for None, JSON for dicts and lists."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return str(value)


def print_csv(rows: Iterable[Any], columns: Sequence[tuple[str, Callable[[Any], Any]]]) -> None:
    """Print ``rows`` as CSV with a header row; cells as in JSON, lists and dicts as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header for header, _ in columns])
    for row in rows:
        writer.writerow([_csv_cell(to_jsonable(get(row))) for _, get in columns])
    click.echo(buffer.getvalue(), nl=False)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def emit(
    rows: Sequence[Any],
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    *,
    as_json: bool,
    as_csv: bool = False,
    title: str | None = None,
) -> None:
    """A listing as JSON (every column, by header), as CSV, or as a table."""
    if as_json:
        print_json([{header: to_jsonable(get(row)) for header, get in columns} for row in rows])
    elif as_csv:
        print_csv(rows, columns)
    else:
        print_table(rows, columns, title=title)


def local(value: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    """A UTC datetime shown in the display time zone, to the minute."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else None


def parse_assignments(pairs: Sequence[str], option: str) -> dict[str, Any]:
    """``name=value`` pairs from repeated options.

    Values stay strings (pydantic turns "3" into 3 for an int field and "2026-01-02"
    into a date), except a JSON list or object, which is parsed.
    """
    result: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not name=value", param_hint=option)
        value: Any = raw
        if raw.strip().startswith(("[", "{")):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise click.BadParameter(f"{name}: {exc}", param_hint=option) from None
        result[name.strip()] = value
    return result
