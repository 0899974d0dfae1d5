"""The tickets area's tables: tickets (服务请求) and their history.

The SLA columns of :class:`Ticket` are kept by the SLA area (:func:`guanxi_service.sla.apply_sla`,
called by the tickets service after every change) and read by the queue, the SLA job and
the compliance report; they live on the ticket so a queue sorted by deadline and the job
over a million tickets are each one indexed query.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime

TICKET_TYPES = ("inquiry", "complaint", "repair", "order_request", "return_exchange",
                "warranty_claim")
CHANNELS = ("phone", "email", "web", "fax", "visit", "sms", "wechat", "letter", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
# new → open ⇄ pending (waiting on the customer: the SLA clock stops) / on_hold (waiting on
# us or a third party: it runs) → resolved → closed; resolved and closed may be reopened.
STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending", "on_hold")
# What the warranty check found for a ticket on an asset (None: no asset).
WARRANTY_STATUSES = ("in_warranty", "expired", "none")


class Ticket(SQLModel, table=True):
    """A service request (服务请求) from a customer, through one channel."""

    __tablename__ = "service_ticket"
    __table_args__ = (
        UniqueConstraint("number", name="uq_service_ticket_number"),
        # The team queue: open tickets of a team by SLA deadline, first page.
        Index("ix_service_ticket_queue", "team_id", "status", "sla_due_at"),
        # The SLA job: running clocks by deadline.
        Index("ix_service_ticket_sla", "sla_state", "sla_due_at"),
        Index("ix_service_ticket_customer", "customer_id", "opened_at"),
        Index("ix_service_ticket_assignee", "assignee_id", "status"),
        Index("ix_service_ticket_asset", "asset_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    number: str = Field(max_length=20)  # "SR-000123", for people and email subjects
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    type: str = Field(max_length=20)  # one of TICKET_TYPES
    channel: str = Field(max_length=10)  # one of CHANNELS: how it came in
    priority: str = Field(default="normal", max_length=10)  # one of PRIORITIES
    status: str = Field(default="new", max_length=10)  # one of STATUSES
    subject: str = Field(max_length=200)
    description: str | None = None
    resolution: str | None = None  # required to resolve or close
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    team_id: int | None = Field(default=None, foreign_key="team.id", sa_type=BigID)
    asset_id: int | None = Field(default=None, foreign_key="service_asset.id", sa_type=BigID)
    warranty_status: str | None = Field(default=None, max_length=12)  # WARRANTY_STATUSES
    # A complaint raised from a poor survey answer or a follow-up names its origin.
    parent_id: int | None = Field(default=None, foreign_key="service_ticket.id", sa_type=BigID)
    opened_at: dt.datetime = Field(sa_type=UTCDateTime)
    resolved_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopened_count: int = 0
    # --- SLA (kept by guanxi_service.sla) ---
    sla_policy: str | None = Field(default=None, max_length=80)
    first_response_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_responded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The next deadline that matters (first response, else resolution); None while the
    # clock is paused or stopped.
    sla_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_paused_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_paused_seconds: int = 0  # business seconds spent paused, in total
    # none (no policy) | running | warned | breached | paused | met | missed
    sla_state: str = Field(default="none", max_length=10)
    escalation_level: int = 0  # 0: not escalated; 1: team lead; 2: the lead's lead…
    first_response_breached: bool = False
    resolution_breached: bool = False
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class TicketEvent(SQLModel, table=True):
    """One entry of a ticket's history: a change, a reply, an internal note, an SLA event.

    ``kind`` is ``created``, ``status``, ``assigned``, ``priority``, ``type``, ``reply``
    (to the customer), ``customer_reply``, ``note`` (internal), ``sla_warning``,
    ``sla_breach``, ``escalated``, ``article_linked``, ``survey``…; ``public`` marks what
    the customer may see. Append-only like the interaction log.
    """

    __tablename__ = "service_ticket_event"
    __table_args__ = (Index("ix_service_ticket_event_ticket", "ticket_id", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    ticket_id: int = Field(foreign_key="service_ticket.id", sa_type=BigID)
    # Denormalised from the ticket so access control and erasure need no join.
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    kind: str = Field(max_length=20)
    from_value: str | None = Field(default=None, max_length=80)
    to_value: str | None = Field(default=None, max_length=80)
    body: str | None = None
    public: bool = False


TABLES = (Ticket, TicketEvent)
