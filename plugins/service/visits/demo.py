"""The visits area's part of the demo data (``guanxi init --demo``).

The care plans have already scheduled visits from the tickets the demo closed and the
assets it handed over (the hook runs while those areas write their part). Here most of
the visits due before the demo's "today" get an outcome (mostly reached and satisfied,
some not reached, a declined one, an issue found), a few stay open and are flagged
overdue by the job, and a handful of manual visits are added: paid maintenance visits
(有偿上门保养) and free courtesy calls. Everything is drawn from ``rng`` only.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff
from guanxi.records import CustomerRecord
from guanxi_service.visits.models import Visit
from guanxi_service.visits.overdue import flag_overdue
from guanxi_service.visits.service import record_outcome, schedule

NOTES = {
    "reached": ("客户表示问题已解决，很满意", "设备运行正常", "感谢回访，暂无其他需求",
                "对维修师傅的态度很满意"),
    "not_reached": ("无人接听", "电话关机", "客户在开会，稍后再联系"),
    "declined": ("客户表示不需要回访",),
    "issue_found": ("客户反映设备偶尔异响", "上次维修后仍有漏油现象"),
}
MANUAL = (
    ("有偿上门保养回访", "visit", True, "300.00"),
    ("季度关怀电话", "phone", False, None),
    ("节前关怀短信", "sms", False, None),
)


def _moment(uow: UnitOfWork, day: dt.date, rng: random.Random) -> dt.datetime:
    """A working-hours moment of ``day`` in the display zone, never after now."""
    at = dt.datetime.combine(day, dt.time(9), tzinfo=uow.app.tz) + dt.timedelta(
        minutes=rng.randrange(0, 8 * 60))
    return min(at.astimezone(dt.UTC), uow.now - dt.timedelta(minutes=5))


def _outcome(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.72:
        return "reached"
    if draw < 0.86:
        return "not_reached"
    if draw < 0.93:
        return "issue_found"
    return "declined"


def _complete_past(uow: UnitOfWork, rng: random.Random) -> None:
    today = uow.today()
    past = list(uow.session.exec(select(Visit).where(
        Visit.status == "scheduled", Visit.due_on < today).order_by(Visit.id)).scalars())
    complaints = 0
    for visit in past:
        recent = (today - visit.due_on).days <= 30
        if visit.status != "scheduled" or (recent and rng.random() < 0.35):
            continue  # cancelled by a decline, or a recent one left for the overdue list
        outcome = _outcome(rng)
        day = min(visit.due_on + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, 4))), today)
        score = rng.choice((3, 4, 4, 5, 5, 5)) if outcome == "reached" else None
        # One complaint from a visit shows the path; the rest are noted only.
        complaint = outcome == "issue_found" and complaints == 0
        try:
            record_outcome(uow, visit.id, outcome, notes=rng.choice(NOTES[outcome]),
                           satisfaction=score, complaint=complaint,
                           next_action="安排技术人员上门检查" if outcome == "issue_found" else None,
                           at=_moment(uow, day, rng))
        except NotImplementedError:  # an installation without the tickets area's service
            record_outcome(uow, visit.id, outcome, notes=rng.choice(NOTES[outcome]),
                           complaint=False, at=_moment(uow, day, rng))
        complaints += complaint
        # Most unanswered calls get through on a later try.
        retry_on = max(visit.due_on, day + dt.timedelta(days=1))
        if visit.status == "scheduled" and retry_on <= today and rng.random() < 0.7:
            record_outcome(uow, visit.id, "reached", notes=rng.choice(NOTES["reached"]),
                           satisfaction=rng.choice((4, 5)), at=_moment(uow, retry_on, rng))


def _manual(uow: UnitOfWork, rng: random.Random, people: list[int], staff: list[int]) -> None:
    today = uow.today()
    for number, customer_id in enumerate(rng.sample(people, min(6, len(people)))):
        title, channel, paid, fee = MANUAL[number % len(MANUAL)]
        visit = schedule(uow, customer_id=customer_id, due_on=today, title=title,
                         channel=channel, paid=paid, fee=fee, assignee=rng.choice(staff))
        # Spread them around today: two already late, the rest in the coming days.
        shift = (-9, -6, 1, 3, 5, 12)[number]
        visit.due_on = visit.planned_on = today + dt.timedelta(days=shift)
        if number == 0:
            uow.session.flush()
            record_outcome(uow, visit.id, "reached", notes="保养完成，客户满意", satisfaction=5,
                           at=_moment(uow, visit.due_on, rng))
    uow.session.flush()


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Outcomes for the scheduled visits, manual visits, overdue ones flagged."""
    people = [c.id for c in customers if c.id is not None]
    staff = list(uow.session.exec(select(Staff.id).where(Staff.is_active.is_(True))
                                  .order_by(Staff.id)).scalars())
    if not people or not staff:
        return
    _manual(uow, rng, people, staff)
    _complete_past(uow, rng)
    flag_overdue(uow)
