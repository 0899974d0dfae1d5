"""Privacy: consent, export of everything held about a person, erasure, legal holds.

* **Consent** is an append-only history per customer, purpose and channel; the latest
  event wins, and a customer with no event has the purpose's default (marketing needs an
  explicit opt-in by default). Every change is also logged on the customer's timeline.
* **Export** gathers the core's data and every plugin's (``personal_data`` hook) as JSON.
* **Erasure** anonymises the person across the core and every plugin
  (``erase_personal_data`` hook) while the records that carry counts and amounts stay:
  the customer row keeps its id, kind, stage and roles, interactions keep their kind,
  channel, time and amounts, so rollups and reports do not change. Audit entries about
  the person lose their values but keep their place in the chain.
* **Retention** rules are run by the job runner (``core.privacy_retention``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.identity.keys import refresh_keys
from guanxi.models import (
    AuditEntry,
    ConsentEvent,
    ContactPoint,
    Customer,
    CustomerTag,
    ExternalIdentity,
    Interaction,
    LegalHold,
    SpecialDate,
    Task,
)

ANY_CHANNEL = "any"
ERASED_NAME = "[erased]"


class PrivacySettings(BaseModel):
    """Settings section ``[privacy]``."""

    purposes: dict[str, bool] = Field(
        default_factory=lambda: {"marketing": False, "service": True, "analytics": True},
        description="Consent purposes and whether a customer with no recorded choice consents",
    )
    payload_retention_days: dict[str, int] = Field(
        default_factory=dict,
        description="Interaction kind prefix → days after which subject and payload are cleared",
    )
    erase_inactive_after_days: int | None = Field(
        None, description="Erase customers with no interaction for this many days (None: never)"
    )


def _settings(uow: UnitOfWork) -> PrivacySettings:
    settings = uow.app.settings_for("privacy")
    assert isinstance(settings, PrivacySettings)
    return settings


def _customer(uow: UnitOfWork, customer_id: int) -> Customer:
    # Through the ORM, so record-level access applies: an invisible customer is not found.
    customer = uow.session.exec(select(Customer).where(Customer.id == customer_id)).first()
    if customer is None:
        raise NotFoundError(f"no customer with id {customer_id}")
    return customer


# --------------------------------------------------------------------------- consent


def set_consent(
    uow: UnitOfWork,
    customer_id: int,
    *,
    purpose: str,
    channel: str = ANY_CHANNEL,
    granted: bool,
    source: str,
) -> ConsentEvent:
    """Record consent given or withdrawn; also logged as ``core.consent_changed``."""
    from guanxi.services.interactions import log_interaction

    require(uow, "consent", "create")
    _customer(uow, customer_id)
    if purpose not in _settings(uow).purposes:
        raise ValidationError("purpose", f"unknown purpose {purpose!r}")
    if channel != ANY_CHANNEL and channel not in uow.app.settings.channels:
        raise ValidationError("channel", f"unknown channel {channel!r}")
    source = source.strip()
    if not source:
        raise ValidationError("source", "say where the consent comes from")
    longest = ConsentEvent.__table__.c.source.type.length  # type: ignore[attr-defined]
    if len(source) > longest:
        raise ValidationError("source", f"is longer than {longest} characters")
    event = ConsentEvent(
        customer_id=customer_id,
        purpose=purpose,
        channel=channel,
        granted=granted,
        source=source,
        at=uow.now,
        actor_id=uow.actor_id,
    )
    uow.session.add(event)
    uow.session.flush()
    log_interaction(
        uow,
        customer_id=customer_id,
        kind="core.consent_changed",
        direction="inbound",
        channel=channel if channel != ANY_CHANNEL else "other",
        payload={
            "purpose": purpose,
            "channel": channel,
            "granted": granted,
            "source": event.source,
        },
    )
    return event


def consents(
    uow: UnitOfWork, customer_ids: list[int], *, purpose: str, channel: str
) -> dict[int, bool]:
    """Whether each customer consents to ``purpose`` through ``channel`` (batch).

    A channel-specific choice beats a choice for ``any`` channel; no choice at all means
    the purpose's default.
    """
    default = _settings(uow).purposes.get(purpose)
    if default is None:
        raise ValidationError("purpose", f"unknown purpose {purpose!r}")
    # A misspelt channel would match no choice of its own and fall back to "any".
    if channel != ANY_CHANNEL and channel not in uow.app.settings.channels:
        raise ValidationError("channel", f"unknown channel {channel!r}")
    result = {cid: default for cid in customer_ids}
    table = ConsentEvent.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    for chunk_start in range(0, len(customer_ids), 1000):
        chunk = customer_ids[chunk_start : chunk_start + 1000]
        query = (
            select(table.c.customer_id, table.c.channel, table.c.granted)
            .where(
                table.c.customer_id.in_(chunk),
                table.c.purpose == purpose,
                table.c.channel.in_([channel, ANY_CHANNEL]),
            )
            .order_by(table.c.id)
        )
        latest: dict[tuple[int, str], bool] = {}
        for cid, chan, granted in connection.execute(query):
            latest[cid, chan] = granted
        for (cid, chan), granted in latest.items():
            if chan == channel or (cid, channel) not in latest:
                result[cid] = granted
    return result


# --------------------------------------------------------------------------- holds


def place_hold(uow: UnitOfWork, customer_id: int, *, reason: str) -> LegalHold:
    """Put a legal hold on a customer: erasure is refused while it is active."""
    require(uow, "legal_hold", "create")
    if _customer(uow, customer_id).erased_at is not None:
        raise ValidationError(None, f"customer {customer_id} was erased: there is nothing to hold")
    if not reason.strip():
        raise ValidationError("reason", "is required")
    hold = LegalHold(
        customer_id=customer_id, reason=reason.strip(), placed_at=uow.now, placed_by_id=uow.actor_id
    )
    uow.session.add(hold)
    uow.session.flush()
    return hold


def release_hold(uow: UnitOfWork, hold_id: int) -> LegalHold:
    """Release a legal hold."""
    require(uow, "legal_hold", "update")
    hold = uow.session.get(LegalHold, hold_id)
    if hold is None or hold.released_at is not None:
        raise NotFoundError(f"no active legal hold with id {hold_id}")
    hold.released_at = uow.now
    uow.session.flush()
    return hold


def active_holds(uow: UnitOfWork, customer_id: int) -> list[LegalHold]:
    """The customer's active legal holds."""
    query = select(LegalHold).where(
        LegalHold.customer_id == customer_id, col(LegalHold.released_at).is_(None)
    )
    return list(uow.session.exec(query))


# --------------------------------------------------------------------------- export


def _rows(uow: UnitOfWork, model: Any, customer_id: int) -> list[dict[str, Any]]:
    query = select(model).where(model.customer_id == customer_id).order_by(model.id)
    return [row.model_dump() for row in uow.session.exec(query)]


def export_personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """Everything held about a customer, by the core and by every plugin (audited)."""
    from guanxi.services.lookup import get_customer

    require(uow, "customer", "export")
    record = get_customer(uow, customer_id)
    data: dict[str, Any] = {
        "customer": record,
        "interactions": _rows(uow, Interaction, customer_id),
        "tasks": _rows(uow, Task, customer_id),
        "consents": _rows(uow, ConsentEvent, customer_id),
        "legal_holds": _rows(uow, LegalHold, customer_id),
        "plugins": {},
    }
    for plugin_name, part in _by_plugin(uow, uow.hook.personal_data, customer_id=customer_id):
        data["plugins"][plugin_name] = part
    audit.record(
        uow,
        [
            audit.Event(
                "export", "customer", customer_id, customer_id, detail="personal data export"
            )
        ],
    )
    return data


def _by_plugin(uow: UnitOfWork, caller: Any, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a query hook implementation by implementation, keeping each plugin's name."""
    results = []
    for impl in caller.get_hookimpls():
        value = impl.function(uow=uow, **kwargs)
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


# --------------------------------------------------------------------------- erasure


def erase_customer(uow: UnitOfWork, customer_id: int, *, reason: str) -> dict[str, int]:
    """Anonymise a customer everywhere; refused if already erased or under a legal hold.

    Returns how many rows of each kind were changed or removed.
    """
    require(uow, "customer", "erase")
    customer = _customer(uow, customer_id)
    if customer.erased_at is not None:
        erased_on = uow.app.local_time(customer.erased_at)
        raise ValidationError(
            None, f"customer {customer_id} was already erased on {erased_on:%Y-%m-%d}"
        )
    holds = active_holds(uow, customer_id)
    if holds:
        raise ValidationError(
            None, f"customer {customer_id} is under legal hold {holds[0].id} ({holds[0].reason})"
        )
    if not reason.strip():
        raise ValidationError("reason", "is required")
    connection = uow.session.connection()
    counts: dict[str, int] = {}

    def run(label: str, statement: Any) -> None:
        counts[label] = connection.execute(statement).rowcount

    # The plugins first, while the record and its contact points can still be read: a
    # plugin may hold rows that match the person's email or phone but no customer id.
    uow.hook.erase_personal_data(uow=uow, customer_id=customer_id)
    uow.session.flush()
    t = Customer.__table__  # type: ignore[attr-defined]
    run(
        "customer",
        update(t)
        .where(t.c.id == customer_id)
        .values(
            name=ERASED_NAME,
            family_name=None,
            given_name=None,
            gender=None,
            birth_date=None,
            occupation=None,
            preferred_channel=None,
            language=None,
            interests=[],
            care_notes=None,
            custom={},
            erased_at=uow.now,
            updated_at=uow.now,
        ),
    )
    for label, model in (
        ("contact_points", ContactPoint),
        ("identities", ExternalIdentity),
        ("special_dates", SpecialDate),
        ("tags", CustomerTag),
    ):
        child = model.__table__  # type: ignore[union-attr]
        run(label, delete(child).where(child.c.customer_id == customer_id))
    # The match keys hold normalised names and dates: an erased customer keeps none.
    refresh_keys(uow, [customer_id])
    i = Interaction.__table__  # type: ignore[attr-defined]
    run(
        "interactions",
        update(i).where(i.c.customer_id == customer_id).values(subject=None, payload={}),
    )
    k = Task.__table__  # type: ignore[attr-defined]
    run(
        "tasks",
        update(k).where(k.c.customer_id == customer_id).values(title=ERASED_NAME, notes=None),
    )
    c = ConsentEvent.__table__  # type: ignore[attr-defined]
    run("consents", update(c).where(c.c.customer_id == customer_id).values(source=ERASED_NAME))
    # Last: the plugins' ORM writes above are audited with their old values too.
    a = AuditEntry.__table__  # type: ignore[attr-defined]
    run(
        "audit_entries",
        update(a)
        .where(a.c.customer_id == customer_id, a.c.changes != {})
        .values(changes={}, erased=True),
    )
    # Merge journals hold whole rows of the merged records: such merges can no longer
    # be undone (guanxi.identity.merge_book).
    from guanxi.identity.merge_book import scrub_merge_journals

    counts["merge_journals"] = scrub_merge_journals(uow, customer_id)
    uow.session.expire_all()
    audit.record(uow, [audit.Event("erase", "customer", customer_id, customer_id, detail=reason)])
    return counts


# --------------------------------------------------------------------------- retention


def apply_retention(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The retention job: clear old payloads and erase long-inactive customers."""
    from guanxi.models import CustomerRollup

    settings = _settings(uow)
    cleared = 0
    i = Interaction.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    for prefix, days in settings.payload_retention_days.items():
        cutoff = due_at - dt.timedelta(days=days)
        result = connection.execute(
            update(i)
            .where(
                i.c.kind.startswith(prefix, autoescape=True),
                i.c.occurred_at < cutoff,
                or_(i.c.payload != {}, i.c.subject.is_not(None)),
            )
            .values(subject=None, payload={})
        )
        cleared += result.rowcount
    erased = 0
    if settings.erase_inactive_after_days is not None:
        cutoff = due_at - dt.timedelta(days=settings.erase_inactive_after_days)
        r = CustomerRollup.__table__  # type: ignore[attr-defined]
        t = Customer.__table__  # type: ignore[attr-defined]
        held = select(LegalHold.customer_id).where(col(LegalHold.released_at).is_(None))
        # A customer never contacted has no rollup row: inactive since he was created.
        last_active = func.coalesce(r.c.last_at, t.c.created_at)
        stale = (
            select(t.c.id)
            .outerjoin(r, r.c.customer_id == t.c.id)
            .where(last_active < cutoff, t.c.erased_at.is_(None), t.c.id.not_in(held))
            .order_by(t.c.id)
        )
        for (customer_id,) in connection.execute(stale).all():
            erase_customer(
                uow,
                customer_id,
                reason=f"retention: inactive {settings.erase_inactive_after_days} days",
            )
            erased += 1
    return f"cleared {cleared} payloads, erased {erased} inactive customers"


def count_erased(uow: UnitOfWork) -> int:
    """How many customers have been erased."""
    t = Customer.__table__  # type: ignore[attr-defined]
    return int(
        uow.session.connection()
        .execute(select(func.count()).where(t.c.erased_at.is_not(None)))
        .scalar_one()
    )
