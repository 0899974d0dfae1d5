"""The automotive edition's story (REQUIREMENTS §1.3) through the command line.

A car owner bought at dealer A, was repaired at dealer B, called the 800 centre and
registered on the website. Importing the four systems' exports yields one owner with
four identities and one timeline, the vehicle's archive across both dealers, the
return visit after the repair and the maintenance reminder when it is due — while a
different person with the same surname stays separate, and each dealer's staff see
only the owners their dealer knows.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from guanxi.app import create_app
from guanxi.testing import GuanxiCli
from tests.editions import automotive_support as story
from tests.editions.conftest import StartProject

STEPS = (  # source, customer mapping, interaction mapping, extra options
    ("dealer_a", story.SALES_A_CUSTOMERS, story.SALES_A_INTERACTIONS, ["--encoding", "gb18030"]),
    ("dealer_b", story.REPAIRS_B_CUSTOMERS, story.REPAIRS_B_INTERACTIONS, []),
    ("cc800", story.CALLS_CUSTOMERS, story.CALLS_INTERACTIONS, []),
    ("web", story.WEB_CUSTOMERS, story.WEB_INTERACTIONS, []),
)


def _import(
    gx: GuanxiCli, what: str, path: Path, source: str, mapping: dict[str, str], extra: list[str]
) -> dict[str, Any]:
    """Import ``path`` as ``what``; the JSON report with the exit status as ``exit``."""
    result = gx(
        "import", what, str(path), "--source", source, *extra,
        *story.map_options(mapping), "--json", ok=False,
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output + result.stderr
    return {"exit": result.exit_code, **json.loads(result.stdout)}


def _people(gx: GuanxiCli, as_user: str | None = None) -> dict[str, dict[str, Any]]:
    rows = gx.json("customer", "list", "--limit", "500", as_user=as_user)
    return {row["name"]: row for row in rows}


@pytest.fixture
def imported(start_project: StartProject, tmp_path: Path) -> tuple[GuanxiCli, dict[str, Any]]:
    """A fresh project with the two dealers and the four files imported."""
    gx = start_project("automotive")
    for code, name in (story.DEALER_A, story.DEALER_B):
        gx(
            "customer",
            "add",
            name,
            "--org-kind",
            "--role",
            "dealer",
            "--identity",
            f"dealer:{code}",
        )
    files = story.write_sources(tmp_path)
    reports = {}
    for source, customers, interactions, extra in STEPS:
        reports[source] = _import(gx, "customers", files[source], source, customers, extra)
        reports[f"{source}.log"] = _import(
            gx, "interactions", files[source], source, interactions, extra
        )
    return gx, reports


def test_four_sources_make_one_owner_with_one_timeline(imported: tuple[GuanxiCli, Any]) -> None:
    gx, reports = imported
    # The import reports say what was linked: B's, the 800 centre's and the website's
    # record of 王建国 went into dealer A's customer.
    assert (reports["dealer_a"]["stored"], reports["dealer_a"]["linked"]) == (2, 0)
    assert (reports["dealer_b"]["stored"], reports["dealer_b"]["linked"]) == (2, 1)
    # The repair-order export repeats the owner once per order: the repeat is rejected
    # as an identity already taken, and his orders all arrive through the log import.
    assert reports["dealer_b"]["exit"] == 1 and reports["dealer_b"]["rejected"] == 1
    assert (reports["cc800"]["stored"], reports["cc800"]["linked"]) == (1, 1)
    assert (reports["web"]["stored"], reports["web"]["linked"]) == (2, 1)
    assert [reports[f"{s}.log"]["rejected"] for s, *_ in STEPS] == [0, 0, 0, 0]

    people = _people(gx)
    assert sorted(people) == sorted(
        ["王建国", "李娜", "王芳", "王建华", story.DEALER_A[1], story.DEALER_B[1]]
    )
    owner = gx.json("customer", "show", "dealer_b:B-77")["customer"]
    assert owner["id"] == people["王建国"]["id"]
    assert sorted((i["source"], i["external_id"]) for i in owner["identities"]) == [
        ("cc800", "CC-5501"),
        ("dealer_a", "C-1001"),
        ("dealer_b", "B-77"),
        ("web", "W-9001"),
    ]
    # The sale made the lead an owner; 王芳, only serviced at B, is still a lead.
    assert owner["lifecycle_stage"] == "owner"
    assert people["王芳"]["stage"] == "lead"
    # Empty fields filled from the later sources, nothing overwritten.
    assert owner["custom"]["id_card"] == "310101198003041234"
    assert owner["custom"]["selling_dealer"] == "dealer_a"
    assert owner["custom"]["mileage"] == 20800  # the highest reading a dealer took
    assert [(c["kind"], c["normalized"]) for c in owner["contact_points"]] == [
        ("phone", "+8613912345678"),
        ("email", "wjg@example.cn"),
    ]

    timeline = gx.json(
        "interaction",
        "list",
        "--customer",
        str(owner["id"]),
        "--kind",
        "automotive.",
        "--limit",
        "50",
    )
    assert [(i["kind"], i["when"]) for i in reversed(timeline)] == [  # newest first
        ("automotive.vehicle_sale", "2024-05-18 00:00"),
        ("automotive.repair_order", "2025-03-15 09:20"),
        ("automotive.call", "2025-06-02 14:05"),
        ("automotive.web_registration", "2025-07-20 20:15"),
        ("automotive.repair_order", "2025-09-10 14:30"),
    ]


def test_a_different_person_with_the_same_surname_stays_separate(
    imported: tuple[GuanxiCli, Any],
) -> None:
    gx, _ = imported
    people = _people(gx)
    for name in ("王建华", "王芳"):
        other = gx.json("customer", "show", str(people[name]["id"]))["customer"]
        assert other["id"] != people["王建国"]["id"]
        assert len(other["identities"]) == 1
    assert gx.json("customer", "show", "web:W-9002")["customer"]["name"] == "王建华"
    # 王建华 shares the surname and a given-name character, nothing else: stored, and
    # queued as a possible match for a person to decide, never linked.
    pairs = gx.json("dedupe", "pairs")
    assert [(p["left"], p["right"], p["status"]) for p in pairs] == [
        (people["王建国"]["id"], people["王建华"]["id"], "review")
    ]
    assert pairs[0]["passes"] == "surname_sound"


def test_the_vehicle_archive_reads_across_dealers(imported: tuple[GuanxiCli, Any]) -> None:
    gx, _ = imported
    vehicle = gx.json("automotive", "vehicle", story.VIN.lower())
    assert (vehicle["vin"], vehicle["owner"], vehicle["dealer"], str(vehicle["sold_on"])) == (
        story.VIN,
        "王建国",
        story.DEALER_A[1],
        "2024-05-18",
    )
    history = [(line["where"], line["what"], line["ref"]) for line in vehicle["history"]]
    dealer_records = [h for h in history if h[1].startswith("automotive.")]
    assert dealer_records == [
        (story.DEALER_A[1], "automotive.vehicle_sale", "A-S-2405-018"),
        (story.DEALER_B[1], "automotive.repair_order", "B-RO-250315"),
        ("800客服", "automotive.call", "CALL-20250602-0042"),
        ("网站 website", "automotive.web_registration", None),
        (story.DEALER_B[1], "automotive.repair_order", "B-RO-250910"),
    ]
    assert [line["at"] for line in vehicle["history"]] == sorted(
        line["at"] for line in vehicle["history"]
    )
    # The sale handed the vehicle over and gave it the edition's 3-year warranty.
    assets = gx.json("service", "assets", "list", "--customer", "dealer_a:C-1001")
    assert [(a["serial_number"], a["product"], str(a["handed_over_on"])) for a in assets] == [
        (story.VIN, "乘用车", "2024-05-18")
    ]
    warranties = gx.json("service", "assets", "warranty", "list", str(assets[0]["id"]))
    assert [(w["terms"], str(w["ends_on"])) for w in warranties] == [
        ("整车质保 3 年或 10 万公里", "2027-05-17")
    ]
    # 王芳's car came to B for service only: archived, without a sale.
    other = gx.json("automotive", "vehicle", story.OTHER_VIN_B)
    assert (other["owner"], other["dealer"], other["sold_on"]) == ("王芳", None, None)
    # The 360 view has the vehicle section.
    shown = gx("customer", "show", "web:W-9001").stdout
    assert "整车档案" in shown and story.VIN in shown


def test_a_repair_gets_a_return_visit_and_the_survey_follows(
    imported: tuple[GuanxiCli, Any],
) -> None:
    gx, _ = imported
    visits = gx.json("service", "visits", "list", "--customer", "dealer_b:B-77")
    by_plan = {v["plan"]: v for v in visits}
    # The repair (维修) gets a return visit three days later; the routine service does not.
    assert str(by_plan["after_repair"]["due_on"]) == "2025-03-18"
    assert sorted(v["plan"] for v in visits) == ["after_repair", "new_car"]
    gx(
        "service",
        "visits",
        "record",
        str(by_plan["after_repair"]["id"]),
        "reached",
        "--satisfaction",
        "4",
        "--notes",
        "空调已修好",
    )
    surveys = gx.json("service", "surveys", "list", "--customer", "dealer_b:B-77")
    assert len(surveys) == 1 and surveys[0]["channel"] == "sms"
    # Two hours later the SMS goes out with the edition's wording (templates/service/…).
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).isoformat()
    gx("jobs", "run-due", "--job", "service.surveys_send", "--now", later)
    sent = gx.json("interaction", "list", "--customer", "dealer_b:B-77", "--kind",
                   "service.survey_sent")  # fmt: skip
    assert [i["subject"] for i in sent] == ["【车主服务】请为您最近一次用车服务打分"]


def test_the_edition_templates_override_the_plugins(start_project: StartProject) -> None:
    gx = start_project("automotive")
    app = create_app(gx.project, environ={})
    birthday = app.render("marketing/sms/birthday.txt", customer={"preferred_name": "王建国"})
    assert birthday.startswith("王建国车主，祝您生日快乐！生日当月到店保养享工时八折")
    body = app.render(
        "service/survey/invitation.zh.txt", customer_name="王建国", ticket_number=None,
        questions={"csat": "总体满意吗？", "nps": None, "factors": {"on_time": "按时交车"},
                   "comment": "建议？"},
        expires_on="2026-12-01", form_url="https://survey.example.cn/s/x",
    )  # fmt: skip
    assert "尊敬的王建国车主" in body and "· 按时交车（1–5 分）" in body


def test_the_maintenance_reminder_is_due_by_mileage(imported: tuple[GuanxiCli, Any]) -> None:
    gx, _ = imported
    job = "automotive.maintenance_reminders"
    # Last service 2025-09-10 at 20,800 km, 43.3 km a day since the sale: the next 5,000 km
    # are done around 2026-01-03, before the six months (2026-03-10); the reminder comes
    # 14 days before. The runs below are the daily runs due at 07:00.
    gx("jobs", "run-due", "--job", job, "--now", "2025-11-01T08:00+08:00")
    first = gx.json("jobs", "run-due", "--job", job, "--now", "2025-11-02T07:30+08:00")
    assert [r["detail"] for r in first] == ["0 vehicles due for maintenance"]
    gx("jobs", "run-due", "--job", job, "--now", "2025-12-20T07:30+08:00")
    due = gx.json("jobs", "run-due", "--job", job, "--now", "2025-12-22T07:30+08:00")
    assert [r["detail"] for r in due] == ["1 vehicles due for maintenance"]
    tasks = gx.json("task", "list", "--customer", "dealer_a:C-1001")
    assert [t["title"] for t in tasks if "保养" in t["title"]] == [
        f"保养提醒: 星越L 2.0T {story.VIN}（2026-01-03 到期, 约 25220 km）"
    ]
    logged = gx.json(
        "interaction",
        "list",
        "--customer",
        "dealer_a:C-1001",
        "--kind",
        "automotive.maintenance_due",
    )
    assert [(i["subject"], i["when"]) for i in logged] == [
        (f"保养提醒 {story.VIN}", "2025-12-21 07:00")
    ]
    # Once reminded, the next day's run leaves him alone until he is serviced again.
    again = gx.json("jobs", "run-due", "--job", job, "--now", "2025-12-23T07:30+08:00")
    assert [r["detail"] for r in again] == ["0 vehicles due for maintenance"]


def test_dealers_see_their_own_owners_and_the_800_centre_sees_all(
    imported: tuple[GuanxiCli, Any],
) -> None:
    gx, _ = imported
    for team, user, role in (
        ("dealer_a", "zhang.a", "dealer_advisor"),
        ("dealer_b", "liu.b", "dealer_advisor"),
        ("cc800", "chen.cc", "cc800_agent"),
    ):
        gx("team", "add", team)
        gx("staff", "add", user, user, "--team", team)
        gx("access", "grant", user, role)
    owners = {"王建国", "李娜", "王芳", "王建华"}
    assert set(_people(gx, "zhang.a")) & owners == {"王建国", "李娜"}
    assert set(_people(gx, "liu.b")) & owners == {"王建国", "王芳"}
    assert set(_people(gx, "chen.cc")) & owners == owners
    assert story.DEALER_A[1] in _people(gx, "zhang.a")
    assert story.DEALER_B[1] not in _people(gx, "zhang.a")
    # Dealer B's advisor does not see A's other customer, even by her number.
    assert gx.fails("customer", "show", "dealer_a:C-1002", as_user="liu.b") == (
        "error: no customer matches 'dealer_a:C-1002'"
    )
    # The plate number is sensitive: an advisor gets it masked.
    shown = gx.json("customer", "show", "dealer_a:C-1001", as_user="zhang.a")["customer"]
    assert shown["custom"].get("plate_no") is None and "custom.plate_no" in shown["masked"]
    assert "custom.id_card" in shown["masked"]


def test_bad_input_of_the_edition_fields_and_kinds_is_refused(
    start_project: StartProject,
    tmp_path: Path,
) -> None:
    gx = start_project("automotive")
    assert gx.fails("customer", "add", "赵六", "--field", "vin=LB3123") == (
        "error: field 'custom.vin': Value error, 'LB3123' is not a VIN (17 letters and digits,"
        " no I, O or Q)"
    )
    assert gx.fails("customer", "add", "赵六", "--field", "mileage=-5").startswith(
        "error: field 'custom.mileage':"
    )
    assert gx.fails("customer", "add", "赵六", "--field", "purchase_date=昨天").startswith(
        "error: field 'custom.purchase_date':"
    )
    assert gx.fails("automotive", "vehicle", "LB37624S8RX00081O").startswith("error: field 'vin':")
    assert gx.fails("automotive", "vehicle", story.VIN) == (
        f"error: no vehicle {story.VIN} in the archive"
    )
    assert gx.json("customer", "list") == []
    # A repair order with a bad VIN or an unknown service type is rejected by name.
    gx("customer", "add", "赵六", "--identity", "dealer_b:B-90")
    bad = story.write_csv(
        tmp_path / "bad.csv",
        [
            [
                "客户号",
                "业务类型",
                "进厂时间",
                "车架号",
                "工单号",
                "经销商代码",
                "维修类型",
                "里程",
            ],
            [
                "B-90",
                "automotive.repair_order",
                "2025-01-02 10:00",
                "LB3IIII",
                "R1",
                "dealer_b",
                "保养",
                "100",
            ],
            [
                "B-90",
                "automotive.repair_order",
                "2025-01-02 10:00",
                story.VIN,
                "R2",
                "dealer_b",
                "洗车",
                "100",
            ],
        ],
    )
    mapping = {
        "客户号": "customer",
        "业务类型": "kind",
        "进厂时间": "occurred_at",
        "车架号": "payload.vin",
        "工单号": "payload.ro_number",
        "经销商代码": "payload.dealer",
        "维修类型": "payload.service_type",
        "里程": "payload.mileage",
    }
    report = _import(gx, "interactions", bad, "dealer_b", mapping, [])
    assert (report["exit"], report["stored"], report["rejected"]) == (1, 0, 2)
    rejects = (tmp_path / "bad.rejects.csv").read_text(encoding="utf-8-sig")
    assert "is not a VIN" in rejects and "Input should be '首保'" in rejects
    assert gx.json("service", "assets", "list") == []
