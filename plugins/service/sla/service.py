"""The SLA clock of a ticket (contract used by the tickets area).

:func:`apply_sla` recomputes a ticket's SLA columns from its current state each time the
tickets service changes it, rather than reacting to "what changed": the same call serves
opening, a status change, a priority or type change, the first public reply and a reopen,
and calling it twice changes nothing. The rules:

* **Policy**: the first policy of the settings whose types, priorities and tiers match
  (an empty list matches anything); none matching means no SLA (state ``none``).
* **Targets**: first response due = opening + the first-response target, resolution due
  = start of the resolution clock + the resolution target, in business time of the
  policy's calendar, each shifted by the business time the ticket spent paused. A
  priority or type change therefore re-targets from ``opened_at``.
* **Pause**: ``pending`` (waiting on the customer) stops the clock: ``sla_paused_at`` is
  set and ``sla_due_at`` cleared; leaving ``pending`` adds the paused business time to
  ``sla_paused_seconds``, which moves the deadlines that are still open.
* **First response**: the first public reply (``first_responded_at``, set by the tickets
  area) stops the first-response target; it is then frozen, as it is once breached.
* **Stop**: ``resolved`` or ``closed`` stops the clock; a target whose deadline passed
  before the reply (first response) or the stop (resolution) is breached, and the state
  is ``met`` if none was, else ``missed``. Resolving without a public reply fulfils the
  first-response target (a reply was not needed).
* **Reopen**: a reopened ticket (open again after ``met``/``missed``) gets a fresh
  resolution target from the moment of the reopen; the first-response outcome stays.
  The resolution flag, the warnings and the escalation level start again for the new
  cycle (the earlier breach stays in the ticket's history and the breach counts).
* ``sla_due_at`` is the earliest deadline not yet met, breached ones included, so a
  queue sorted by it shows breached tickets first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import select

from guanxi.access.enforce import ACCESS_CHECKED
from guanxi.app import UnitOfWork
from guanxi.models import Customer
from guanxi_service.sla.calendar import Calendar, calendar_named
from guanxi_service.sla.models import SlaClock
from guanxi_service.sla.settings import PolicySettings, SlaSettings
from guanxi_service.tickets.models import Ticket

STOPPED = ("resolved", "closed")
FINAL = ("met", "missed")


def sla_settings(uow: UnitOfWork) -> SlaSettings:
    """The ``[service.sla]`` settings of the application."""
    return uow.app.settings_for("service").sla


def calendar_of(uow: UnitOfWork, name: str) -> Calendar:
    """A calendar of the settings by name (``24x7`` included)."""
    return calendar_named(sla_settings(uow), uow.app.settings.timezone, name)


def match_policy(
    settings: SlaSettings, *, type: str, priority: str, tier: str | None
) -> PolicySettings | None:
    """The first policy matching a ticket's type, priority and the customer's tier."""
    for policy in settings.policies:
        if policy.types and type not in policy.types:
            continue
        if policy.priorities and priority not in policy.priorities:
            continue
        if policy.tiers and tier not in policy.tiers:
            continue
        return policy
    return None


def customer_tier(uow: UnitOfWork, customer_id: int) -> str | None:
    """The customer's tier: the custom field named by ``tier_field``, as text."""
    field = sla_settings(uow).tier_field
    # Keyed by a ticket the principal may work (an assignee may not see its customer).
    custom = uow.session.exec(select(Customer.custom).where(Customer.id == customer_id),
                              execution_options=ACCESS_CHECKED).first()
    value = (custom or {}).get(field)
    return None if value is None else str(value)


@dataclass(frozen=True)
class Targets:
    """A ticket's deadlines and warning instants under its policy."""

    first_response_due: dt.datetime | None
    first_response_warn: dt.datetime | None
    resolution_due: dt.datetime | None
    resolution_warn: dt.datetime | None


def warn_offset(settings: SlaSettings, target_minutes: int) -> dt.timedelta | None:
    """Business time from the start of a target to its warning (None: no warnings)."""
    if settings.warn_at_percent is not None:
        return dt.timedelta(minutes=target_minutes * settings.warn_at_percent / 100)
    if settings.warn_before_minutes is not None:
        return dt.timedelta(minutes=max(target_minutes - settings.warn_before_minutes, 0))
    return None


def _target(
    calendar: Calendar, settings: SlaSettings, start: dt.datetime, minutes: int,
    paused: dt.timedelta,
) -> tuple[dt.datetime, dt.datetime | None]:
    due = calendar.add(start, dt.timedelta(minutes=minutes) + paused)
    offset = warn_offset(settings, minutes)
    warn = None if offset is None else calendar.add(start, offset + paused)
    return due, warn


def compute_targets(
    ticket: Ticket, clock: SlaClock, policy: PolicySettings, calendar: Calendar,
    settings: SlaSettings,
) -> Targets:
    """Deadlines and warnings of the targets still running; settled ones are kept."""
    fr_due, fr_warn = ticket.first_response_due_at, None
    if policy.first_response_minutes is None:
        fr_due = None
    elif ticket.first_responded_at is None and not ticket.first_response_breached:
        paused = dt.timedelta(seconds=ticket.sla_paused_seconds)
        fr_due, fr_warn = _target(calendar, settings, ticket.opened_at,
                                  policy.first_response_minutes, paused)
    res_due, res_warn = ticket.resolution_due_at, None
    if policy.resolution_minutes is None:
        res_due = None
    elif not ticket.resolution_breached:
        paused = dt.timedelta(seconds=ticket.sla_paused_seconds - clock.resolution_paused_base)
        res_due, res_warn = _target(calendar, settings, clock.resolution_started_at,
                                    policy.resolution_minutes, paused)
    return Targets(fr_due, fr_warn, res_due, res_warn)


def _earliest(*values: dt.datetime | None) -> dt.datetime | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _rearm(
    old_due: dt.datetime | None, new_due: dt.datetime | None, warn: dt.datetime | None,
    warn_at: dt.datetime | None, warned_at: dt.datetime | None, now: dt.datetime,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The warning of a target after its deadline was recomputed: ``(warn_at, warned_at)``.

    An unchanged deadline keeps its warning as it was (sent or pending). A moved one is
    warned again only if its new warning instant lies ahead; one already warned whose new
    warning instant has passed too (a pause shifted it a little) is not warned twice.
    """
    if new_due is None or warn is None:
        return None, warned_at
    if old_due == new_due:
        return warn_at, warned_at
    if warned_at is None or warn > now:
        return warn, None
    return None, warned_at


def apply_sla(uow: UnitOfWork, ticket: Ticket) -> None:
    """Bring the SLA columns of ``ticket`` up to date with its current state at ``uow.now``.

    The tickets service calls this after every change it makes (opened, status, priority,
    type, team, first public reply, reopened), with the ticket already changed.
    """
    settings = sla_settings(uow)
    if not settings.enabled:
        return
    if ticket.id is None:
        uow.session.flush()
    assert ticket.id is not None
    now = uow.now
    clock = uow.session.get(SlaClock, ticket.id, execution_options=ACCESS_CHECKED)
    tier = customer_tier(uow, ticket.customer_id) if any(
        policy.tiers for policy in settings.policies) else None
    policy = match_policy(settings, type=ticket.type, priority=ticket.priority, tier=tier)
    if policy is None:
        _clear(uow, ticket, clock)
        return
    stopped = ticket.status in STOPPED
    if stopped and ticket.sla_state in FINAL:
        return  # resolved, then closed: the outcome was settled at the first stop
    calendar = calendar_of(uow, policy.calendar)
    if clock is None:
        clock = SlaClock(ticket_id=ticket.id, customer_id=ticket.customer_id,
                         resolution_started_at=ticket.opened_at)
        uow.session.add(clock)
    # Leaving pending: the paused business time moves the open deadlines.
    if ticket.sla_paused_at is not None and ticket.status != "pending":
        paused = calendar.between(ticket.sla_paused_at, now)
        ticket.sla_paused_seconds += int(paused.total_seconds())
        ticket.sla_paused_at = None
    if not stopped and ticket.sla_state in FINAL:
        _restart_resolution(ticket, clock, now)
    ticket.sla_policy = policy.name
    targets = compute_targets(ticket, clock, policy, calendar, settings)
    clock.first_response_warn_at, clock.first_response_warned_at = _rearm(
        ticket.first_response_due_at, targets.first_response_due, targets.first_response_warn,
        clock.first_response_warn_at, clock.first_response_warned_at, now)
    clock.resolution_warn_at, clock.resolution_warned_at = _rearm(
        ticket.resolution_due_at, targets.resolution_due, targets.resolution_warn,
        clock.resolution_warn_at, clock.resolution_warned_at, now)
    ticket.first_response_due_at = targets.first_response_due
    ticket.resolution_due_at = targets.resolution_due
    # A first reply after the deadline, between two runs of the job: breached all the same.
    due = ticket.first_response_due_at
    if (ticket.first_responded_at is not None and due is not None
            and not ticket.first_response_breached and ticket.first_responded_at > due):
        _breach(uow, ticket, "first_response")
    if stopped:
        _stop(uow, ticket, clock, now)
    elif ticket.status == "pending":
        ticket.sla_paused_at = ticket.sla_paused_at or now
        ticket.sla_due_at = None
        ticket.sla_state = "paused"
        clock.check_at = None
    else:
        _running(ticket, clock)
    uow.session.flush()


def _first_response_open(ticket: Ticket) -> bool:
    return (ticket.first_response_due_at is not None and ticket.first_responded_at is None
            and not ticket.first_response_breached)


def _running(ticket: Ticket, clock: SlaClock) -> None:
    """State, next deadline and the job's next look at a ticket whose clock runs."""
    fr_open = _first_response_open(ticket)
    res_open = ticket.resolution_due_at is not None and not ticket.resolution_breached
    if not fr_open:
        clock.first_response_warn_at = None
    if not res_open:
        clock.resolution_warn_at = None
    unmet_fr = ticket.first_response_due_at if ticket.first_responded_at is None else None
    ticket.sla_due_at = _earliest(unmet_fr, ticket.resolution_due_at)
    if ticket.first_response_breached or ticket.resolution_breached:
        ticket.sla_state = "breached"
    elif (fr_open and clock.first_response_warned_at) or (
            res_open and clock.resolution_warned_at):
        ticket.sla_state = "warned"
    else:
        ticket.sla_state = "running"
    clock.check_at = _earliest(
        clock.first_response_warn_at, clock.resolution_warn_at,
        ticket.first_response_due_at if fr_open else None,
        ticket.resolution_due_at if res_open else None,
        clock.next_escalation_at,
    )


def _breach(uow: UnitOfWork, ticket: Ticket, target: str) -> None:
    """Flag a target missed outside the job (a late reply, a late stop), with its event."""
    from guanxi_service.tickets.history import record_event

    setattr(ticket, f"{target}_breached", True)
    record_event(uow, ticket, "sla_breach", to_value=target)


def _stop(uow: UnitOfWork, ticket: Ticket, clock: SlaClock, now: dt.datetime) -> None:
    """Settle the targets at the resolve (or close) and stop the clock."""
    if ticket.status == "resolved" and ticket.resolved_at is not None:
        stop_at = ticket.resolved_at
    elif ticket.status == "closed" and ticket.closed_at is not None:
        stop_at = ticket.closed_at
    else:
        stop_at = now
    # Resolving without a reply fulfils the first-response target if in time.
    if _first_response_open(ticket) and stop_at > ticket.first_response_due_at:  # type: ignore[operator]
        _breach(uow, ticket, "first_response")
    due = ticket.resolution_due_at
    if due is not None and not ticket.resolution_breached and stop_at > due:
        _breach(uow, ticket, "resolution")
    missed = ticket.first_response_breached or ticket.resolution_breached
    ticket.sla_state = "missed" if missed else "met"
    ticket.sla_due_at = None
    ticket.sla_paused_at = None
    clock.first_response_warn_at = clock.resolution_warn_at = None
    clock.next_escalation_at = None
    clock.check_at = None


def _restart_resolution(ticket: Ticket, clock: SlaClock, now: dt.datetime) -> None:
    """A reopen: a new resolution cycle from now (see the module's rules)."""
    clock.resolution_started_at = now
    clock.resolution_paused_base = ticket.sla_paused_seconds
    clock.resolution_warned_at = None
    clock.breached_at = None
    clock.next_escalation_at = None
    ticket.resolution_breached = False
    ticket.resolution_due_at = None
    ticket.escalation_level = 0


def _clear(uow: UnitOfWork, ticket: Ticket, clock: SlaClock | None) -> None:
    """No policy matches (any more): the ticket has no SLA."""
    ticket.sla_policy = None
    ticket.first_response_due_at = ticket.resolution_due_at = ticket.sla_due_at = None
    ticket.sla_paused_at = None
    ticket.sla_state = "none"
    if clock is not None:
        uow.session.delete(clock)
    uow.session.flush()
