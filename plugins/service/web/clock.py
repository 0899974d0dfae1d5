"""SLA clocks as the API and the console show them: deadlines, time left, a colour.

The deadlines are the ones the SLA area keeps on the ticket (:func:`apply_sla`); this
module only reads them against ``now``. A target is *late* once breached or past its
deadline, *warn* when less than a quarter of its span (from its start to its deadline,
in wall-clock time) is left, else *ok*; a ticket waiting on the customer is *paused*,
one without a policy or already settled has no running clock (*none*).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.access.enforce import ACCESS_CHECKED
from guanxi.app import UnitOfWork
from guanxi_service.sla.models import SlaClock
from guanxi_service.tickets.models import OPEN_STATUSES, Ticket

WARN_SHARE = 0.25  # "warn" when less than this share of a target's span is left


@dataclass(frozen=True)
class Clock:
    """One deadline seen at ``now``: ``level`` is ok, warn, late, paused or none."""

    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    remaining_seconds: int | None
    level: str


NO_CLOCK = Clock(None, None, None, "none")
PAUSED = Clock(None, None, None, "paused")


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware UTC instant (SQLite hands back what was stored; make sure)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def clock_of(due: dt.datetime | None, start: dt.datetime | None, now: dt.datetime, *,
             breached: bool = False) -> Clock:
    """The clock of a deadline ``due`` that started running at ``start``."""
    due, start = utc(due), utc(start)
    if due is None:
        return NO_CLOCK
    span = (due - start) if start is not None and start < due else dt.timedelta(0)
    warn_at = due - span * WARN_SHARE
    left = due - now
    if breached or left.total_seconds() <= 0:
        level = "late"
    elif now >= warn_at:
        level = "warn"
    else:
        level = "ok"
    return Clock(due, warn_at, int(left.total_seconds()), level)


def resolution_starts(uow: UnitOfWork, tickets: Iterable[Ticket]) -> dict[int, dt.datetime]:
    """When the resolution clock of each ticket (re)started (a reopen restarts it).

    The tickets were found through the record policies already, so their clock rows
    are read without them (an assignee may not see the customer the clock names).
    """
    ids = [t.id for t in tickets if t.id is not None and t.sla_policy is not None]
    if not ids:
        return {}
    query = select(SlaClock.ticket_id, SlaClock.resolution_started_at).where(
        SlaClock.ticket_id.in_(ids))  # type: ignore[attr-defined]
    rows = uow.session.execute(query, execution_options=ACCESS_CHECKED).all()
    return {ticket_id: started for ticket_id, started in rows}


def first_response_clock(ticket: Ticket, now: dt.datetime) -> Clock:
    """The first-response target: running until the first public reply."""
    if ticket.first_responded_at is not None:
        return NO_CLOCK
    if ticket.status == "pending" and ticket.first_response_due_at is not None:
        return PAUSED
    if ticket.status not in OPEN_STATUSES:
        return NO_CLOCK
    return clock_of(ticket.first_response_due_at, ticket.opened_at, now,
                    breached=ticket.first_response_breached)


def resolution_clock(ticket: Ticket, started: dt.datetime | None, now: dt.datetime) -> Clock:
    """The resolution target: running until the ticket is resolved."""
    if ticket.status == "pending" and ticket.resolution_due_at is not None:
        return PAUSED
    if ticket.status not in OPEN_STATUSES:
        return NO_CLOCK
    return clock_of(ticket.resolution_due_at, started or ticket.opened_at, now,
                    breached=ticket.resolution_breached)


def next_clock(ticket: Ticket, started: dt.datetime | None, now: dt.datetime) -> Clock:
    """The clock of the next deadline that matters (``sla_due_at``), as queues show it."""
    if ticket.status == "pending" and ticket.sla_policy is not None:
        return PAUSED
    if ticket.status not in OPEN_STATUSES or ticket.sla_due_at is None:
        return NO_CLOCK
    due = utc(ticket.sla_due_at)
    if ticket.first_responded_at is None and due == utc(ticket.first_response_due_at):
        return first_response_clock(ticket, now)
    return resolution_clock(ticket, started, now)
