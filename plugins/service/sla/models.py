"""The sla area's table: the part of a ticket's SLA clock that the ticket row does not hold.

The deadlines, flags and state are columns of :class:`~guanxi_service.tickets.models.Ticket`
(the queue and the reports read them there). What only the clock needs lives here, one
row per ticket that has a policy: when to warn for each target (business time, so one
instant per ticket, not a window the job could compute in SQL), when the resolution
clock (re)started, and ``check_at``, the next instant the SLA job has something to do for
the ticket, which is how the job finds its work with one indexed range.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime


class SlaClock(SQLModel, table=True):
    """The SLA job's schedule for one ticket."""

    __tablename__ = "service_sla_clock"

    ticket_id: int = Field(foreign_key="service_ticket.id", primary_key=True, sa_type=BigID)
    # Denormalised from the ticket so access control and erasure need no join.
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    # The resolution clock runs from here (opened_at; a reopen restarts it) and excludes
    # the ticket's paused time beyond resolution_paused_base seconds.
    resolution_started_at: dt.datetime = Field(sa_type=UTCDateTime)
    resolution_paused_base: int = 0
    # When to warn for each target (None: no warning due: none set, sent, or moot).
    first_response_warn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_warn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_warned_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_warned_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The first breach of the current cycle, and when the next escalation level is due.
    breached_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_escalation_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The next instant the job must look at this ticket (None: nothing scheduled).
    check_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


TABLES = (SlaClock,)
