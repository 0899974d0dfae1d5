"""The events area's part of the demo data: a free clinic (义诊) and a seminar that took
place, with registrations, attendance, no-shows and captured leads, and a telemarketing
call list with some calls made. Everything is drawn from the given ``rng`` only."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff, StaffRole
from guanxi.records import CustomerRecord
from guanxi_marketing.campaigns.service import add_cost, create_campaign
from guanxi_marketing.events.call_outcomes import log_call
from guanxi_marketing.events.calls import create_call_list
from guanxi_marketing.events.capture import capture_contacts
from guanxi_marketing.events.events import create_event
from guanxi_marketing.events.models import CallEntry
from guanxi_marketing.events.registrations import check_in, close_event, confirm, register

DEMO_OUTCOMES = ("no_answer", "busy", "interested", "not_interested", "callback", "no_answer")
DEMO_CONTACTS = (
    {"name": "周立新", "company": "远航物流", "phone": "13912345601", "interest": "体检套餐"},
    {"name": "孙悦", "company": "天成科技", "email": "sun.yue@tiancheng.example",
     "interest": "企业健康讲座"},
)


def _local(uow: UnitOfWork, days_ago: int, hour: int) -> dt.datetime:
    day = uow.now.astimezone(uow.app.tz).date() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=uow.app.tz).astimezone(dt.UTC)


def _at(uow: UnitOfWork, when: dt.datetime) -> UnitOfWork:
    """The same transaction with its clock set to ``when`` (the demo happens over weeks)."""
    return UnitOfWork(uow.app, uow.session, principal=uow.principal, now=when)


def _past_event(uow: UnitOfWork, rng: random.Random, people: list[int], *, name: str,
                kind: str, days_ago: int, capacity: int, cost: str) -> int:
    """An event that took place: registrations, confirmations, check-ins, no-shows."""
    starts = _local(uow, days_ago, 9)
    ends = starts + dt.timedelta(hours=4)
    planning = _at(uow, starts - dt.timedelta(days=10))
    event = create_event(planning, name=name, kind=kind, starts_at=starts, ends_at=ends,
                         venue="社区活动中心", capacity=capacity, budget=cost)
    add_cost(planning, event.campaign_id, cost, note="场地与物料")
    for index, customer_id in enumerate(people):
        signing_up = _at(uow, starts - dt.timedelta(days=9 - index % 7, hours=index))
        registration = register(signing_up, event.id, customer_id)
        if rng.random() < 0.5 and registration.status == "registered":
            confirm(_at(uow, starts - dt.timedelta(days=1)), event.id, customer_id)
    for index, customer_id in enumerate(people):
        if rng.random() < 0.7:
            check_in(_at(uow, starts + dt.timedelta(minutes=5 * index)), event.id, customer_id)
    close_event(_at(uow, ends + dt.timedelta(hours=1)), event.id)
    return event.id  # type: ignore[return-value]


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Two past events and a call list (see the module's notes)."""
    people = [c.id for c in customers if c.kind == "person" and c.primary_phone and c.id]
    if len(people) < 12:
        return
    chosen = rng.sample(people, 24 if len(people) >= 24 else len(people))
    clinic_people, seminar_people = chosen[: len(chosen) // 2], chosen[len(chosen) // 2 :]
    _past_event(uow, rng, clinic_people, name="社区义诊 (free clinic)", kind="free_clinic",
                days_ago=14, capacity=len(clinic_people) + 5, cost="3000")
    seminar = _past_event(uow, rng, seminar_people, name="健康管理研讨会", kind="seminar",
                          days_ago=7, capacity=len(seminar_people) - 2, cost="8000")
    capture_contacts(uow, seminar, list(DEMO_CONTACTS))
    _call_list(uow, rng, people)


def _call_list(uow: UnitOfWork, rng: random.Random, people: list[int]) -> None:
    agents = uow.session.exec(select(Staff.username).join(
        StaffRole, StaffRole.staff_id == Staff.id).where(StaffRole.role == "agent")
        .order_by(Staff.id)).scalars().all()
    if not agents:
        return
    campaign = create_campaign(uow, name="老客户回访 (telemarketing)", type="telemarketing")
    built = create_call_list(
        uow, name="老客户回访", agents=agents[:3], customer_ids=rng.sample(people, 15),
        campaign=campaign.id, script="您好，我是关系公司的客服，想了解一下您对我们服务的意见。")
    entries = uow.session.exec(select(CallEntry).where(
        CallEntry.call_list_id == built.call_list.id).order_by(CallEntry.id)).scalars().all()
    for entry in entries[:8]:
        outcome = rng.choice(DEMO_OUTCOMES)
        callback = uow.now + dt.timedelta(days=1) if outcome == "callback" else None
        log_call(uow, entry.id, outcome, callback_at=callback)  # type: ignore[arg-type]
