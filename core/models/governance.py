"""Access control, audit and privacy tables.

* :class:`StaffRole` — which roles a staff user holds (roles themselves are settings).
* :class:`AuditEntry` — the tamper-evident audit log: every entry's ``hash`` covers the
  previous entry's hash and a digest of its own content, so editing, removing or
  reordering a row breaks the chain (``guanxi audit verify``).
* :class:`ConsentEvent` — consent given or withdrawn, per purpose and channel, with its
  source and time; append-only, the latest event per (customer, purpose, channel) wins.
* :class:`LegalHold` — while a hold is active a customer cannot be erased.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime


class StaffRole(SQLModel, table=True):
    """A role held by a staff user."""

    __tablename__ = "staff_role"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True, sa_type=BigID)
    role: str = Field(primary_key=True, max_length=80)


class AuditEntry(SQLModel, table=True):
    """One audited event: who did what to which record, with old and new values.

    ``changes`` holds the values; ``changes_digest`` their SHA-256. The chain hash covers
    the digest, not the values, so erasing a person's data from ``changes`` (the
    privacy path) keeps the chain verifiable while any other edit breaks it.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_customer", "customer_id", "id"),
        Index("ix_audit_entity", "entity", "entity_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, sa_type=BigID)
    actor: str = Field(max_length=80)  # username, or "system" for jobs and admin commands
    action: str = Field(max_length=40)
    entity: str = Field(max_length=80)
    entity_id: str | None = Field(default=None, max_length=80)
    customer_id: int | None = Field(default=None, sa_type=BigID)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    changes_digest: str = Field(max_length=64)
    detail: str | None = None
    erased: bool = False
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class ConsentEvent(SQLModel, table=True):
    """Consent given (``granted``) or withdrawn for a purpose through a channel."""

    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_lookup", "customer_id", "purpose", "channel", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    purpose: str = Field(max_length=40)
    channel: str = Field(max_length=20)  # a channel, or "any"
    granted: bool
    source: str = Field(max_length=200)  # "web form 2026-05", "signed paper form", …
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


class LegalHold(SQLModel, table=True):
    """A legal hold on a customer's data (litigation, regulator's request)."""

    __tablename__ = "legal_hold"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    reason: str
    placed_at: dt.datetime = Field(sa_type=UTCDateTime)
    placed_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    released_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
