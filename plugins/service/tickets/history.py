"""A ticket's history: appending entries (the contract other areas use) and reading them.

The history is append-only like the interaction log. It holds everything, internal notes
included; ``public`` marks what the customer may see (replies, the resolution).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.services.staff import usernames
from guanxi_service.tickets.models import Ticket, TicketEvent

MAX_KIND = 20
MAX_VALUE = 80


def record_event(
    uow: UnitOfWork,
    ticket: Ticket,
    kind: str,
    *,
    from_value: str | None = None,
    to_value: str | None = None,
    body: str | None = None,
    public: bool = False,
) -> TicketEvent:
    """Append one entry to the ticket's history, at ``uow.now``, by the acting user.

    ``kind`` is a short word (``status``, ``reply``, ``sla_warning`` …); ``from_value`` and
    ``to_value`` are cut to the column's 80 characters (they hold statuses, usernames,
    team names); ``body`` is free text.
    """
    if ticket.id is None:
        raise ValidationError("ticket", "is not stored yet")
    kind = (kind or "").strip()
    if not kind or len(kind) > MAX_KIND:
        raise ValidationError("kind", f"is required (at most {MAX_KIND} characters)")
    event = TicketEvent(
        ticket_id=ticket.id, customer_id=ticket.customer_id, at=uow.now, actor_id=uow.actor_id,
        kind=kind, from_value=None if from_value is None else str(from_value)[:MAX_VALUE],
        to_value=None if to_value is None else str(to_value)[:MAX_VALUE],
        body=body or None, public=bool(public))
    uow.session.add(event)
    uow.session.flush()
    return event


@dataclass(frozen=True)
class HistoryEntry:
    """One history entry as shown: who did what, when."""

    id: int
    at: dt.datetime
    kind: str
    actor: str | None
    from_value: str | None
    to_value: str | None
    body: str | None
    public: bool


def ticket_history(uow: UnitOfWork, ticket: Ticket, *, public_only: bool = False
                   ) -> list[HistoryEntry]:
    """The history of a ticket the caller already found (so may see), oldest first.

    Read with a Core query by ``ticket_id``: whoever may see the ticket (its assignee
    included, who may not see the rest of the customer's record) sees its whole history.
    """
    table = TicketEvent.__table__  # type: ignore[attr-defined]
    query = select(table).where(table.c.ticket_id == ticket.id)
    if public_only:
        query = query.where(table.c.public.is_(True))
    rows = uow.session.connection().execute(query.order_by(table.c.at, table.c.id)).all()
    names = usernames(uow, [r.actor_id for r in rows])
    return [HistoryEntry(id=r.id, at=r.at, kind=r.kind, actor=names.get(r.actor_id),
                         from_value=r.from_value, to_value=r.to_value, body=r.body,
                         public=bool(r.public)) for r in rows]
