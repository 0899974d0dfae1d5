"""Events into the outbox: the hook side of outbound webhooks.

The core's ``customers_created``, ``customers_updated``, ``customers_merged`` and
``interactions_logged`` implementations (core/core_plugin.py) call the functions here
with the same arguments. Each writes one delivery row per event and subscribed endpoint
*in the unit of work that made the change*: a rollback takes the deliveries with it, a
commit guarantees them (the transactional outbox). One event per record, as Stripe and
HubSpot do; the rows of a whole import batch go in with one ``executemany``.

When no active endpoint subscribes to an event type, a hook costs one look into a
per-process cache (:func:`guanxi.webhooks.endpoints.may_deliver`), nothing else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from guanxi.db.bulk import BulkInserter
from guanxi.models import WebhookDelivery
from guanxi.webhooks.endpoints import active_endpoints, may_deliver

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork
    from guanxi.records import CustomerChange, CustomerRecord, InteractionRecord

EVENT_TYPES: dict[str, str] = {
    "customer.created": "a customer was created (one event per customer, imports too)",
    "customer.updated": "a customer's fields changed (the changed fields, before and after)",
    "customer.merged": "duplicate customers were merged into a survivor",
    "interaction.logged": "an interaction was appended to the log",
}
PING = "ping"  # sent by ``guanxi webhooks test``; not subscribable

_DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]
OUTBOX_COLUMNS = (
    "endpoint_id",
    "event_id",
    "event_type",
    "customer_id",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)
# CustomerRecord fields that are the identity check's working state, not the customer.
_INTERNAL = frozenset({"link_to", "duplicate_of"})


def new_event_id() -> str:
    """A unique event id (``evt_`` and 32 hex digits): the ``webhook-id`` header."""
    return "evt_" + uuid.uuid4().hex


def envelope(event_id: str, event_type: str, at: dt.datetime, data: dict[str, Any]) -> dict:
    """The JSON body of a delivery: ``{"id", "type", "created_at", "data"}``."""
    return {"id": event_id, "type": event_type, "created_at": at.isoformat(), "data": data}


def plain(value: Any) -> Any:
    """``value`` as JSON values: records as objects, dates ISO, decimals as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_events(
    uow: UnitOfWork, event_type: str, events: Iterable[tuple[int | None, dict[str, Any]]]
) -> int:
    """Put events of ``event_type`` (customer id, data) in the outbox; return rows written.

    One row per event and active endpoint subscribed to ``event_type``; nothing at all
    (not even a query) when the cached list of endpoints says none subscribes.
    """
    if not may_deliver(uow, event_type):
        return 0
    endpoints = active_endpoints(uow, event_type)
    if not endpoints:
        return 0
    now = uow.now
    rows: list[tuple[Any, ...]] = []
    for customer_id, data in events:
        event_id = new_event_id()
        payload = envelope(event_id, event_type, now, data)
        rows.extend(
            (endpoint, event_id, event_type, customer_id, payload, "pending", 0, now, now)
            for endpoint in endpoints
        )
    connection = uow.session.connection()
    return BulkInserter(connection, _DELIVERIES, OUTBOX_COLUMNS).insert(rows)


def _masker(uow: UnitOfWork) -> Any:
    """Blanks sensitive fields: a receiver is never entitled to them (docs/webhooks.md)."""
    from guanxi.access.sensitive import SensitiveFields

    mask = SensitiveFields(uow)
    mask.allowed = False
    return mask


def customer_data(record: CustomerRecord) -> dict[str, Any]:
    """A customer record as event data (sensitive fields already masked)."""
    return {
        f.name: plain(getattr(record, f.name))
        for f in dataclasses.fields(record)
        if f.name not in _INTERNAL
    }


def customers_created(uow: UnitOfWork, customers: Sequence[CustomerRecord]) -> None:
    """``customer.created`` for each new customer, with the whole record."""
    if not may_deliver(uow, "customer.created"):
        return
    mask = _masker(uow)
    write_events(uow, "customer.created", ((c.id, customer_data(mask(c))) for c in customers))


_CONTACT_KEYS = ("kind", "normalized", "label", "is_primary")


def _change_value(name: str, value: Any) -> Any:
    if name == "contact_points":  # compared as tuples by the update service
        return [dict(zip(_CONTACT_KEYS, point, strict=False)) for point in value]
    return plain(value)


def change_data(change: CustomerChange, sensitive: frozenset[str]) -> dict[str, Any]:
    """A change as event data: the new values, the previous ones, and what was masked."""
    masked: list[str] = []
    changed: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for name in change.after:
        before, after = change.before.get(name), change.after[name]
        if name in sensitive:
            masked.append(name)
            before = after = None
        elif name == "custom":
            hidden = sorted(k for k in {**(before or {}), **(after or {})} if k in sensitive)
            masked.extend(f"custom.{k}" for k in hidden)
            before = {k: v for k, v in (before or {}).items() if k not in sensitive}
            after = {k: v for k, v in (after or {}).items() if k not in sensitive}
        changed[name] = _change_value(name, after)
        previous[name] = _change_value(name, before)
    return {"id": change.customer_id, "changed": changed, "previous": previous,
            "masked": masked}


def customers_updated(uow: UnitOfWork, changes: Sequence[CustomerChange]) -> None:
    """``customer.updated`` for each changed customer: what changed, before and after."""
    if not may_deliver(uow, "customer.updated"):
        return
    from guanxi.access.sensitive import sensitive_fields

    sensitive = sensitive_fields(uow.app)
    write_events(
        uow,
        "customer.updated",
        ((c.customer_id, change_data(c, sensitive)) for c in changes if c.after),
    )


def customers_merged(uow: UnitOfWork, survivor_id: int, merged_ids: Sequence[int]) -> None:
    """``customer.merged``: the survivor's id and the ids that now redirect to it."""
    write_events(
        uow,
        "customer.merged",
        [(survivor_id, {"survivor_id": survivor_id, "merged_ids": list(merged_ids)})],
    )


def interactions_logged(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> None:
    """``interaction.logged`` for each appended interaction, with the whole record."""
    write_events(uow, "interaction.logged", ((i.customer_id, plain(i)) for i in interactions))


def erase_customer_events(uow: UnitOfWork, customer_id: int) -> int:
    """Blank the payloads of a customer's deliveries (erasure); unsent ones become dead.

    The envelope stays (id, type, time) so the log still shows that something was sent;
    its data becomes ``{"erased": true}``. Returns the rows changed.
    """
    connection = uow.session.connection()
    rows = connection.execute(
        select(_DELIVERIES.c.id, _DELIVERIES.c.payload, _DELIVERIES.c.status).where(
            _DELIVERIES.c.customer_id == customer_id
        )
    ).all()
    for row in rows:
        values: dict[str, Any] = {"payload": {**row.payload, "data": {"erased": True}}}
        if row.status != "delivered":  # never send it now
            values.update(status="dead", last_error="customer erased")
        connection.execute(update(_DELIVERIES).where(_DELIVERIES.c.id == row.id).values(**values))
    return len(rows)
