"""The visits area's table: return visits (回访), scheduled by a care plan or by hand.

A care plan (settings ``[service.visits.plans]``) turns one trigger interaction (a ticket
closed, an asset handed over, a patient discharged…) into one visit per step of its
interval plan; the unique key on plan + trigger interaction + step makes scheduling
idempotent. The assets area reads ``asset_id`` for an asset's service history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, Money, UTCDateTime

# scheduled → done | cancelled; scheduled → overdue (the daily job) → done | cancelled.
# A rescheduled overdue visit is scheduled again.
VISIT_STATUSES = ("scheduled", "overdue", "done", "cancelled")
OPEN_STATUSES = ("scheduled", "overdue")
# reached: talked to the customer, nothing to follow up; issue_found: reached, and a
# problem to act on (may open a complaint ticket); declined: reached, would not talk;
# not_reached: no answer, nobody home (retried while the plan allows more attempts).
OUTCOMES = ("reached", "not_reached", "declined", "issue_found")
REACHED_OUTCOMES = ("reached", "declined", "issue_found")


class Visit(SQLModel, table=True):
    """One return visit (回访) of a customer: when it is due, who makes it, what came of it.

    ``due_on`` is a calendar date in the edition's display time zone; ``planned_on`` the
    date the plan first gave it (rescheduling moves ``due_on`` only). ``plan`` and
    ``step`` (1-based) name the care plan step; a manual visit has step 0 and may name a
    plan for its channel, fee and script. ``trigger_id`` is the interaction that
    scheduled it.
    """

    __tablename__ = "service_visit"
    __table_args__ = (
        UniqueConstraint("plan", "trigger_id", "step", name="uq_service_visit_trigger"),
        # The due and overdue lists, and the daily job: open visits by date.
        Index("ix_service_visit_status_due", "status", "due_on"),
        Index("ix_service_visit_assignee", "assignee_id", "status", "due_on"),
        Index("ix_service_visit_customer", "customer_id", "due_on"),
        Index("ix_service_visit_asset", "asset_id"),
        Index("ix_service_visit_ticket", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    plan: str | None = Field(default=None, max_length=80)
    step: int = 0
    offset_days: int | None = None
    trigger_id: int | None = Field(default=None, sa_type=BigID)  # an interaction id
    trigger_kind: str | None = Field(default=None, max_length=80)
    asset_id: int | None = Field(default=None, foreign_key="service_asset.id", sa_type=BigID)
    ticket_id: int | None = Field(default=None, foreign_key="service_ticket.id", sa_type=BigID)
    title: str = Field(max_length=200)
    channel: str = Field(max_length=20)
    paid: bool = False  # 有偿 (paid) or 免费 (free) service
    fee: Decimal = Field(default=Decimal("0"), sa_type=Money)
    planned_on: dt.date
    due_on: dt.date
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    status: str = Field(default="scheduled", max_length=10)  # one of VISIT_STATUSES
    attempts: int = 0  # recorded tries (a not-reached call counts)
    outcome: str | None = Field(default=None, max_length=12)  # one of OUTCOMES
    satisfaction: int | None = None  # 1–5, when the customer gave one
    notes: str | None = None  # what was said (free text about the person)
    next_action: str | None = None
    cancel_reason: str | None = None
    done_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    overdue_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # first flagged
    task_id: int | None = Field(default=None, foreign_key="task.id", sa_type=BigID)
    complaint_id: int | None = Field(
        default=None, foreign_key="service_ticket.id", sa_type=BigID)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES: tuple[type, ...] = (Visit,)
