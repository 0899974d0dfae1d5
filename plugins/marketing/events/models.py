"""The events area's tables (prefixed ``marketing_``).

An event (贸易展, 研讨会, 义诊 …) is a campaign of type ``event``: the campaign row holds
its name, budget, cost, dates and owner, :class:`MarketingEvent` the details only an
event has. Telemarketing call lists (电话营销) hand customers to agents to phone, one
agent per entry, and keep every attempt with its outcome.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime

EVENT_KINDS = (
    "trade_show",
    "seminar",
    "free_clinic",
    "product_launch",
    "press_conference",
    "holiday_promotion",
)
# registered → confirmed → attended | no_show | cancelled; waitlisted while the event is
# full, promoted to registered when a place frees up.
REGISTRATION_STATUSES = (
    "registered", "confirmed", "waitlisted", "attended", "no_show", "cancelled",
)
# Registrations that hold one of the event's places.
HOLDING_PLACE = ("registered", "confirmed", "attended")

CALL_OUTCOMES = (
    "no_answer",
    "busy",
    "callback",
    "interested",
    "not_interested",
    "wrong_number",
    "do_not_call",
)
# pending: to call (again); callback: the customer asked to be called at next_call_at;
# done: a final outcome; exhausted: max attempts without reaching anyone;
# excluded: the customer withdrew consent after the list was built.
ENTRY_STATUSES = ("pending", "callback", "done", "exhausted", "excluded")
OPEN_ENTRY_STATUSES = ("pending", "callback")


class MarketingEvent(SQLModel, table=True):
    """The event details of an ``event`` campaign: where, when, how many places."""

    __tablename__ = "marketing_event"
    __table_args__ = (Index("ix_marketing_event_starts_at", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    campaign_id: int = Field(foreign_key="marketing_campaign.id", sa_type=BigID, unique=True)
    kind: str = Field(max_length=20)  # one of EVENT_KINDS
    venue: str | None = Field(default=None, max_length=200)
    capacity: int | None = None  # None: no limit
    starts_at: dt.datetime = Field(sa_type=UTCDateTime)
    ends_at: dt.datetime = Field(sa_type=UTCDateTime)
    registration_deadline: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # no-shows marked
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class EventRegistration(SQLModel, table=True):
    """A customer registered for (or walked into) an event, with when each step happened."""

    __tablename__ = "marketing_event_registration"
    __table_args__ = (
        UniqueConstraint("event_id", "customer_id"),
        Index("ix_marketing_event_registration_status", "event_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    event_id: int = Field(foreign_key="marketing_event.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    status: str = Field(max_length=12)  # one of REGISTRATION_STATUSES
    walk_in: bool = False  # checked in without registering first
    registered_at: dt.datetime = Field(sa_type=UTCDateTime)
    confirmed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_in_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    no_show_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    notes: str | None = None  # dietary needs, symptoms for a free clinic, … (personal)


class EventLead(SQLModel, table=True):
    """A new contact met at an event, captured as a lead (the lead lives in the leads area)."""

    __tablename__ = "marketing_event_lead"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    event_id: int = Field(foreign_key="marketing_event.id", sa_type=BigID, index=True)
    lead_id: int = Field(foreign_key="marketing_lead.id", sa_type=BigID, index=True)
    captured_at: dt.datetime = Field(sa_type=UTCDateTime)
    captured_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class CallList(SQLModel, table=True):
    """A telemarketing call list (电话营销): whom to phone, with which script."""

    __tablename__ = "marketing_call_list"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(max_length=200)
    campaign_id: int | None = Field(
        default=None, foreign_key="marketing_campaign.id", sa_type=BigID, index=True
    )
    segment_id: int | None = Field(
        default=None, foreign_key="marketing_segment.id", sa_type=BigID
    )
    script: str | None = None  # what the agents say
    max_attempts: int
    created_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class CallListAgent(SQLModel, table=True):
    """An agent assigned to a call list."""

    __tablename__ = "marketing_call_list_agent"

    call_list_id: int = Field(
        foreign_key="marketing_call_list.id", sa_type=BigID, primary_key=True
    )
    staff_id: int = Field(foreign_key="staff.id", sa_type=BigID, primary_key=True)


class CallEntry(SQLModel, table=True):
    """One customer to phone on a call list, assigned to exactly one agent."""

    __tablename__ = "marketing_call_entry"
    __table_args__ = (
        UniqueConstraint("call_list_id", "customer_id"),
        Index("ix_marketing_call_entry_agent", "agent_id", "status", "next_call_at"),
        Index("ix_marketing_call_entry_status", "call_list_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    call_list_id: int = Field(foreign_key="marketing_call_list.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    agent_id: int = Field(foreign_key="staff.id", sa_type=BigID)
    status: str = Field(default="pending", max_length=12)  # one of ENTRY_STATUSES
    attempts: int = 0
    last_outcome: str | None = Field(default=None, max_length=20)  # one of CALL_OUTCOMES
    last_called_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_call_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    task_id: int | None = Field(default=None, foreign_key="task.id", sa_type=BigID)  # callback


class CallAttempt(SQLModel, table=True):
    """One call made on an entry, with its outcome."""

    __tablename__ = "marketing_call_attempt"
    __table_args__ = (Index("ix_marketing_call_attempt_list", "call_list_id", "agent_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    entry_id: int = Field(foreign_key="marketing_call_entry.id", sa_type=BigID, index=True)
    call_list_id: int = Field(foreign_key="marketing_call_list.id", sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    agent_id: int = Field(foreign_key="staff.id", sa_type=BigID)
    outcome: str = Field(max_length=20)  # one of CALL_OUTCOMES
    called_at: dt.datetime = Field(sa_type=UTCDateTime)
    callback_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: str | None = None  # what was said (personal)


TABLES: tuple[type, ...] = (
    MarketingEvent,
    EventRegistration,
    EventLead,
    CallList,
    CallListAgent,
    CallEntry,
    CallAttempt,
)
