"""The listing helpers print the same rows as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import click
from click.testing import CliRunner

from guanxi.cli.output import csv_option, emit, json_option

ROWS = [
    {"name": "张三, Ltd", "amount": Decimal("12.50"), "tags": ["vip"], "note": None},
    {"name": 'say "hi"', "amount": Decimal("0.00"), "tags": [], "note": "x"},
]
COLUMNS = [
    ("name", lambda r: r["name"]),
    ("amount", lambda r: r["amount"]),
    ("tags", lambda r: r["tags"]),
    ("note", lambda r: r["note"]),
]


@click.command()
@json_option
@csv_option
def listing(as_json: bool, as_csv: bool) -> None:
    emit(ROWS, COLUMNS, as_json=as_json, as_csv=as_csv)


def test_csv_quotes_what_needs_quoting_and_keeps_chinese() -> None:
    result = CliRunner().invoke(listing, ["--csv"])
    assert result.exit_code == 0
    parsed = list(csv.reader(io.StringIO(result.stdout)))
    assert parsed == [
        ["name", "amount", "tags", "note"],
        ["张三, Ltd", "12.50", '["vip"]', ""],
        ['say "hi"', "0.00", "[]", "x"],
    ]


def test_json_and_csv_carry_the_same_values() -> None:
    as_json = json.loads(CliRunner().invoke(listing, ["--json"]).stdout)
    assert [row["amount"] for row in as_json] == ["12.50", "0.00"]
    assert as_json[0]["name"] == "张三, Ltd"
