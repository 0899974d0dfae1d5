"""The construction edition's story (issue 9), through the CLI on a fresh database.

An owner (业主) and its project go from potential client to warranty expired: the
contract is logged at 中标, the handover registers the project as the owner's asset with
its warranties, return visits fall due after handover and after the warranty expires
(jobs run with ``--now``), a core customer's overdue contact is flagged, and the
customer-management department (客户管理部) sees what the other departments cannot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from guanxi.testing import GuanxiCli
from tests.editions.conftest import StartProject

DEPARTMENTS = {
    "市场经营部": ("zhao.sc", "赵经营", "business_developer"),
    "工程管理部": ("qian.gc", "钱项目", "project_manager"),
    "客户管理部": ("sun.kh", "孙客户", "customer_manager"),
    "质量安全部": ("li.zl", "李质安", "quality_safety"),
}
LIFECYCLE = ["construction", "completion", "acceptance", "handover", "warranty"]


def local(day: dt.date, time: str) -> str:
    """An ISO time on ``day`` in the edition's zone (Asia/Shanghai)."""
    return f"{day.isoformat()}T{time}:00+08:00"


def run_job(gx: GuanxiCli, job: str, day: dt.date) -> list[str]:
    """Run a daily job on ``day`` (08:00 local); return the details of its runs.

    It is first run the evening before, which schedules a job that never ran (a new job
    is due at its next daily time) and runs one already due: the day's run is the last.
    """
    details = []
    for now in (local(day - dt.timedelta(days=1), "23:00"), local(day, "08:00")):
        for outcome in gx.json("jobs", "run-due", "--job", job, "--now", now):
            assert outcome["status"] == "ok", outcome
            details.append(outcome["detail"])
    return details


def departments(gx: GuanxiCli) -> None:
    """The four departments as teams, one member each with the department's role."""
    for team, (user, name, role) in DEPARTMENTS.items():
        gx("team", "add", team)
        gx("staff", "add", user, name, "--team", team, "--lead")
        gx("access", "grant", user, role)


def visible_ids(gx: GuanxiCli, user: str) -> set[int]:
    return {row["id"] for row in gx.json("customer", "list", as_user=user)}


def stage_of(gx: GuanxiCli, customer_id: int) -> str:
    """The owner's lifecycle stage, which follows its projects."""
    return gx.json("customer", "show", str(customer_id))["customer"]["lifecycle_stage"]


def test_project_lifecycle_from_tender_to_warranty_expiry(start_project: StartProject) -> None:
    gx = start_project("construction")
    departments(gx)
    bd, pm, cm, qs = "zhao.sc", "qian.gc", "sun.kh", "li.zl"

    # The owner, with the edition's custom fields; bad values name the field.
    assert gx.fails("customer", "add", "某业主", "--org-kind", "--field", "project_type=铁路") == (
        "error: field 'custom.project_type': Input should be '房建', '市政', '公路' or '水利'"
    )
    assert "custom.contract_value" in gx.fails(
        "customer", "add", "某业主", "--org-kind", "--field", "contract_value=很多"
    )
    assert gx.json("customer", "list") == []
    owner = gx.json(
        "customer",
        "add",
        "华润置地（南京）有限公司",
        "--org-kind",
        "--role",
        "owner",
        "--owner",
        bd,
        "--field",
        "owner_type=开发商",
        "--field",
        "project_type=房建",
        "--field",
        "contract_value=86000000",
        "--field",
        "region=南京",
        "--field",
        "payment_credit=A",
        as_user=bd,
    )
    assert owner["custom"]["project_type"] == "房建" and owner["lifecycle_stage"] == "potential"
    contact = gx.json("customer", "add", "陈工", "--org", str(owner["id"]), "--owner", bd)
    assert contact["organization_id"] == owner["id"]

    # Tender information (获取招标信息) is an interaction with a checked payload.
    notice = ["interaction", "log", str(owner["id"]), "--kind", "construction.tender_notice"]
    notice += ["--set", "tender_no=NJ-2026-118", "--set", "project=江北住宅一期"]
    bad = gx.fails(*notice, "--set", "project_type=铁路", as_user=bd)
    assert bad.startswith("error: field 'payload.project_type'")
    gx(*notice, "--set", "project_type=房建", "--set", "budget=88000000", as_user=bd)
    notices = gx.json("interaction", "list", "--kind", "construction.tender_notice")
    assert len(notices) == 1  # the refused one left nothing behind

    # The project through the bidding stages; a second bid is lost.
    project = gx.json(
        "sales",
        "opportunity",
        "add",
        str(owner["id"]),
        "江北住宅一期",
        "--amount",
        "86000000",
        "--close",
        "2027-06-30",
        as_user=bd,
    )["opportunity"]
    assert (project["pipeline"], project["stage"], project["probability"]) == (
        "project",
        "potential",
        5,
    )
    pid = str(project["id"])
    for stage in ("tender", "bidding", "awarded"):
        moved = gx.json("sales", "opportunity", "move", pid, stage, as_user=bd)
        assert moved["opportunity"]["stage"] == stage
    signed = gx.json(
        "interaction",
        "list",
        "--customer",
        str(owner["id"]),
        "--kind",
        "construction.contract_signed",
    )
    assert [s["revenue"] for s in signed] == ["86000000.00"]
    other = gx.json(
        "sales",
        "opportunity",
        "add",
        str(owner["id"]),
        "江北商业综合体",
        "--amount",
        "120000000",
        "--close",
        "2027-03-31",
        "--stage",
        "bidding",
        as_user=bd,
    )["opportunity"]
    lost = gx.json(
        "sales", "opportunity", "lose", str(other["id"]), "--reason", "未中标-价格", as_user=bd
    )["opportunity"]
    assert (lost["status"], lost["stage"]) == ("lost", "lost")

    # After 中标 the customer-management department hands owner and project to the
    # project department, which moves it to handover and into the warranty period.
    gx("sales", "lead", "assign", str(owner["id"]), pm, "--with-opportunities", as_user=cm)
    for stage in LIFECYCLE:
        moved = gx.json("sales", "opportunity", "move", pid, stage, as_user=pm)
        assert moved["opportunity"]["stage"] == stage

    # The nightly job moves the owner to the stage its projects stand for.
    assert stage_of(gx, owner["id"]) == "potential"
    tomorrow = dt.date.fromisoformat(
        gx.json("service", "assets", "show", f"GC-{project['id']:06d}")["asset"]["handed_over_on"]
    ) + dt.timedelta(days=1)
    assert run_job(gx, "construction.owner_stages", tomorrow)[-1] == "1 owners moved"
    assert stage_of(gx, owner["id"]) == "in_warranty"

    # The handover registered the project as the owner's asset with its warranties.
    asset = gx.json("service", "assets", "show", f"GC-{project['id']:06d}", as_user=pm)
    handed = dt.date.fromisoformat(asset["asset"]["handed_over_on"])
    assert asset["asset"]["customer_id"] == owner["id"]
    assert (asset["asset"]["product"], asset["asset"]["location"]) == ("房建", "南京")
    assert asset["attributes"]["opportunity_id"] == project["id"]
    terms = {w["terms"]: (w["starts_on"], w["ends_on"]) for w in asset["warranties"]}
    general = next(t for t in terms if t.startswith("房屋建筑工程保修 2 年"))
    ends = dt.date(handed.year + 2, handed.month, handed.day) - dt.timedelta(days=1)
    assert terms[general] == (handed.isoformat(), ends.isoformat())
    assert any("防水" in t and e.startswith(str(handed.year + 5)) for t, (_, e) in terms.items())

    # Return visits after handover: the customer-management department's, due in 7 and
    # 90 days; the account manager's calls during the warranty.
    visits = gx.json("service", "visits", "list", "--customer", str(owner["id"]), as_user=cm)
    plans = {(v["plan"], v["due_on"], v["assignee"]) for v in visits}
    week = (handed + dt.timedelta(days=7)).isoformat()
    assert ("handover", week, cm) in plans
    assert ("handover", (handed + dt.timedelta(days=90)).isoformat(), cm) in plans
    assert {v["plan"] for v in visits} == {"handover", "in_warranty"}
    # Nobody made the first one: three grace days later the job flags it and tasks him.
    late = handed + dt.timedelta(days=11)
    assert run_job(gx, "service.visits_overdue", late)[-1].startswith("1")
    first = next(
        v for v in gx.json("service", "visits", "list", "--plan", "handover") if v["due_on"] == week
    )
    assert first["status"] == "overdue"
    tasks = gx.json("task", "list", "--assignee", cm)
    assert any(t["title"].startswith("回访逾期：工程交付回访") for t in tasks)

    # The general term expires: the job announces it, the project is won (保修期满) and
    # the after-warranty visit is planned for three days later.
    assert run_job(gx, "service.warranty_expiry", ends + dt.timedelta(days=1))[-1].endswith(
        "1 warranties expired"
    )
    done = gx.json("sales", "opportunity", "show", pid)["opportunity"]
    assert (done["status"], done["stage"]) == ("won", "warranty_expired")
    moves = run_job(gx, "construction.owner_stages", ends + dt.timedelta(days=2))
    assert "1 owners moved" in moves
    assert stage_of(gx, owner["id"]) == "after_warranty"
    after = gx.json("service", "visits", "list", "--plan", "after_warranty", as_user=cm)
    expired_on = ends + dt.timedelta(days=1)
    assert [(v["due_on"], v["assignee"]) for v in after] == [
        ((expired_on + dt.timedelta(days=3)).isoformat(), cm),
        ((expired_on + dt.timedelta(days=365)).isoformat(), cm),
    ]
    # The funnel runs over the project stages, in order.
    funnel = gx.json("sales", "report", "funnel", "--pipeline", "project")
    assert [row["stage"] for row in funnel][:4] == ["potential", "tender", "bidding", "awarded"]

    # A core customer (核心客户) of the business development department, last visited
    # 60 days ago with a 30-day period, is overdue; the cadence job tasks its owner.
    gov = gx.json(
        "customer",
        "add",
        "南京江北新区管理委员会",
        "--org-kind",
        "--role",
        "owner",
        "--owner",
        bd,
        "--field",
        "owner_type=政府机关",
        "--field",
        "project_type=市政",
    )
    today = handed  # the handover was logged today
    gx(
        "interaction",
        "log",
        str(gov["id"]),
        "--kind",
        "core.contact",
        "--channel",
        "visit",
        "--direction",
        "outbound",
        "--at",
        local(today - dt.timedelta(days=60), "10:00")[:16],
        "--subject",
        "拜访基建处",
        "--actor",
        bd,
    )
    gx("sales", "core", "set", str(gov["id"]), "--period", "30", as_user=cm)
    overdue = gx.json("sales", "core", "list", "--overdue", as_user=cm)
    assert [row["id"] for row in overdue] == [gov["id"]]
    run_job(gx, "sales.core_cadence", ends + dt.timedelta(days=2))
    core_tasks = gx.json("task", "list", "--customer", str(gov["id"]), "--assignee", bd)
    assert len(core_tasks) == 1 and core_tasks[0]["priority"] == "high"

    # Record policies: the customer-management department sees every department's
    # owners and work; the others see their own team's.
    assert visible_ids(gx, cm) >= {owner["id"], gov["id"], contact["id"]}
    assert gov["id"] in visible_ids(gx, bd) and owner["id"] not in visible_ids(gx, bd)
    assert owner["id"] in visible_ids(gx, pm) and gov["id"] not in visible_ids(gx, pm)
    assert visible_ids(gx, qs) == set()
    assert "no customer" in gx.fails("customer", "show", str(gov["id"]), as_user=qs)
    assert gx.json("sales", "core", "list", as_user=pm) == []
    assert len(gx.json("service", "visits", "list", as_user=cm)) == len(
        gx.json("service", "visits", "list")
    )
    assert gx.json("service", "visits", "list", as_user=qs) == []
    # Sensitive: the owner's payment credit is masked for the project department.
    seen = gx.json("customer", "show", str(owner["id"]), as_user=cm)["customer"]
    assert seen["custom"]["payment_credit"] == "A"
    masked = gx.json("customer", "show", str(owner["id"]), as_user=pm)["customer"]
    assert "custom.payment_credit" in masked["masked"] and not masked["custom"].get(
        "payment_credit"
    )

    # The 360 view of the owner lists the project in the edition's words.
    shown = gx("customer", "show", str(owner["id"]), as_user=cm).stdout
    assert "工程项目" in shown and "保修期满" in shown


def test_the_edition_templates_are_the_ones_used(
    start_project: StartProject, tmp_path: Path
) -> None:
    gx = start_project("construction")
    owner = gx.json("customer", "add", "苏州工业园区管委会", "--org-kind", "--role", "owner")
    gx(
        "sales",
        "product",
        "add",
        "010101001",
        "平整场地",
        "--price",
        "6.50",
        "--unit",
        "m2",
        "--spec",
        "二类土，弃土运距 5km",
    )
    quote = gx.json("sales", "quote", "add", str(owner["id"]), "--line", "010101001,12000")
    assert quote["number"].startswith("BJ-")
    out = tmp_path / "quote.html"
    gx("sales", "quote", "render", quote["number"], "--out", str(out))
    html = out.read_text(encoding="utf-8")
    # The edition's bill-of-quantities layout, not the plugin's generic 报价单.
    assert "工程报价书" in html and "工程量清单计价" in html and "Quotation" not in html
    assert "建设单位（业主）" in html and "78,000.00" in html  # 12000 × 6.50 before VAT


def test_a_bad_construction_setting_names_the_key(tmp_path: Path) -> None:
    gx = GuanxiCli(tmp_path / "p")
    gx("init", "--edition", "construction")
    (tmp_path / "p" / "guanxi.toml").write_text(
        (tmp_path / "p" / "guanxi.toml").read_text(encoding="utf-8")
        + "\n[construction]\n"
        + 'extra_warranties = [{ project_type = "房建", terms = "x", months = 0 }]\n',
        encoding="utf-8",
    )
    result = gx("edition", "check", ok=False)
    assert result.exit_code != 0
    assert "construction.extra_warranties" in result.output + result.stderr
