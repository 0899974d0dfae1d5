"""The ``guanxi`` command line, end to end on a fresh project folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from guanxi.cli import cli
from guanxi.testing import GuanxiCli


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    project = tmp_path / "crm"
    guanxi = GuanxiCli(project)  # the URL goes into guanxi.toml at init
    guanxi("init", "--db", database_url)
    return guanxi


def test_init_writes_the_project_file_and_database(gx: GuanxiCli) -> None:
    text = (gx.project / "guanxi.toml").read_text(encoding="utf-8")
    assert 'edition = "generic"' in text
    assert "init" in gx.fails("init").lower() or "exists" in gx.fails("init")
    assert "database: at head" in gx("edition", "check").stdout


def test_customer_add_show_update_find(gx: GuanxiCli) -> None:
    gx("staff", "add", "wang.fang", "王芳")
    added = gx.json(
        "customer",
        "add",
        "李娜",
        "--email",
        "Li.Na@Example.com",
        "--phone",
        "13800138000",
        "--identity",
        "dealer-a:A-7",
        "--field",
        "value_segment=vip",
        "--owner",
        "wang.fang",
        "--role",
        "customer",
        "--role",
        "member",
        "--birth-date",
        "1988-08-08",
    )
    assert isinstance(added, dict)
    cid = added["id"]
    shown = gx.json("customer", "show", "li.na@example.com")
    assert isinstance(shown, dict)
    assert shown["customer"]["name"] == "李娜"
    assert shown["owner"] == "wang.fang"
    assert shown["customer"]["custom"] == {"value_segment": "vip"}
    assert gx.json("customer", "show", "A-7", "--source", "dealer-a")["customer"]["id"] == cid  # type: ignore[index]
    text = gx("customer", "show", str(cid)).stdout
    assert "李娜" in text and "+8613800138000" in text
    changed = gx.json("customer", "update", str(cid), "--stage", "customer", "--add-tag", "vip")
    assert changed["after"] == {"lifecycle_stage": "customer", "tags": ["vip"]}  # type: ignore[index]
    found = gx.json("customer", "find", "李")
    assert [c["id"] for c in found] == [cid]  # type: ignore[index,union-attr]
    listed = gx.json("customer", "list", "--role", "member")
    assert [c["name"] for c in listed] == ["李娜"]  # type: ignore[index,union-attr]


def test_interactions_timeline_and_tasks(gx: GuanxiCli) -> None:
    gx("customer", "add", "王芳", "--email", "wf@example.com")
    gx(
        "interaction",
        "log",
        "wf@example.com",
        "--kind",
        "core.contact",
        "--channel",
        "phone",
        "--at",
        "2026-03-01 10:00",
        "--subject",
        "咨询",
        "--set",
        "outcome=callback",
    )
    gx(
        "interaction",
        "log",
        "wf@example.com",
        "--kind",
        "core.purchase",
        "--revenue",
        "88.80",
        "--at",
        "2026-03-02T10:00:00+08:00",
        "--payload",
        '{"order_ref": "SO-1"}',
    )
    items = gx.json("timeline", "wf@example.com")
    assert isinstance(items, list)
    assert [i["kind"] for i in items] == ["core.purchase", "core.contact"]
    assert items[1]["occurred_at"] == "2026-03-01T02:00:00+00:00"  # 10:00 Shanghai time
    assert items[1]["payload"]["outcome"] == "callback"
    assert "core.purchase" in gx("interaction", "list", "--customer", "wf@example.com").stdout
    kinds = gx.json("interaction", "kinds")
    assert "core.note" in [k["kind"] for k in kinds]  # type: ignore[index,union-attr]
    gx("task", "add", "wf@example.com", "回访", "--due", "2026-03-10 09:00")
    tasks = gx.json("task", "list")
    assert [t["title"] for t in tasks] == ["回访"]  # type: ignore[index,union-attr]
    gx("task", "done", str(tasks[0]["id"]), "--outcome", "满意")  # type: ignore[index]
    assert gx.json("task", "list") == []
    view = gx.json("customer", "show", "wf@example.com")
    assert view["rollup"]["revenue"] == "88.80"  # type: ignore[index]
    assert view["rollup"]["interaction_count"] == 3  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["customer", "add", "x", "--email", "nope"], "field 'emails.0'"),
        (["customer", "add", "x", "--phone", "123"], "field 'phones.0'"),
        (
            ["customer", "add", "x", "--field", "shoe_size=42"],
            "field 'custom.shoe_size': unknown field",
        ),
        (["customer", "add", "x", "--field", "value_segment=gold"], "field 'custom.value_segment'"),
        (["customer", "show", "nobody@example.com"], "no customer matches 'nobody@example.com'"),
        (["interaction", "log", "1", "--kind", "core.nothing"], "no customer matches"),
        (["task", "done", "999"], "no task with id 999"),
        (["jobs", "run-due", "--job", "nope"], "no job 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(gx: GuanxiCli, args: list[str], message: str) -> None:
    assert message in gx.fails(*args)
    assert gx.json("customer", "list") == []


def test_unknown_kind_and_bad_payload(gx: GuanxiCli) -> None:
    gx("customer", "add", "王芳", "--email", "wf@example.com")
    assert "unknown interaction kind 'core.nothing'" in gx.fails(
        "interaction", "log", "wf@example.com", "--kind", "core.nothing"
    )
    assert "field 'payload.text'" in gx.fails(
        "interaction", "log", "wf@example.com", "--kind", "core.note"
    )
    assert gx.json("timeline", "wf@example.com") == []


def test_ambiguous_reference(gx: GuanxiCli) -> None:
    gx("customer", "add", "甲", "--email", "same@example.com")
    gx("customer", "add", "乙", "--email", "same@example.com")
    assert "matches 2 customers" in gx.fails("customer", "show", "same@example.com")


def test_admin_listings(gx: GuanxiCli) -> None:
    plugins = gx.json("plugins")
    assert isinstance(plugins, list)
    core = next(p for p in plugins if p["name"] == "core")
    assert core["enabled"] and "register_interaction_kinds" in core["hooks"]
    settings = {r["setting"]: r for r in gx.json("config", "show")}  # type: ignore[union-attr]
    assert settings["core.timezone"]["source"] == "edition generic"
    assert settings["core.database_url"]["source"] == "guanxi.toml"
    editions = gx.json("edition", "list")
    assert "generic" in [e["name"] for e in editions]  # type: ignore[union-attr,index]
    assert gx.json("edition", "show")["name"] == "generic"  # type: ignore[index]
    assert "core.purge_job_history" in gx("jobs", "list").stdout
    assert "core" in gx("db", "current").stdout or "current:" in gx("db", "current").stdout


def test_missing_database_and_debug_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(tmp_path), "customer", "list"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: no database at {tmp_path / 'guanxi.db'}: "
        "run 'guanxi init' (or 'guanxi db upgrade') first"
    )
    assert not (tmp_path / "guanxi.db").exists()
    result = runner.invoke(cli, ["-C", str(tmp_path), "--debug", "customer", "list"])
    assert result.exception is not None  # --debug lets the traceback through


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    url = "postgresql://someone:secret@127.0.0.1:1/nothing"
    result = runner.invoke(cli, ["-C", str(tmp_path), "init", "--db", url])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: cannot connect to postgresql://someone:***@127.0.0.1:1/nothing: "
    )
    assert "secret" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "guanxi.toml").exists()  # a failed init leaves nothing behind


def test_init_with_demo_data(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(tmp_path), "init", "--demo"])
    assert result.exit_code == 0, result.output
    assert "300 people, 3000 interactions" in result.stdout
    shown = runner.invoke(cli, ["-C", str(tmp_path), "customer", "show", "45", "--json"])
    view = json.loads(shown.stdout)
    assert view["rollup"]["interaction_count"] == len(view["recent"]) or len(view["recent"]) == 10


def test_reports_registered_by_a_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import guanxi
    from guanxi.cli import CliState

    class Counts:
        plugin = guanxi.Plugin(name="counts", version="1.0")

        @staticmethod
        def customer_count(uow, role="customer"):  # type: ignore[no-untyped-def]
            from guanxi.services.lookup import list_customers

            return {"role": role, "customers": len(list_customers(uow, role=role, limit=10_000))}

        @staticmethod
        @guanxi.hookimpl
        def register_reports(register):  # type: ignore[no-untyped-def]
            register("counts.customers", Counts.customer_count, description="customers per role")

    original = CliState.app.fget  # type: ignore[attr-defined]

    def app_with_counts(self):  # type: ignore[no-untyped-def]
        if self._app is None:
            from guanxi.app import create_app

            self._app = create_app(
                self.project_dir, plugins=[Counts], enable=["counts"], environ={}
            )
        return original(self)

    runner = CliRunner()
    assert runner.invoke(cli, ["-C", str(tmp_path), "init"]).exit_code == 0
    monkeypatch.setattr(CliState, "app", property(app_with_counts))
    runner.invoke(cli, ["-C", str(tmp_path), "customer", "add", "甲", "--role", "partner"])
    listed = runner.invoke(cli, ["-C", str(tmp_path), "report", "list"])
    assert "counts.customers" in listed.stdout
    result = runner.invoke(
        cli,
        [
            "-C",
            str(tmp_path),
            "report",
            "run",
            "counts.customers",
            "--option",
            "role=partner",
            "--json",
        ],
    )
    assert json.loads(result.stdout) == {"role": "partner", "customers": 1}
    missing = runner.invoke(cli, ["-C", str(tmp_path), "report", "run", "nope"])
    assert missing.exit_code == 1 and "no report 'nope' (known: " in missing.stderr
    assert "counts.customers" in missing.stderr
    unknown = runner.invoke(
        cli, ["-C", str(tmp_path), "report", "run", "counts.customers", "--option", "colour=red"]
    )
    assert unknown.exit_code == 2
    assert "report counts.customers:" in unknown.stderr and "colour" in unknown.stderr
    assert "Traceback" not in unknown.output


def test_init_with_an_edition_folder_outside_guanxi(tmp_path: Path) -> None:
    edition = tmp_path / "integrator" / "dental"
    edition.mkdir(parents=True)
    (edition / "edition.toml").write_text(
        'name = "dental"\ntitle = "Dental clinic"\nversion = "0.1.0"\n'
        'description = "An integrator\'s edition in its own folder"\n'
        '[settings.core]\nroles = ["patient"]\ntimezone = "Asia/Shanghai"\n'
        '[terminology]\ncustomer = { zh = "患者", en = "patient" }\n'
        "[demo]\nstaff = 2\nteams = 1\ncustomers = 10\norganizations = 0\ninteractions = 40\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    project = tmp_path / "crm"
    result = runner.invoke(cli, ["-C", str(project), "init", "--edition", str(edition), "--demo"])
    assert result.exit_code == 0, result.output
    assert str(edition) in (project / "guanxi.toml").read_text(encoding="utf-8")
    runner.invoke(cli, ["-C", str(project), "customer", "add", "张三", "--role", "patient"])
    shown = runner.invoke(cli, ["-C", str(project), "customer", "show", "11"])
    assert "患者 张三" in shown.stdout
    checked = runner.invoke(cli, ["-C", str(project), "edition", "check"])
    assert checked.exit_code == 0 and "edition dental 0.1.0" in checked.stdout


def test_a_failed_init_leaves_no_database_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import guanxi.demo

    def broken(app):  # type: ignore[no-untyped-def]
        raise RuntimeError("demo generator failed")

    monkeypatch.setattr(guanxi.demo, "generate_demo", broken)
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "init", "--demo"])
    assert result.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == []
