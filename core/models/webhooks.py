"""Outbound webhooks: the endpoints that subscribe to events, and the delivery outbox.

* :class:`WebhookEndpoint` — a receiver URL, its signing secret and the event types it
  subscribes to (patterns such as ``"customer.*"``).
* :class:`WebhookDelivery` — one event for one endpoint: written in the same
  transaction as the change that caused it (the *outbox*), then sent, retried with
  backoff, and kept as the delivery log. A row is never lost: it ends ``delivered`` or
  ``dead`` (and a dead one can be replayed). See docs/webhooks.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime

DELIVERY_STATUSES = ("pending", "failed", "delivered", "dead")


class WebhookEndpoint(SQLModel, table=True):
    """A receiver of signed event deliveries."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    events: list[str] = Field(default_factory=list, sa_type=JSONType)
    active: bool = True
    description: str = Field(default="", max_length=200)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event to send to one endpoint, and what happened when it was sent."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The sender's scan: due rows by time (pending and failed ones).
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", sa_type=BigID)
    event_id: str = Field(max_length=40, index=True)
    event_type: str = Field(max_length=60)
    # The customer the event is about (not a foreign key: the log outlives merges, and
    # erasing a customer blanks his deliveries' payloads by this column).
    customer_id: int | None = Field(default=None, sa_type=BigID, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    delivered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
