"""``guanxi marketing segments …`` driven in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from guanxi.testing import GuanxiCli
from guanxi_marketing.segments.models import Segment, SegmentMember


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    """A project with the marketing plugin, two staff users and four customers."""
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    cli("init", "--db", database_url)
    cli("staff", "add", "wang", "王芳")
    cli("staff", "add", "li", "李强")
    cli("access", "grant", "wang", "agent")
    for name, role, owner in (("张三", "customer", "wang"), ("李四", "customer", None),
                              ("Acme", "dealer", None), ("王五", "customer", "li")):
        owned = ["--owner", owner] if owner else []
        cli("customer", "add", name, "--role", role, "--tag", "vip", *owned)
    return cli


def rows(database_url: str, model: type) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


def test_segment_commands_end_to_end(gx: GuanxiCli, tmp_path: Path) -> None:
    made = gx.json("marketing", "segments", "create", "买家", "-e", 'role = "customer"',
                   "--description", "all buyers")
    assert (made["kind"], made["members"]) == ("dynamic", 3)
    assert made["expression"] == 'role = "customer"'
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("1\n3\n", encoding="utf-8")
    static = gx.json("marketing", "segments", "create", "名单", "2", "--file", str(ids_file))
    assert (static["kind"], static["members"]) == ("static", 3)
    listed = gx.json("marketing", "segments", "list")
    assert [s["name"] for s in listed] == ["买家", "名单"]
    assert [s["name"] for s in gx.json("marketing", "segments", "list", "--kind", "static")] == [
        "名单"]
    assert "3 member(s)" in gx("marketing", "segments", "show", "买家").stdout
    shown = gx.json("marketing", "segments", "preview", "-e", 'tag = "vip" and role = "dealer"')
    assert shown == {"count": 1, "customers": [
        {"id": 3, "name": "Acme", "lifecycle_stage": shown["customers"][0]["lifecycle_stage"]}]}
    table = gx("marketing", "segments", "preview", "买家", "--limit", "1").stdout
    assert "3 customer(s)" in table and "张三" in table and "李四" not in table
    assert "removed 2" in gx("marketing", "segments", "remove", "名单", "1,2").stdout
    assert "added 1" in gx("marketing", "segments", "add", "名单", "1", "3").stdout
    edited = gx.json("marketing", "segments", "edit", "名单", "--description", "展会")
    assert (edited["name"], edited["description"]) == ("名单", "展会")
    frozen = gx.json("marketing", "segments", "snapshot", "买家", "冻结")
    assert (frozen["kind"], frozen["members"]) == ("static", 3)
    gx("marketing", "segments", "delete", "冻结")
    assert gx.fails("marketing", "segments", "show", "冻结") == "error: no segment '冻结'"
    # an agent sees only his own and unowned customers: not 王五, who is li's
    assert gx.json("marketing", "segments", "show", "买家", as_user="wang")["members"] == 2
    assert gx.json("marketing", "segments", "preview", "买家", as_user="wang")["customers"] == [
        {"id": 1, "name": "张三", "lifecycle_stage": shown["customers"][0]["lifecycle_stage"]},
        {"id": 2, "name": "李四", "lifecycle_stage": shown["customers"][0]["lifecycle_stage"]}]


def test_bad_input_is_one_line_and_stores_nothing(gx: GuanxiCli, database_url: str) -> None:
    error = gx.fails("marketing", "segments", "create", "x", "-e",
                     'role = "customer" and revenue_total >')
    assert error == ("error: field 'expression': expected a value, not the end at position 38")
    error = gx.fails("marketing", "segments", "create", "x", "-e", "revenue > 5")
    assert "unknown field 'revenue'" in error and "position 1" in error
    assert "is not an id" in gx.fails("marketing", "segments", "create", "x", "1", "one")
    assert "no customer with id 99" in gx.fails("marketing", "segments", "create", "x", "1", "99")
    assert rows(database_url, Segment) == rows(database_url, SegmentMember) == 0
    gx("marketing", "segments", "create", "dyn", "-e", "id > 0")
    assert "dynamic" in gx.fails("marketing", "segments", "add", "dyn", "1")
    assert "not both" in gx.fails("marketing", "segments", "preview", "dyn", "-e", "id > 0")
    assert "already exists" in gx.fails("marketing", "segments", "create", "dyn", "-e", "id > 0")
    assert rows(database_url, Segment) == 1
