"""The hospital edition's story (issue 9), through the CLI on a fresh database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli

PATIENT = [
    "customer",
    "add",
    "刘桂芳",
    "--role",
    "patient",
    "--phone",
    "13800138001",
    "--birth-date",
    "1960-11-05",
    "--owner",
    "zhang.doc",
    "--field",
    "medical_record_no=BA0001",
    "--field",
    'allergies=["青霉素"]',
    "--field",
    'chronic_conditions=["糖尿病"]',
    "--field",
    "insurance_type=城镇职工医保",
]


def _staff(gx: GuanxiCli) -> None:
    gx("team", "add", "门诊部")
    gx("team", "add", "患者服务中心")
    gx("staff", "add", "zhang.doc", "张医生", "--team", "门诊部")
    gx("access", "grant", "zhang.doc", "doctor")
    gx("staff", "add", "nurse.li", "李护士", "--team", "患者服务中心")
    gx("access", "grant", "nurse.li", "follow_up_nurse")
    gx("staff", "add", "kefu.wang", "王客服", "--team", "患者服务中心")
    gx("access", "grant", "kefu.wang", "patient_service")


def _kinds(gx: GuanxiCli, customer: str, kind: str) -> list[dict]:
    return gx.json("timeline", customer, "--kind", kind)


def test_patient_record_is_private_and_checked(start_project) -> None:
    gx = start_project("hospital")
    _staff(gx)
    gx(*PATIENT)
    seen_by_service = gx.json("customer", "show", "1", as_user="kefu.wang")["customer"]
    assert seen_by_service["custom"] == {}
    assert "custom.allergies" in seen_by_service["masked"]
    seen_by_doctor = gx.json("customer", "show", "1", as_user="zhang.doc")["customer"]
    assert seen_by_doctor["custom"]["allergies"] == ["青霉素"]
    assert seen_by_doctor["custom"]["insurance_type"] == "城镇职工医保"
    error = gx.fails("customer", "add", "张三", "--field", "insurance_type=新农合")
    assert error.startswith("error: field 'custom.insurance_type'")
    assert len(gx.json("customer", "list")) == 1


def test_hospital_story(start_project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANXI_UNSUBSCRIBE_SECRET", "hospital-test-secret-key")
    gx = start_project("hospital")
    _staff(gx)
    gx(*PATIENT)  # 1

    # An outpatient visit with a follow-up in 30 days; the edition's checks on bad input.
    first = gx.json(
        "hospital",
        "encounter",
        "1",
        "--department",
        "内分泌科",
        "--doctor",
        "王建国",
        "--fee",
        "260",
        "--at",
        "2026-03-02 09:00",
        "--follow-up-days",
        "30",
        "--icd10",
        "E11.9",
        as_user="zhang.doc",
    )
    assert first["revenue"] == "260" and first["payload"]["follow_up_days"] == 30
    assert "department '牙科'" in gx.fails(
        "hospital", "encounter", "1", "--department", "牙科", "--fee", "10"
    )
    assert "field 'payload.icd10'" in gx.fails(
        "hospital", "encounter", "1", "--department", "内科", "--icd10", "diabetes"
    )
    assert len(_kinds(gx, "1", "hospital.encounter")) == 1

    # Three more patients (their figures are worked out at the end).
    gx("customer", "add", "王建华", "--role", "patient", "--phone", "13900139002")  # 2
    gx("customer", "add", "陈小梅", "--role", "patient", "--phone", "13700137003")  # 3
    gx("customer", "add", "周国强", "--role", "patient", "--phone", "13500135005")  # 4
    for patient, department, at, extra in [
        ("2", "内科", "2026-01-10 10:00", []),
        ("2", "内科", "2026-03-15 10:00", ["--follow-up-days", "14", "--visit-type", "follow_up"]),
        ("3", "外科", "2026-02-01 10:00", ["--follow-up-days", "58"]),
        ("3", "外科", "2026-03-20 10:00", ["--visit-type", "follow_up"]),
        ("4", "骨科", "2026-01-20 10:00", []),
    ]:
        gx(
            "hospital",
            "encounter",
            patient,
            "--department",
            department,
            "--fee",
            "80",
            "--at",
            at,
            *extra,
        )

    # 复诊提醒 (three days ahead): the first run-due schedules the job; 27 March reminds
    # patient 2 (due 29 March) but not yet patient 1 (due 1 April); 29 March reminds
    # patient 1 and not patient 3 (due 31 March, back on 20 March already); 30 March
    # reminds nobody again.
    def reminders_run(now: str) -> str:
        rows = gx.json("jobs", "run-due", "--now", now, "--job", "hospital.follow_up_reminders")
        return rows[0]["detail"]

    gx("jobs", "run-due", "--now", "2026-03-01 06:00")
    assert reminders_run("2026-03-27 07:45") == "1 follow-up reminders, 1 messages"
    assert [r["payload"]["due_on"] for r in _kinds(gx, "2", "hospital.follow_up_reminder")] == [
        "2026-03-29"
    ]
    assert reminders_run("2026-03-29 07:45") == "1 follow-up reminders, 1 messages"
    assert reminders_run("2026-03-30 07:45") == "0 follow-up reminders, 0 messages"
    assert _kinds(gx, "3", "hospital.follow_up_reminder") == []
    reminders = _kinds(gx, "1", "hospital.follow_up_reminder")
    assert len(reminders) == 1
    assert reminders[0]["payload"]["due_on"] == "2026-04-01"
    assert "内分泌科复诊时间为2026-04-01" in reminders[0]["payload"]["message"]
    tasks = gx.json("task", "list", "--customer", "1")
    assert [t["title"] for t in tasks] == ["复诊提醒：内分泌科（应于 2026-04-01 复诊）"]

    # An inpatient stay and its discharge: three discharge visits by the service centre.
    stay = gx.json(
        "hospital",
        "encounter",
        "1",
        "--department",
        "内分泌科",
        "--setting",
        "inpatient",
        "--fee",
        "3200",
        "--at",
        "2026-04-05 10:00",
    )
    assert stay["payload"]["admitted_on"] == "2026-04-05"
    assert "before the admission" in gx.fails(
        "hospital", "discharge", "1", str(stay["id"]), "--at", "2026-04-01 10:00"
    )
    assert "not an inpatient stay" in gx.fails("hospital", "discharge", "1", str(first["id"]))
    gx(
        "hospital",
        "discharge",
        "1",
        str(stay["id"]),
        "--at",
        "2026-04-12 15:00",
        "--follow-up-days",
        "14",
    )
    assert "already discharged" in gx.fails("hospital", "discharge", "1", str(stay["id"]))
    visits = gx.json("service", "visits", "list", "--customer", "1")
    assert sorted(v["due_on"] for v in visits) == ["2026-04-13", "2026-04-19", "2026-05-12"]
    assert {v["plan"] for v in visits} == {"discharge"}
    assert {v["assignee"] for v in visits} <= {"nurse.li", "kefu.wang"}

    # The return visit reached the patient: a satisfaction survey follows; she answers it.
    visit = min(visits, key=lambda v: v["due_on"])
    gx(
        "service",
        "visits",
        "record",
        str(visit["id"]),
        "reached",
        "--satisfaction",
        "5",
        "--notes",
        "恢复良好",
    )
    surveys = gx.json("service", "surveys", "list", "--customer", "1")
    assert len(surveys) == 1
    assert "factors.taste" in gx.fails(
        "service", "surveys", "answer", str(surveys[0]["id"]), "--csat", "4", "--factor", "taste=3"
    )
    gx(
        "service",
        "surveys",
        "answer",
        str(surveys[0]["id"]),
        "--csat",
        "5",
        "--nps",
        "9",
        "--factor",
        "nursing=5",
    )
    answered = _kinds(gx, "1", "service.survey_answered")
    assert answered[0]["payload"]["csat"] == 5

    letter = gx("service", "surveys", "show", str(surveys[0]["id"]), "--invitation").stdout
    assert "患者满意度调查" in letter and "随访护士的随访" in letter  # the edition's letter

    # A complaint: the complaint SLA on the hospital's calendar skips the May holidays.
    ticket = gx.json(
        "service",
        "tickets",
        "open",
        "1",
        "候诊时间过长",
        "--type",
        "complaint",
        "--channel",
        "phone",
        "--team",
        "患者服务中心",
        "--opened-at",
        "2026-04-30 16:00",
    )
    assert ticket["sla_policy"] == "complaint"
    assert ticket["first_response_due_at"].startswith("2026-05-06T00:30")  # 08:30 in Shanghai

    # A free clinic: a contact met there becomes a lead, then a patient.
    event = gx.json(
        "marketing",
        "events",
        "create",
        "社区义诊",
        "--kind",
        "free_clinic",
        "--starts",
        "2026-05-10 09:00",
        "--ends",
        "2026-05-10 12:00",
        "--venue",
        "社区中心",
    )
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "name,company,email,phone,interest,notes\n赵大爷,,,13600136004,高血压,血压偏高\n",
        encoding="utf-8",
    )
    gx("marketing", "events", "capture", str(event["id"]), str(contacts))
    leads = gx.json("marketing", "leads", "list")
    assert [(lead["name"], lead["source"]) for lead in leads] == [("赵大爷", "event")]
    gx("marketing", "leads", "assign", str(leads[0]["id"]), "--to", "kefu.wang")
    gx("marketing", "leads", "qualify", str(leads[0]["id"]))
    converted = gx.json("marketing", "leads", "convert", str(leads[0]["id"]))
    patient = gx.json("customer", "show", str(converted["customer_id"]))["customer"]
    assert patient["name"] == "赵大爷" and patient["roles"] == ["patient"]

    # A birthday card from the edition's Chinese SMS template.
    gx(
        "privacy",
        "consent",
        "1",
        "--purpose",
        "marketing",
        "--channel",
        "sms",
        "--grant",
        "--source",
        "门诊登记表",
    )
    gx("marketing", "triggers", "run", "--on", "2026-11-05", "--trigger", "birthday")
    sent = _kinds(gx, "1", "marketing.message_sent")
    assert len(sent) == 1 and sent[0]["payload"]["template"] == "birthday"
    card = gx("marketing", "messages", "preview", str(sent[0]["payload"]["campaign_id"]), "1")
    assert "全院医护人员祝您生日快乐" in card.stdout  # the edition's template, not the plugin's

    # The diabetes club: a member, a segment of the club.
    gx("hospital", "club", "join", "1", "糖友俱乐部")
    assert "field 'club'" in gx.fails("hospital", "club", "join", "1", "象棋俱乐部")
    clubs = {row["club"]: row["members"] for row in gx.json("hospital", "club", "list")}
    assert clubs == {"diabetes": 1, "heart": 0}
    assert "not a member of 心脏康复俱乐部" in gx.fails("hospital", "club", "leave", "1", "heart")
    gx("marketing", "segments", "create", "糖友俱乐部", "-e", 'has tag "糖友俱乐部"')
    assert gx.json("marketing", "segments", "show", "糖友俱乐部")["members"] == 1

    # Membership: 260 + 3,200 of encounters reach the silver tier's 3,000 (all time).
    gx("marketing", "loyalty", "enrol", "1")
    gx("marketing", "loyalty", "review")
    member = gx.json("marketing", "loyalty", "benefits", "1")
    assert member["tier"] == "silver"
    assert "复诊预约优先" in member["services"]

    # 复诊率 and retention over March–April, computed by hand from these encounters and
    # patient 1's (2 March with a follow-up due 1 April, kept on 5 April; the stay from 5
    # April, discharged 12 April with a follow-up due 26 April, not kept):
    #   patient 2: 10 January; 15 March (复诊) advised back in 14 days (29 March, not kept)
    #   patient 3: 1 February advised back in 58 days (31 March); back on 20 March (复诊)
    #   patient 4: 20 January only
    # In the period: patients 1 (twice), 2 and 3 → 1 of 3 came back; encounters 4, of which
    # 2 marked 复诊. The 61 days before: patients 2, 3 and 4, of whom 2 and 3 were seen
    # again → 2 of 3 retained. Follow-ups due in the period: 1 Apr ✓, 26 Apr ✗, 29 Mar ✗,
    # 31 Mar ✓ → 2 of 4 kept.
    figures = gx.json("hospital", "revisits", "--from", "2026-03-01", "--to", "2026-04-30")
    assert (figures["patients"], figures["revisiting_patients"]) == (3, 1)
    assert figures["revisit_rate"] == round(1 / 3, 4)
    assert (figures["encounters"], figures["follow_up_encounters"]) == (4, 2)
    assert (figures["previous_patients"], figures["retained_patients"]) == (3, 2)
    assert figures["retention_rate"] == round(2 / 3, 4)
    assert (figures["follow_ups_due"], figures["follow_ups_kept"]) == (4, 2)
    departments = {row["department"]: row["patients"] for row in figures["departments"]}
    assert departments == {"内分泌科": 1, "内科": 1, "外科": 1}
    report = gx.json(
        "report",
        "run",
        "hospital.revisits",
        "--option",
        "from=2026-03-01",
        "--option",
        "to=2026-04-30",
    )
    assert report["revisit_rate"] == figures["revisit_rate"]
    # The analytics repeat rate over the same encounters agrees (they are the purchases).
    repeat = gx.json("analytics", "loyalty", "repeat", "--from", "2026-03-01", "--to", "2026-04-30")
    assert (repeat[0]["customers"], repeat[0]["repeaters"]) == (3, 1)
    assert "field 'to'" in gx.fails(
        "hospital", "revisits", "--from", "2026-05-01", "--to", "2026-04-01"
    )

    # The care card (健康关怀卡): patients without an encounter for a year, and only they.
    due = gx.json(
        "marketing", "triggers", "preview", "--on", "2027-05-01", "--trigger", "care_card"
    )
    assert {row["customer"] for row in due} == {1, 2, 3, 4}
    # The patient's 360 view: the edition's section.
    sections = gx.json("customer", "show", "1")["sections"]
    rows = dict(next(s["rows"] for s in sections if s["title"] == "就诊 encounters"))
    assert rows["encounters"] == 2
    assert rows["follow-up due"] == "2026-04-26 (open)"
    assert rows["clubs"] == "糖友俱乐部"


def test_demo_checks_and_shows_in_the_analytics_report(tmp_path: Path) -> None:
    gx = GuanxiCli(tmp_path / "demo")
    gx("init", "--edition", "hospital", "--demo")
    assert "ok" in gx("edition", "check").stdout
    figures = gx.json("hospital", "revisits", "--from", "2025-11-01", "--to", "2026-10-31")
    assert 250 <= figures["patients"] <= 400 and 0.3 < figures["revisit_rate"] < 0.9
    out = tmp_path / "report.html"
    gx("analytics", "report", "--out", str(out), "--from", "2025-11-01", "--to", "2026-10-31")
    html = out.read_text(encoding="utf-8")
    assert "患者关系分析报告" in html  # the edition's title
    assert "复诊率 revisit rate" in html and "患者保持率 patient retention" in html
    assert "城镇职工医保" in html  # profiling by the edition's insurance field
    # The edition's own section, through the analytics_report_sections hook: its figures
    # are those of `hospital revisits` for the same days.
    assert re.findall(r'<h2 class="area" id="[^"]+">([^<]+)</h2>', html)[-1] == "复诊与随访"
    assert (f"复诊率 {figures['revisit_rate']:.1%} ({figures['revisiting_patients']} of "
            f"{figures['patients']} patients came twice or more)") in html
    top = figures["departments"][0]
    assert f"<td>{top['department']}</td>" in html
