"""The conversation on a ticket: public replies by staff, what the customer writes back,
internal notes. Re-exported by :mod:`guanxi_service.tickets.service`."""

from __future__ import annotations

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.inputs import parse_choice
from guanxi_service.sla.service import apply_sla
from guanxi_service.tickets.common import TICKET, get_ticket, log_ticket, parse_text
from guanxi_service.tickets.history import record_event
from guanxi_service.tickets.models import CHANNELS, Ticket
from guanxi_service.tickets.statuses import move, not_closed, refuse_transition, reopen

# Statuses a staff reply may leave the ticket in.
REPLY_STATUSES = ("open", "pending", "on_hold")


def reply(uow: UnitOfWork, ticket_id: int | str, body: str, *, status: str | None = None
          ) -> Ticket:
    """A public reply by staff to the customer.

    The first one sets ``first_responded_at`` (the SLA's first response). A reply to a
    ``new`` ticket opens it; ``status`` (open, pending, on_hold) moves it on in the same
    step, e.g. ``pending`` when the reply asks the customer something.
    """
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    text = parse_text(body, "body", required=True)
    not_closed(ticket, "write to the customer")
    wanted = None if status is None else parse_choice(status, REPLY_STATUSES, "status")
    if wanted is None and ticket.status == "new":
        wanted = "open"
    if wanted == ticket.status:
        wanted = None
    if wanted is not None:
        refuse_transition(ticket, wanted)
    record_event(uow, ticket, "reply", body=text, public=True)
    # Every reply is staff's (the customer's messages come through customer_reply), the
    # system principal of a script or the CLI included.
    if ticket.first_responded_at is None:
        ticket.first_responded_at = uow.now
    ticket.updated_at = uow.now
    if wanted is not None:
        move(uow, ticket, wanted)
    log_ticket(uow, ticket, "ticket_reply", direction="outbound", conversation=True,
               subject=f"{ticket.number} {text}")
    apply_sla(uow, ticket)
    return ticket


def customer_reply(uow: UnitOfWork, ticket_id: int | str, body: str, *,
                   channel: str | None = None) -> Ticket:
    """The customer wrote back (inbound, through ``channel``, default the ticket's).

    A ``pending`` ticket goes back to ``open`` (the SLA clock runs again); a ``resolved``
    one is reopened; a closed ticket takes no more replies (open a follow-up).
    """
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    text = parse_text(body, "body", required=True)
    via = ticket.channel if channel is None else parse_choice(channel, CHANNELS, "channel")
    not_closed(ticket, "take the customer's message")
    record_event(uow, ticket, "customer_reply", to_value=via, body=text, public=True)
    ticket.updated_at = uow.now
    if ticket.status == "pending":
        move(uow, ticket, "open")
    elif ticket.status == "resolved":
        reopen(uow, ticket, "客户回复 the customer replied")
    log_ticket(uow, ticket, "ticket_customer_reply", direction="inbound", conversation=True,
               subject=f"{ticket.number} {text}", channel=via)
    apply_sla(uow, ticket)
    return ticket


def add_note(uow: UnitOfWork, ticket_id: int | str, body: str) -> Ticket:
    """An internal note (the customer never sees it; the interaction log gets no text)."""
    require(uow, TICKET, "update")
    ticket = get_ticket(uow, ticket_id)
    text = parse_text(body, "body", required=True)
    record_event(uow, ticket, "note", body=text)
    ticket.updated_at = uow.now
    uow.session.flush()
    log_ticket(uow, ticket, "ticket_note", subject=f"{ticket.number} 内部备注 internal note")
    apply_sla(uow, ticket)
    return ticket
