"""Excel imports, resumable runs, identity outcomes and the CSV/JSON exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

import guanxi
from guanxi.app import App
from guanxi.importing import (
    AlreadyImported,
    ImportAborted,
    ImportFileError,
    MappingError,
    identity_outcomes,
    import_customers,
    import_interactions,
)
from guanxi.models import Customer, ImportRun, Interaction
from guanxi.records import CustomerRecord
from guanxi.services import customers as customer_service
from guanxi.services.customers import add_customer
from guanxi.services.lookup import list_customers
from guanxi.testing import GuanxiCli


def count(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def by_name(app: App) -> dict[str, CustomerRecord]:
    with app.transaction() as uow:
        return {r.name: r for r in list_customers(uow, limit=1000)}


def workbook(path: Path, rows: list[list[Any]], sheet: str = "客户") -> Path:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def test_xlsx_typed_cells_and_bad_rows(app: App, tmp_path: Path) -> None:
    source = workbook(
        tmp_path / "people.xlsx",
        [
            ["name", "phone", "birth_date", "tags", "email"],
            ["张三", 13800138000.0, dt.datetime(1990, 5, 1), "vip", None],  # 2
            [None, None, None, None, None],  # 3: blank, skipped
            [None, 13900139000, None, None, None],  # 4: no name
            ["李四", "#N/A", None, None, None],  # 5: an Excel error
            ["王五", 13700137000, dt.date(1980, 1, 2), True, "w@example.cn"],  # 6
        ],
    )
    report = import_customers(app, source, batch_size=2)
    assert (report.stored, report.rejected, report.format) == (2, 2, "xlsx")
    zhang, wang = by_name(app)["张三"], by_name(app)["王五"]
    assert zhang.primary_phone == "+8613800138000"  # no ".0"
    assert str(zhang.birth_date) == "1990-05-01" and zhang.tags == ("vip",)
    assert str(wang.birth_date) == "1980-01-02" and wang.tags == ("true",)
    with open(report.rejects_path or "", encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert [(r["_row"], r["_column"], r["_reason"]) for r in rejects] == [
        ("4", "name", "is required"),
        ("5", "phone", "the cell shows the Excel error #N/A"),
    ]
    assert rejects[0]["phone"] == "13900139000"


def test_xlsx_sheet_and_refusals(app: App, tmp_path: Path) -> None:
    source = workbook(tmp_path / "p.xlsx", [["name"], ["甲"]], sheet="名单")
    with pytest.raises(MappingError, match="no sheet 'x' \\(sheets: '名单'\\)"):
        import_customers(app, source, sheet="x")
    assert import_customers(app, source, sheet="名单").stored == 1
    empty = workbook(tmp_path / "empty.xlsx", [])
    with pytest.raises(ImportFileError, match="no header row"):
        import_customers(app, empty)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name\n甲\n")
    with pytest.raises(ImportFileError, match="not an Excel .xlsx workbook"):
        import_customers(app, fake)
    no_name = workbook(tmp_path / "n.xlsx", [["email"], ["a@example.cn"]])
    with pytest.raises(ImportFileError, match="no 'name' column"):
        import_customers(app, no_name)
    assert count(app, Customer) == 1


def test_xlsx_interactions(app: App, tmp_path: Path) -> None:
    with app.transaction() as uow:
        add_customer(uow, name="张三", phones=["13800138000"])
    source = workbook(
        tmp_path / "log.xlsx",
        [
            ["customer", "kind", "occurred_at"],
            [13800138000, "core.contact", dt.datetime(2026, 1, 5, 9, 5)],
        ],
    )
    assert import_interactions(app, source).stored == 1


def _flaky(fail_on: int) -> type:
    class Flaky:
        plugin = guanxi.Plugin(name="flaky", version="1.0")
        calls = 0

        @staticmethod
        @guanxi.hookimpl
        def customers_created(uow: Any, customers: list[Any]) -> None:
            Flaky.calls += 1
            if Flaky.calls == fail_on:
                raise RuntimeError("downstream system is down")

    return Flaky


def test_a_failed_batch_resumes_and_every_row_is_stored_once(
    make_app: Callable[..., App], tmp_path: Path
) -> None:
    flaky = _flaky(3)
    app = make_app(plugins=[flaky], enable=["flaky"])
    source = tmp_path / "p.csv"
    source.write_text(
        "name,email\n" + "".join(f"客户{i},c{i}@example.cn\n" for i in range(7)) + "坏,bad\n"
    )
    with pytest.raises(
        ImportAborted, match=r"rows 6-7: .*4 customers of earlier rows were stored; run"
    ):
        import_customers(app, source, batch_size=2)
    assert count(app, Customer) == 4
    messages: list[str] = []
    report = import_customers(app, source, batch_size=3, on_resume=messages.append)
    assert messages == [f"resuming import {report.run_id} at row 6"]
    assert (report.resumed_after, report.stored, report.rejected) == (5, 3, 1)
    assert sorted(by_name(app)) == sorted(f"客户{i}" for i in range(7))
    with app.engine.connect() as connection:
        run = connection.execute(select(ImportRun)).one()
    assert (run.rows_done, run.stored, run.rejected, run.finished_at is not None) == (9, 7, 1, True)
    with pytest.raises(AlreadyImported, match=rf"already imported by import {run.id} on .*--again"):
        import_customers(app, source)
    # A changed file is a new import.
    source.write_text("name\n新客户\n")
    assert import_customers(app, source).stored == 1


def test_identity_outcomes_are_counted(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [
        CustomerRecord(None, "person", "a", "lead", link_to=7),
        CustomerRecord(None, "person", "b", "lead", duplicate_of=(3, 4)),
        CustomerRecord(None, "person", "c", "lead"),
    ]
    assert identity_outcomes(records) == (1, 1)
    original = customer_service.validate_customers

    def flagging(uow: Any, rows: Any, **kwargs: Any) -> Any:
        valid, errors = original(uow, rows, **kwargs)
        return [(n, replace(r, duplicate_of=(1,))) for n, r in valid], errors

    monkeypatch.setattr(customer_service, "validate_customers", flagging)
    source = tmp_path / "p.csv"
    source.write_text("name\n甲\n乙\n")
    report = import_customers(app, source)
    assert (report.stored, report.flagged, report.linked) == (2, 2, 0)
    with app.engine.connect() as connection:
        assert connection.execute(select(ImportRun.flagged)).scalar_one() == 2


SLOW_IMPORT = """
import sys, time
import guanxi
from guanxi.importing import import_customers
from tests.conftest import bare_app

class Slow:
    plugin = guanxi.Plugin(name="slow", version="1.0")

    @staticmethod
    @guanxi.hookimpl
    def customers_created(uow, customers):
        print("batch", flush=True)
        time.sleep(0.3)

settings = {"core": {"database_url": sys.argv[2]}}
app = bare_app(sys.argv[1], settings=settings, plugins=[Slow], enable=["slow"], environ={})
import_customers(app, sys.argv[3], batch_size=2)
"""


def test_an_import_killed_mid_way_resumes_exactly_once(
    app: App, tmp_path: Path, database_url: str
) -> None:
    source = tmp_path / "p.csv"
    source.write_text("name\n" + "".join(f"客户{i}\n" for i in range(20)))
    script = tmp_path / "slow.py"
    script.write_text(SLOW_IMPORT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path), database_url, str(source)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    for _ in range(3):
        process.stdout.readline()  # the third batch's hook is running: kill it there
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = count(app, Customer)
    assert 4 <= stored < 20
    report = import_customers(app, source, batch_size=5)
    assert report.resumed_after is not None and report.stored == 20 - stored
    assert sorted(by_name(app)) == sorted(f"客户{i}" for i in range(20))


def test_export_customers_csv_imports_back_unchanged(
    app: App, make_app: Callable[..., App], tmp_path: Path, database_url: str
) -> None:
    with app.transaction() as uow:
        add_customer(
            uow,
            name="张三, 销售",
            emails=["z@example.cn", "z2@example.cn"],
            phones=["13800138000"],
            tags=["vip", "老客户"],
            birth_date="1990-05-01",
            addresses=["上海市世纪大道100号"],
            identities=[{"source": "crm", "external_id": "c-1"}],
            care_notes="多行\n备注",
        )
    out = tmp_path / "all.csv"
    GuanxiCli(tmp_path, database_url)("export", "customers", "--output", str(out))
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = make_app(settings={"core": {"database_url": url}})
    report = import_customers(fresh, out)
    assert (report.stored, report.rejected, report.ignored_columns) == (1, 0, ["id"])
    [old], [new] = list(by_name(app).values()), list(by_name(fresh).values())
    # Phones come back as exported (E.164), not as first typed.
    points = [(p.kind, p.normalized, p.is_primary) for p in old.contact_points]
    assert [(p.kind, p.normalized, p.is_primary) for p in new.contact_points] == points
    assert replace(new, id=old.id, contact_points=()) == replace(old, contact_points=())


def test_export_json_and_interactions(app: App, tmp_path: Path, database_url: str) -> None:
    with app.transaction() as uow:
        zhang = add_customer(uow, name="张三").id
    source = tmp_path / "log.csv"
    source.write_text(f"customer,kind,subject,revenue\n{zhang},core.purchase,首单,99.50\n")
    import_interactions(app, source)
    cli = GuanxiCli(tmp_path, database_url)
    assert [
        c["name"] for c in json.loads(cli("export", "customers", "--format", "json").stdout)
    ] == ["张三"]
    rows = list(csv.DictReader(io.StringIO(cli("export", "interactions").stdout)))
    assert (rows[0]["customer"], rows[0]["subject"], rows[0]["revenue"]) == (
        str(zhang),
        "首单",
        "99.50",
    )
    (tmp_path / "again.csv").write_text(cli("export", "interactions").stdout)
    assert import_interactions(app, tmp_path / "again.csv").stored == 1
    assert count(app, Interaction) == 2


def test_export_needs_the_export_permission(app: App, tmp_path: Path, database_url: str) -> None:
    from guanxi.services.staff import add_staff, grant_role

    with app.transaction() as uow:
        add_staff(uow, username="agent1", display_name="Agent")
        grant_role(uow, staff="agent1", role="agent")
    error = GuanxiCli(tmp_path, database_url).fails("export", "customers", as_user="agent1")
    assert error == "error: agent1 may not export customer"


def test_import_runs_lists_runs(app: App, tmp_path: Path, database_url: str) -> None:
    source = tmp_path / "p.csv"
    source.write_text("name\n甲\n")
    cli = GuanxiCli(tmp_path, database_url)
    assert (
        cli("import", "customers", str(source), "-q").stdout == "imported 1 customer, rejected 0\n"
    )
    error = cli.fails("import", "customers", str(source), code=2)
    assert "already imported by import 1" in error
    [run] = cli.json("import", "runs")
    assert (run["id"], run["stored"], run["status"], run["format"]) == (1, 1, "finished", "csv")
    cli("import", "customers", str(source), "--again", "-q")
    assert count(app, Customer) == 2
