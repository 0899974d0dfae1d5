"""The interaction kinds the tickets area logs, with their payload models.

Every entry names its ticket (``ticket_id``, ``number``) with its type and team, so a
trigger (a return visit after ``service.ticket_closed``) or a report reads what it
needs from the payload. Free text (replies, notes, resolutions) never goes into a payload:
a public reply's text is the entry's subject, which erasure and retention clear; an
internal note is logged without its text.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TicketPayload(BaseModel):
    """Every ``service.ticket_*`` entry: which ticket, what it is, where it stands."""

    model_config = ConfigDict(extra="forbid")
    ticket_id: int
    number: str
    type: str
    priority: str
    status: str
    team_id: int | None = None
    assignee_id: int | None = None
    from_status: str | None = None  # status changes, resolutions, reopenings
    reopened_count: int = 0
    # Resolved and closed entries: whether the resolution met its SLA target (None: no
    # policy applies), so analytics reads compliance from the log.
    sla_met: bool | None = None


# kind → (payload model, default channel, description). Entries about the customer's
# conversation carry the ticket's channel; internal ones (status, assignment, notes) none.
KINDS: dict[str, tuple[type[BaseModel], str | None, str]] = {
    "service.ticket_opened": (TicketPayload, None, "a service request (服务请求) was opened"),
    "service.ticket_status": (TicketPayload, "other", "a ticket moved to another status"),
    "service.ticket_resolved": (TicketPayload, None, "a ticket was resolved"),
    "service.ticket_closed": (TicketPayload, None, "a ticket was closed"),
    "service.ticket_reopened": (TicketPayload, None, "a resolved or closed ticket was reopened"),
    "service.ticket_reply": (TicketPayload, None, "staff replied to the customer on a ticket"),
    "service.ticket_customer_reply": (
        TicketPayload, None, "the customer wrote back on a ticket"),
    "service.ticket_note": (
        TicketPayload, "other", "an internal note was added to a ticket (text not logged)"),
    "service.ticket_assigned": (
        TicketPayload, "other", "a ticket was assigned to a person or a team"),
    "service.ticket_changed": (
        TicketPayload, "other", "a ticket's priority or type was changed"),
}

# A ticket channel that the core does not know as an interaction channel, and the
# interaction channel used for it instead.
INTERACTION_CHANNEL = {"wechat": "chat"}
