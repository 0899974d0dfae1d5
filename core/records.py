"""Plain records handed to hooks and returned by the bulk APIs.

They are frozen dataclasses rather than ORM objects: cheap to build by the million,
safe to keep after the session closes, and free of lazy loads that would hit the
database from inside a hook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class ContactPointRecord:
    """A validated contact point: ``value`` as written, ``normalized`` for lookups."""

    kind: str
    value: str
    normalized: str
    label: str | None = None
    is_primary: bool = False


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """The customer's id in another system (``source`` + ``external_id``)."""

    source: str
    external_id: str


@dataclass(frozen=True, slots=True)
class SpecialDateRecord:
    """A date that matters to the customer."""

    label: str
    date: dt.date
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer as validated for writing, or as read back (then ``id`` is set)."""

    id: int | None
    kind: str
    name: str
    lifecycle_stage: str
    roles: tuple[str, ...] = ()
    family_name: str | None = None
    given_name: str | None = None
    organization_id: int | None = None
    owner_id: int | None = None
    gender: str | None = None
    birth_date: dt.date | None = None
    occupation: str | None = None
    preferred_channel: str | None = None
    language: str | None = None
    interests: tuple[str, ...] = ()
    care_notes: str | None = None
    tags: tuple[str, ...] = ()
    contact_points: tuple[ContactPointRecord, ...] = ()
    identities: tuple[IdentityRecord, ...] = ()
    special_dates: tuple[SpecialDateRecord, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)
    # Sensitive fields hidden from the reader ("birth_date", "custom.medical_history").
    masked: tuple[str, ...] = ()
    # Set by the identity check of a new record (``validate_customers``): the existing
    # customer it is stored into instead of being created (``link``), or the existing
    # customers it was queued for review beside (``flag``).
    link_to: int | None = None
    duplicate_of: tuple[int, ...] = ()

    @property
    def primary_email(self) -> str | None:
        """The primary (else first) email address, normalised."""
        return _primary(self.contact_points, "email")

    @property
    def primary_phone(self) -> str | None:
        """The primary (else first) phone number in E.164."""
        return _primary(self.contact_points, "phone")


def _primary(points: tuple[ContactPointRecord, ...], kind: str) -> str | None:
    of_kind = [p for p in points if p.kind == kind]
    for point in of_kind:
        if point.is_primary:
            return point.normalized
    return of_kind[0].normalized if of_kind else None


@dataclass(frozen=True, slots=True)
class CustomerChange:
    """What an update changed: only the changed fields, before and after."""

    customer_id: int
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InteractionRecord:
    """One logged touchpoint (``id`` is set once stored)."""

    id: int | None
    customer_id: int
    occurred_at: dt.datetime
    channel: str
    kind: str
    direction: str
    actor_id: int | None = None
    subject: str | None = None
    revenue: Decimal | None = None
    cost: Decimal | None = None
    currency: str = "CNY"
    source: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    corrects_id: int | None = None

    @property
    def family(self) -> str:
        """The namespace of the kind: ``"sales"`` for ``"sales.order"``."""
        return self.kind.split(".", 1)[0]
