"""The events area's part of the personal-data export and of erasure.

Erasure clears the free texts (registration notes, call notes); statuses, times,
attempts and outcomes stay, so event and call-list reports do not change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_marketing.events.models import CallAttempt, CallEntry, EventRegistration

REGISTRATION_FIELDS = ("id", "event_id", "status", "walk_in", "registered_at", "confirmed_at",
                       "checked_in_at", "cancelled_at", "no_show_at", "notes")
ENTRY_FIELDS = ("id", "call_list_id", "status", "attempts", "last_outcome", "last_called_at",
                "next_call_at")
ATTEMPT_FIELDS = ("id", "entry_id", "call_list_id", "outcome", "called_at", "callback_at",
                  "notes")


def _rows(uow: UnitOfWork, model: Any, customer_id: int, fields: tuple[str, ...]) -> list[dict]:
    found = uow.session.exec(select(model).where(model.customer_id == customer_id)
                             .order_by(model.id)).scalars().all()
    return [{name: getattr(row, name) for name in fields} for row in found]


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's event registrations, call-list entries and calls."""
    parts = {
        "event_registrations": _rows(uow, EventRegistration, customer_id, REGISTRATION_FIELDS),
        "call_list_entries": _rows(uow, CallEntry, customer_id, ENTRY_FIELDS),
        "calls": _rows(uow, CallAttempt, customer_id, ATTEMPT_FIELDS),
    }
    return {key: rows for key, rows in parts.items() if rows}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear registration and call notes about the person."""
    connection = uow.session.connection()
    for model in (EventRegistration, CallAttempt):
        table = model.__table__  # type: ignore[attr-defined]
        connection.execute(update(table).where(table.c.customer_id == customer_id)
                           .values(notes=None))
    uow.session.expire_all()
