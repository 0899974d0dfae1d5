"""Status moves shared by the tickets modules: the allowed transitions, and the steps
that change a ticket's status, record the change and log it.

Callers validate first (:func:`refuse_transition`) and call
:func:`guanxi_service.sla.service.apply_sla` once after their whole change.
"""

from __future__ import annotations

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_service.tickets.common import log_ticket
from guanxi_service.tickets.history import record_event
from guanxi_service.tickets.models import Ticket

# Where a ticket may go from each status. Resolved and closed tickets come back to work
# only through reopen_ticket, so reopenings are counted.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("open", "pending", "on_hold", "resolved", "closed"),
    "open": ("pending", "on_hold", "resolved", "closed"),
    "pending": ("open", "on_hold", "resolved", "closed"),
    "on_hold": ("open", "pending", "resolved", "closed"),
    "resolved": ("closed",),
    "closed": (),
}
REOPENABLE = ("resolved", "closed")


def refuse_transition(ticket: Ticket, wanted: str) -> None:
    """A ValidationError naming ``status`` unless ``wanted`` is an allowed move."""
    if wanted == ticket.status:
        raise ValidationError("status", f"ticket {ticket.number} is already {wanted}")
    if wanted not in TRANSITIONS[ticket.status]:
        allowed = ", ".join(TRANSITIONS[ticket.status]) or "nothing"
        hint = "; reopen it to work on it again" if ticket.status in REOPENABLE else ""
        raise ValidationError(
            "status", f"ticket {ticket.number} is {ticket.status}: it may become {allowed}{hint}")


def move(uow: UnitOfWork, ticket: Ticket, wanted: str, *, resolution: str | None = None
         ) -> None:
    """Set the status (validated by the caller), record it and log it (no SLA call)."""
    previous = ticket.status
    ticket.status, ticket.updated_at = wanted, uow.now
    if wanted in ("resolved", "closed"):
        ticket.resolution = resolution
        ticket.resolved_at = ticket.resolved_at or uow.now
        if wanted == "closed":
            ticket.closed_at = uow.now
    uow.session.flush()
    # The resolution is what the customer is told: a public entry of the history.
    record_event(uow, ticket, "status", from_value=previous, to_value=wanted,
                 body=resolution if wanted in ("resolved", "closed") else None,
                 public=wanted in ("resolved", "closed"))
    kind = {"resolved": "ticket_resolved", "closed": "ticket_closed"}.get(wanted, "ticket_status")
    log_ticket(uow, ticket, kind, conversation=kind != "ticket_status", from_status=previous,
               sla_met=resolution_met(ticket) if wanted in ("resolved", "closed") else None)


def resolution_met(ticket: Ticket) -> bool | None:
    """Whether the ticket was resolved within its SLA resolution target (None: no policy).

    Breached when the SLA job already marked it, or resolved after the deadline the
    clock last set (a pause moves the deadline when the clock resumes).
    """
    if ticket.sla_policy is None or ticket.resolution_due_at is None:
        return None
    resolved = ticket.resolved_at or ticket.updated_at
    return not ticket.resolution_breached and resolved <= ticket.resolution_due_at


def reopen(uow: UnitOfWork, ticket: Ticket, reason: str) -> None:
    """Back to ``open``: resolution and its dates cleared, ``reopened_count`` + 1."""
    previous = ticket.status
    ticket.status, ticket.updated_at = "open", uow.now
    ticket.reopened_count += 1
    # The old resolution stays in the history; resolving again needs a new one.
    ticket.resolution = ticket.resolved_at = ticket.closed_at = None
    uow.session.flush()
    record_event(uow, ticket, "reopened", from_value=previous, to_value="open", body=reason)
    log_ticket(uow, ticket, "ticket_reopened", conversation=True, from_status=previous)


def not_closed(ticket: Ticket, what: str) -> None:
    """Refuse work on a closed ticket (a reply, an assignment…) with what to do instead."""
    if ticket.status == "closed":
        raise ValidationError(
            "ticket", f"ticket {ticket.number} is closed: reopen it or open a follow-up "
                      f"ticket (parent_id {ticket.id}) to {what}")
