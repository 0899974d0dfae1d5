"""What the events and call-list modules share: entity names, settings, parsing, logging.

Staff lookups, id chunking and choice parsing come from the campaigns area's helpers
(an event *is* a campaign), so they are defined once in the plugin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi_marketing.events.settings import EventSettings

EVENT = "marketing.event"
REGISTRATION = "marketing.event_registration"
EVENT_LEAD = "marketing.event_lead"
CALL_LIST = "marketing.call_list"
CALL_LIST_AGENT = "marketing.call_list_agent"
CALL_ENTRY = "marketing.call_entry"
CALL_ATTEMPT = "marketing.call_attempt"
MAX_NOTES = 4000


def event_settings(uow: UnitOfWork) -> EventSettings:
    """The resolved ``[marketing.events]`` settings."""
    return uow.app.settings_for("marketing").events


def parse_time(uow: UnitOfWork, value: dt.datetime | str, field_name: str) -> dt.datetime:
    """A point in time from a datetime or ISO text, in UTC; naive means display time."""
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                field_name, f"not a date and time (YYYY-MM-DD HH:MM): {value!r}"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=uow.app.tz)
    return value.astimezone(dt.UTC)


def parse_notes(value: str | None, field_name: str = "notes") -> str | None:
    """Free text, stripped; None when empty; at most :data:`MAX_NOTES` characters."""
    text = (value or "").strip() or None
    if text is not None and len(text) > MAX_NOTES:
        raise ValidationError(field_name, f"at most {MAX_NOTES} characters")
    return text






def log_for(
    uow: UnitOfWork,
    customer_id: int,
    kind: str,
    payload: dict[str, Any],
    *,
    subject: str,
    direction: str,
    actor: int | None = None,
) -> None:
    """Log one ``marketing.*`` interaction about a customer (channel: the kind's default).

    Validated and inserted directly rather than through ``log_interaction``: that one also
    asks whether the principal may see the customer, and an agent works the call-list
    entries assigned to him even if the customer's owner changed since.
    """
    require(uow, "interaction", "create")
    record = validate_interaction(uow, {
        "customer_id": customer_id, "kind": kind, "direction": direction,
        "actor": actor if actor is not None else uow.actor_id, "subject": subject[:500],
        "payload": payload,
    })
    insert_interactions(uow, [record])


def report_id_option(options: dict[str, Any], name: str) -> int:
    """The one option of a ``guanxi report run`` report of this area: ``name=ID``."""
    unknown = sorted(set(options) - {name})
    if unknown:
        raise ValidationError(unknown[0], f"unknown option (the report takes {name}=ID)")
    try:
        return int(str(options.get(name, "")).strip())
    except ValueError:
        raise ValidationError(name, f"give an id: --option {name}=ID") from None
