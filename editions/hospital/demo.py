"""The hospital edition's part of the demo: what the core's words cannot say.

Patients get their medical fields, an encounter history shaped by their conditions
(chronic patients come back every month or two to the same department, others once or
twice), inpatient stays with their discharges (which schedule the discharge visits, made
and recorded up to the demo's "now"), club members and the club segments, complaint
tickets, and the follow-up reminders of the demo's last day. Every choice comes from
``rng``; times count back from ``uow.now``.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.services.interactions import log_interactions
from guanxi.services.updates import update_customer
from guanxi_editions.hospital.clubs import join_club
from guanxi_editions.hospital.kinds import DISCHARGED, ENCOUNTER
from guanxi_editions.hospital.reminders import send_reminders
from guanxi_editions.hospital.settings import hospital_settings

# Condition → (weight, department, ICD-10 code).
CONDITIONS = {
    "高血压": (0.18, "心内科", "I10"),
    "糖尿病": (0.12, "内分泌科", "E11.9"),
    "冠心病": (0.06, "心内科", "I25.1"),
    "慢阻肺": (0.04, "内科", "J44.9"),
    "骨关节炎": (0.05, "骨科", "M17.9"),
}
ALLERGIES = ["青霉素", "头孢类", "磺胺类", "海鲜", "花粉", "碘造影剂"]
INSURANCE = (["城镇职工医保", "城乡居民医保", "商业保险", "公费医疗", "自费"], [40, 42, 6, 4, 8])
SOURCES = (["门诊", "义诊", "健康讲座", "转诊", "体检", "互联网医院"], [60, 8, 5, 12, 10, 5])
DOCTORS = ["王建国", "李秀英", "张伟", "刘芳", "陈静", "杨勇", "赵敏", "黄磊"]
COMPLAINTS = [
    ("门诊候诊时间过长", "normal"),
    ("住院病房空调噪音大", "low"),
    ("对护士输液操作不满", "high"),
    ("检查报告迟迟未出", "normal"),
    ("医保报销结算有误", "high"),
    ("挂号系统无法预约专家号", "normal"),
]


def _medical_fields(rng: random.Random, index: int) -> dict[str, Any]:
    conditions = [name for name, (weight, _, _) in CONDITIONS.items() if rng.random() < weight]
    fields: dict[str, Any] = {
        "medical_record_no": f"BA{2020000 + index:07d}",
        "insurance_type": rng.choices(*INSURANCE)[0],
        "patient_source": rng.choices(*SOURCES)[0],
        "blood_type": rng.choice(["A", "B", "AB", "O"]),
    }
    if conditions:
        fields["chronic_conditions"] = conditions
        fields["primary_department"] = CONDITIONS[conditions[0]][1]
    if rng.random() < 0.15:
        fields["allergies"] = rng.sample(ALLERGIES, rng.randrange(1, 3))
    return fields


def _encounter_rows(
    uow: UnitOfWork,
    rng: random.Random,
    patient: CustomerRecord,
    custom: dict[str, Any],
    departments: list[str],
) -> list[dict[str, Any]]:
    """One patient's visits over the two years before now; admissions with discharges."""
    now = uow.now
    conditions = custom.get("chronic_conditions", [])
    home = custom.get("primary_department") or rng.choice(departments)
    visits = rng.randrange(5, 14) if conditions else rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]
    moments = sorted(
        now - dt.timedelta(minutes=rng.randrange(730 * 24 * 60)) for _ in range(visits)
    )
    rows: list[dict[str, Any]] = []
    for number, at in enumerate(moments):
        department = home if conditions or rng.random() < 0.5 else rng.choice(departments)
        roll = rng.random()
        setting = "inpatient" if roll < 0.06 else "emergency" if roll < 0.12 else "outpatient"
        code = CONDITIONS[conditions[0]][2] if conditions else None
        payload: dict[str, Any] = {
            "department": "急诊科" if setting == "emergency" else department,
            "doctor": rng.choice(DOCTORS),
            "setting": setting,
            "visit_type": "follow_up" if number and (conditions or rng.random() < 0.4) else "first",
            "icd10": code,
        }
        fee = Decimal(rng.randrange(30, 600))
        if setting == "inpatient":
            payload["ward"] = department
            payload["admitted_on"] = at.astimezone(uow.app.tz).date()
            fee = Decimal(rng.randrange(3000, 30000))
        elif rng.random() < (0.7 if conditions else 0.25):
            payload["follow_up_days"] = rng.choice([7, 14, 30, 60, 90])
        rows.append(
            {
                "customer_id": patient.id,
                "kind": ENCOUNTER,
                "channel": "visit",
                "direction": "inbound",
                "occurred_at": at,
                "revenue": fee,
                "subject": f"{payload['department']}就诊",
                "payload": payload,
            }
        )
    return rows


def _discharges(uow: UnitOfWork, rng: random.Random, logged: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for record in logged:
        if record.payload.get("setting") != "inpatient":
            continue
        stay = rng.randrange(3, 16)
        at = record.occurred_at + dt.timedelta(days=stay, hours=rng.randrange(0, 4))
        if at >= uow.now:
            continue  # still in hospital
        admitted = dt.date.fromisoformat(str(record.payload["admitted_on"]))
        rows.append(
            {
                "customer_id": record.customer_id,
                "kind": DISCHARGED,
                "channel": "visit",
                "direction": "internal",
                "occurred_at": at,
                "subject": f"{record.payload['department']}出院",
                "payload": {
                    "encounter_id": record.id,
                    "department": record.payload["department"],
                    "ward": record.payload.get("ward"),
                    "admitted_on": admitted,
                    "discharged_on": at.astimezone(uow.app.tz).date(),
                    "length_of_stay": (at.astimezone(uow.app.tz).date() - admitted).days,
                    "disposition": "home",
                    "follow_up_days": rng.choice([14, 30]),
                },
            }
        )
    return rows


def _record_discharge_visits(uow: UnitOfWork, rng: random.Random) -> None:
    """The discharge calls due before the demo's last days were made; a few found issues."""
    from guanxi_service.visits.models import OPEN_STATUSES, Visit
    from guanxi_service.visits.service import record_outcome

    today = uow.now.astimezone(uow.app.tz).date()
    due = uow.session.scalars(
        select(Visit)
        .where(Visit.plan == "discharge", Visit.due_on < today - dt.timedelta(days=2))
        .order_by(Visit.id)
    ).all()
    for visit in due:
        # A declined call cancels the later steps of its run: skip what is no longer open.
        if (
            uow.session.scalar(select(Visit.status).where(Visit.id == visit.id))
            not in OPEN_STATUSES
        ):
            continue
        outcome = rng.choices(["reached", "not_reached", "declined"], [85, 10, 5])[0]
        at = dt.datetime.combine(visit.due_on, dt.time(10), uow.app.tz)
        record_outcome(
            uow,
            visit.id,
            outcome,
            at=at,
            complaint=False,
            satisfaction=rng.choices([5, 4, 3, 2], [50, 35, 10, 5])[0]
            if outcome == "reached"
            else None,
            notes="恢复良好，按医嘱服药" if outcome == "reached" else None,
        )


def _complaints(uow: UnitOfWork, rng: random.Random, patients: list[CustomerRecord]) -> None:
    from guanxi_service.tickets.service import change_status, open_ticket

    for patient in rng.sample(patients, min(24, len(patients))):
        subject, priority = rng.choice(COMPLAINTS)
        opened = uow.now - dt.timedelta(days=rng.randrange(1, 300), hours=rng.randrange(0, 8))
        ticket = open_ticket(
            uow,
            customer_id=patient.id,
            type="complaint",
            channel=rng.choice(["phone", "wechat"]),
            subject=subject,
            priority=priority,
            opened_at=opened,
            team_id="患者服务中心",
        )
        if opened < uow.now - dt.timedelta(days=10):
            change_status(uow, ticket.id, "resolved", resolution="已向患者解释并致歉，问题已整改")


TALKS = ["糖尿病饮食与运动", "胰岛素的正确使用", "血糖自我监测", "糖尿病足的预防"]


def _clock(uow: UnitOfWork, when: dt.datetime) -> UnitOfWork:
    """The same transaction with its clock at ``when``: the talks happen over a year."""
    return UnitOfWork(uow.app, uow.session, principal=uow.principal, now=when)


def _club_talks(uow: UnitOfWork, rng: random.Random, members: list[int]) -> None:
    """A quarterly 健康讲座 series of the diabetes club: members register, most come."""
    from guanxi_marketing.events.events import create_event
    from guanxi_marketing.events.registrations import check_in, close_event, register

    if not members:
        return
    today = uow.now.astimezone(uow.app.tz).date()
    for number, title in enumerate(TALKS):
        day = today - dt.timedelta(days=330 - 90 * number)
        starts = dt.datetime.combine(day, dt.time(14, 30), uow.app.tz)
        ends = starts + dt.timedelta(hours=2)
        event = create_event(
            _clock(uow, starts - dt.timedelta(days=14)),
            name=f"糖友俱乐部健康讲座：{title}",
            kind="seminar",
            starts_at=starts,
            ends_at=ends,
            venue="门诊楼三楼多功能厅",
            capacity=60,
            budget="1500",
        )
        audience = rng.sample(members, max(1, len(members) * 2 // 3))
        for index, customer_id in enumerate(audience):
            signing_up = _clock(uow, starts - dt.timedelta(days=7, hours=index))
            register(signing_up, event.id, customer_id, notes="糖友俱乐部会员")
        for customer_id in audience:
            if rng.random() < 0.75:
                check_in(_clock(uow, starts + dt.timedelta(minutes=10)), event.id, customer_id)
        close_event(_clock(uow, ends + dt.timedelta(hours=1)), event.id)


def _club_segments(uow: UnitOfWork) -> None:
    from guanxi_marketing.segments.service import create_segment

    for club in hospital_settings(uow.app).clubs.values():
        create_segment(
            uow, name=club.label, expression=f'has tag "{club.label}"', description=club.description
        )
    create_segment(
        uow,
        name="慢病患者",
        expression="chronic_conditions is not null",
        description="有慢性病记录的患者（随访和健康讲座的对象）",
    )


def hospital_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Add the hospital's part of the demo (see the module)."""
    settings = hospital_settings(uow.app)
    patients = [c for c in customers if c.kind == "person"]
    departments = [d for d in settings.departments if d not in ("急诊科", "体检中心")]
    rows: list[dict[str, Any]] = []
    diabetes_club: list[int] = []
    for index, patient in enumerate(patients):
        custom = _medical_fields(rng, index)
        update_customer(uow, patient.id, {"custom": custom})
        rows.extend(_encounter_rows(uow, rng, patient, custom, departments))
        conditions = custom.get("chronic_conditions", [])
        for key, club in settings.clubs.items():
            if club.condition in conditions and rng.random() < 0.6:
                join_club(uow, patient.id, key)
                if key == "diabetes":
                    diabetes_club.append(patient.id)
    rows.sort(key=lambda r: r["occurred_at"])
    logged = []
    for start in range(0, len(rows), 2000):
        logged.extend(log_interactions(uow, rows[start : start + 2000]))
    log_interactions(uow, sorted(_discharges(uow, rng, logged), key=lambda r: r["occurred_at"]))
    _record_discharge_visits(uow, rng)
    _complaints(uow, rng, patients)
    _club_segments(uow)
    _club_talks(uow, rng, diabetes_club)
    send_reminders(uow, uow.now)
