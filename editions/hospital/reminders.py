"""复诊提醒: the daily job that turns due follow-ups into tasks and messages.

A doctor advises a follow-up on an encounter or at discharge (``follow_up_days``). From
``reminder_lead_days`` before that date until ``reminder_late_days`` after it, a patient
who has not come back since gets one reminder: a task for whoever logged the advice (else
the patient's owner) and, with the patient's consent to service messages on the channel,
the message rendered from ``hospital/<channel>/follow_up_reminder.txt``. Each reminder is
logged as ``hospital.follow_up_reminder`` naming the advice, which is what makes a second
run remind nobody twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Interaction
from guanxi.privacy import consents
from guanxi.services.interactions import log_interactions
from guanxi.services.lookup import get_customer
from guanxi.services.tasks import create_task
from guanxi_editions.hospital.kinds import DISCHARGED, ENCOUNTER, REMINDER
from guanxi_editions.hospital.settings import hospital_settings


@dataclass(frozen=True)
class DueFollowUp:
    """An advised follow-up the patient has not kept yet."""

    advice_id: int
    customer_id: int
    department: str
    due_on: dt.date
    advised_at: dt.datetime
    actor_id: int | None


def local_day(uow: UnitOfWork, at: dt.datetime) -> dt.date:
    """The calendar day of ``at`` in the edition's time zone."""
    return at.astimezone(uow.app.tz).date()


def due_follow_ups(uow: UnitOfWork, today: dt.date) -> list[DueFollowUp]:
    """Follow-ups due within the reminder window of ``today``, not kept, not reminded."""
    settings = hospital_settings(uow.app)
    # Advice older than a year plus the window cannot be due: bound the scan by time.
    since = dt.datetime.combine(
        today - dt.timedelta(days=365 + settings.reminder_late_days), dt.time(), uow.app.tz
    )
    advice = uow.session.execute(
        select(Interaction).where(
            Interaction.kind.in_([ENCOUNTER, DISCHARGED]),
            Interaction.occurred_at >= since,
            Interaction.corrects_id.is_(None),
        )
    ).scalars()
    candidates = []
    for row in advice:
        days = row.payload.get("follow_up_days")
        if not days:
            continue
        due_on = local_day(uow, row.occurred_at) + dt.timedelta(days=int(days))
        if due_on - dt.timedelta(days=settings.reminder_lead_days) <= today and (
            today <= due_on + dt.timedelta(days=settings.reminder_late_days)
        ):
            candidates.append(
                DueFollowUp(
                    row.id,
                    row.customer_id,
                    row.payload["department"],
                    due_on,
                    row.occurred_at,
                    row.actor_id,
                )
            )
    if not candidates:
        return []
    patients = {c.customer_id for c in candidates}
    reminded = {
        payload.get("advised_by")
        for payload in uow.session.scalars(
            select(Interaction.payload).where(
                Interaction.kind == REMINDER, Interaction.customer_id.in_(patients)
            )
        )
    }
    last_visit = dict(
        uow.session.execute(
            select(Interaction.customer_id, Interaction.occurred_at)
            .where(Interaction.kind == ENCOUNTER, Interaction.customer_id.in_(patients))
            .order_by(Interaction.occurred_at)
        ).all()
    )
    return [
        c
        for c in candidates
        if c.advice_id not in reminded
        and not (c.customer_id in last_visit and last_visit[c.customer_id] > c.advised_at)
    ]


def send_reminders(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The job ``hospital.follow_up_reminders``: remind every due follow-up of the day."""
    settings = hospital_settings(uow.app)
    # A run that catches up a missed one (the machine was off) reminds for the day it
    # actually runs: the window already keeps the days it missed.
    today = local_day(uow, max(due_at, uow.now))
    due = due_follow_ups(uow, today)
    allowed = (
        consents(
            uow,
            sorted({d.customer_id for d in due}),
            purpose="service",
            channel=settings.reminder_channel,
        )
        if due
        else {}
    )
    rows = []
    sent = 0
    for follow_up in due:
        patient = get_customer(uow, follow_up.customer_id)
        title = f"复诊提醒：{follow_up.department}（应于 {follow_up.due_on} 复诊）"
        task = create_task(
            uow,
            customer_id=follow_up.customer_id,
            title=title,
            assignee=follow_up.actor_id or patient.owner_id,
            due_at=dt.datetime.combine(min(today, follow_up.due_on), dt.time(17), uow.app.tz),
            priority="high",
            source="hospital.follow_up_reminders",
        )
        message = None
        if allowed.get(follow_up.customer_id):
            message = uow.app.render(
                f"hospital/{settings.reminder_channel}/follow_up_reminder.txt",
                name=patient.name,
                department=follow_up.department,
                due_on=follow_up.due_on,
            ).strip()
            sent += 1
        rows.append(
            {
                "customer_id": follow_up.customer_id,
                "kind": REMINDER,
                "channel": settings.reminder_channel,
                "direction": "outbound",
                "occurred_at": due_at,
                "subject": title,
                "payload": {
                    "advised_by": follow_up.advice_id,
                    "department": follow_up.department,
                    "due_on": follow_up.due_on,
                    "task_id": task.id,
                    "sent": message is not None,
                    "reason": None if message else "no consent",
                    "message": message,
                },
            }
        )
    if rows:
        log_interactions(uow, rows)
    return f"{len(rows)} follow-up reminders, {sent} messages"
