"""Every listing of the core's command line prints CSV with ``--csv``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.testing import GuanxiCli

LISTINGS = [
    (("customer", "list"), "id"),
    (("customer", "find", "张"), "id"),
    (("interaction", "list"), "id"),
    (("interaction", "kinds"), "kind"),
    (("staff", "list"), "id"),
    (("audit", "list"), "id"),
    (("access", "roles"), "role"),
    (("access", "entities"), "entity"),
    (("jobs", "list"), "job"),
    (("report", "list"), "report"),
    (("edition", "list"), "name"),
]


@pytest.mark.parametrize(("command", "first_column"), LISTINGS)
def test_a_listing_prints_csv(
    app: App, tmp_path: Path, database_url: str, command: tuple[str, ...], first_column: str
) -> None:
    with app.transaction() as uow:
        add_customer(uow, name="张三, 销售部", emails=["z@example.cn"])
    result = GuanxiCli(tmp_path, database_url)(*command, "--csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][0] == first_column
    if command[0] == "customer":
        # A comma inside a cell is quoted, not a new column.
        assert rows[1][:2] == ["1", "张三, 销售部"] and len(rows[1]) == len(rows[0])
