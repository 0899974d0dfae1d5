"""``guanxi import customers|interactions``: output, exit statuses, options."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.cli import cli
from guanxi.models import Customer, CustomerTag, Interaction
from guanxi.services.customers import add_customer

Run = Callable[..., Result]


@pytest.fixture
def run(app: App, tmp_path: Path, database_url: str) -> Run:
    """``guanxi -C tmp_path --db … ARGS`` on the migrated database of ``app``."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(
            cli, ["-C", str(tmp_path), "--db", database_url, *args], catch_exceptions=False
        )

    return invoke


def count(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_import_customers_reports_counts_and_exit_status(
    run: Run, app: App, tmp_path: Path
) -> None:
    good = write(tmp_path / "good.csv", "name,email\n张三,z@example.cn\n李四,l@example.cn\n")
    result = run("import", "customers", str(good))
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 2 customers, rejected 0\n"
    assert not (tmp_path / "good.rejects.csv").exists()

    mixed = write(tmp_path / "mixed.csv", "name,email,note\n王五,w@example.cn,x\n赵六,bad,y\n")
    result = run("import", "customers", str(mixed))
    assert result.exit_code == 1  # some rows were rejected
    rejects = tmp_path / "mixed.rejects.csv"
    assert result.stdout == f"imported 1 customer, rejected 1 (see {rejects})\n"
    assert "columns not imported: note" in result.stderr
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "name,email,note,_row,_column,_reason"
    assert lines[1] == "赵六,bad,y,3,email,'bad' is not an email address"
    assert count(app, Customer) == 3


def test_map_and_mapping_file(run: Run, app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "p.csv", "姓名,手机,客户等级\n欧阳娜娜,13800138000,vip\n")
    mapping = write(tmp_path / "map.toml", '"姓名" = "name"\n"手机" = "phone"\n')
    result = run(
        "import",
        "customers",
        str(source),
        "--mapping",
        str(mapping),
        "--map",
        "客户等级=value_segment",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["stored"], report["rejected"], report["ignored_columns"]) == (1, 0, [])
    with app.transaction() as uow:
        stored = uow.session.get_one(Customer, 1)
        assert (stored.name, stored.custom) == ("欧阳娜娜", {"value_segment": "vip"})


def test_an_unknown_mapped_field_is_a_one_line_error(run: Run, tmp_path: Path) -> None:
    source = write(tmp_path / "p.csv", "name,mail\n张三,z@example.cn\n")
    result = run("import", "customers", str(source), "--map", "mail=e-mail")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: mapping of column 'mail': unknown field 'e-mail'")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"email\na@example.cn\n", "row 1: no 'name' column"),
        (b"", "row 1: no header row"),
        (b"\xff\xfen\x00a\x00m\x00e\x00\n\x00", "row 1: a NUL character"),
    ],
)
def test_a_file_without_a_usable_header_fails_on_one_line_and_stores_nothing(
    run: Run, app: App, tmp_path: Path, content: bytes, message: str
) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    result = run("import", "customers", str(source), "--batch-size", "1")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {source}: {message}")
    assert count(app, Customer) == 0


def test_bad_rows_are_rejected_and_the_good_stored(run: Run, app: App, tmp_path: Path) -> None:
    source = tmp_path / "mixed.csv"
    source.write_bytes(
        b"name,email\n\xe5\xbc\xa0,z@example.cn\nx,y@example.cn,extra\n"
        b'\xd5\xc5,g@example.cn\n\xe6\x9d\x8e,l@example.cn\n"open,o@example.cn'
    )
    result = run("import", "customers", str(source), "--batch-size", "1", "-q")
    assert result.exit_code == 1
    rejects = tmp_path / "mixed.rejects.csv"
    assert result.stdout == f"imported 2 customers, rejected 3 (see {rejects})\n"
    text = rejects.read_bytes().decode("utf-8-sig", "surrogateescape")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[-3:-1] for row in rows[1:]] == [["3", ""], ["4", "name"], ["6", ""]]
    assert rows[3][-1] == 'a quote opened in this row is never closed: "open,o@example.cn'
    assert count(app, Customer) == 2


def test_dry_run_stores_nothing_and_reports_the_same_counts(
    run: Run, app: App, tmp_path: Path
) -> None:
    source = write(tmp_path / "p.csv", "name,email\n张三,z@example.cn\n李四,bad\n")
    dry = run("import", "customers", str(source), "--dry-run")
    assert dry.exit_code == 1
    assert dry.stdout.startswith("dry run: would import 1 customer, rejected 1")
    assert count(app, Customer) == 0
    real = run("import", "customers", str(source))
    assert real.stdout.startswith("imported 1 customer, rejected 1")
    assert count(app, Customer) == 1


def test_import_interactions_by_source_with_gb18030(run: Run, app: App, tmp_path: Path) -> None:
    with app.transaction() as uow:
        add_customer(uow, name="张三", identities=[{"source": "dealerA", "external_id": "1001"}])
    source = write(
        tmp_path / "log.csv",
        "客户,kind,subject\n1001,core.contact,来电咨询\n1002,core.contact,到店\n",
        encoding="gb18030",
    )
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    result = run(
        "import",
        "interactions",
        str(source),
        "--source",
        "dealerA",
        "--map",
        "客户=customer",
        "--encoding",
        "gb18030",
        "--rejects",
        str(rejects),
        "-q",
    )
    assert result.exit_code == 1, result.output
    assert result.stdout == f"imported 1 interaction, rejected 1 (see {rejects})\n"
    text = rejects.read_text(encoding="gb18030")
    assert "1002,core.contact,到店,3,客户,no customer matches 'dealerA:1002'" in text
    with app.engine.connect() as connection:
        assert connection.execute(select(Interaction.subject)).scalar_one() == "来电咨询"


def test_help_explains_exit_statuses_and_fields(run: Run) -> None:
    result = run("import", "customers", "--help")
    assert "1  some rows were rejected" in result.stdout
    assert "identity.SOURCE" in result.stdout
    assert "payload.NAME" in run("import", "interactions", "--help").stdout


def test_defaults_fill_what_every_record_shares(run: Run, app: App, tmp_path: Path) -> None:
    """A dealer's export has no kind column; its rows share one, given by --default."""
    with app.transaction() as uow:
        add_customer(uow, name="张三", emails=["z@example.cn"])
    orders = write(
        tmp_path / "orders.csv",
        "customer,channel,subject,payload.outcome\n"
        "z@example.cn,,保养,ok\n"
        "z@example.cn,visit,维修,\n",
    )
    result = run(
        "import", "interactions", str(orders), "-q",
        "--default", "kind=core.contact", "--default", "channel=phone",
        "--default", "payload.outcome=callback",
    )
    assert result.exit_code == 0, result.output
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(Interaction.kind, Interaction.channel, Interaction.payload)
            .order_by(Interaction.id)
        ).all()
    # A value the row gives wins over the default; an empty cell takes it.
    assert [(r.kind, r.channel, r.payload["outcome"]) for r in rows] == [
        ("core.contact", "phone", "ok"),
        ("core.contact", "visit", "callback"),
    ]

    contacts = write(tmp_path / "fair.csv", "name,tags\n李四,\n王五,VIP\n")
    assert run("import", "customers", str(contacts), "-q",
               "--default", "tags=展会2026").exit_code == 0
    with app.engine.connect() as connection:
        tags = connection.execute(
            select(Customer.name, CustomerTag.tag).join(
                CustomerTag, CustomerTag.customer_id == Customer.id)
        ).all()
    assert sorted(tags) == [("李四", "展会2026"), ("王五", "VIP")]


def test_a_bad_default_is_a_one_line_error_and_stores_nothing(
    run: Run, app: App, tmp_path: Path
) -> None:
    contacts = write(tmp_path / "c.csv", "name\n李四\n")
    for option, message in (
        ("colour=red", "error: --default colour: unknown field 'colour'"),
        ("identity=crm:1", "error: --default identity: an identity belongs to one record"),
    ):
        result = run("import", "customers", str(contacts), "--default", option)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert count(app, Customer) == 0
    # A default every row shares but the record does not accept rejects those rows.
    result = run("import", "customers", str(contacts), "-q", "--default", "roles=nobody")
    assert result.exit_code == 1 and count(app, Customer) == 0
    assert "unknown role 'nobody'" in (tmp_path / "c.rejects.csv").read_text("utf-8-sig")
