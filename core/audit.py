"""The tamper-evident audit log: who read sensitive data, who changed what.

Entries are chained: ``hash = sha256(prev_hash | at | actor | action | entity | entity_id
| customer_id | changes_digest | detail)``. Verifying walks the log in id order and
recomputes every digest and hash, so an edited, removed or reordered row is found.
Erasure (the privacy path) may blank an entry's ``changes`` and mark it ``erased``; the
digest stays, so the chain still verifies while the personal data is gone.

Appends happen inside the unit of work of the change they record (a rolled-back change
leaves no entry), under a lock that serialises writers of the chain: SQLite's write lock
(BEGIN IMMEDIATE) or a PostgreSQL transaction-level advisory lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, inspect, select
from sqlalchemy.orm import Session

from guanxi.db.bulk import BulkInserter
from guanxi.db.locks import serialize_writers
from guanxi.models import AuditEntry

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork

GENESIS = "0" * 64
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "customer_id",
    "changes",
    "changes_digest",
    "detail",
    "erased",
    "prev_hash",
    "hash",
)


@dataclass
class Event:
    """An event to audit, before it is chained."""

    action: str
    entity: str
    entity_id: str | int | None = None
    customer_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    detail: str | None = None


def canonical(value: Any) -> str:
    """A stable JSON text of ``value`` (sorted keys, no spaces), for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(changes: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``changes``."""
    return hashlib.sha256(canonical(changes).encode()).hexdigest()


def chain_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The hash of one entry given the previous entry's hash."""
    at = row["at"]
    stamp = at.astimezone(dt.UTC).isoformat() if isinstance(at, dt.datetime) else str(at)
    parts = [
        prev_hash,
        stamp,
        str(row["actor_id"]),
        row["actor"],
        row["action"],
        row["entity"],
        str(row["entity_id"]),
        str(row["customer_id"]),
        row["changes_digest"],
        str(row["detail"]),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def head(connection: Connection) -> str:
    """The hash of the newest entry (the genesis value for an empty log)."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    newest = connection.execute(select(table.c.hash).order_by(table.c.id.desc()).limit(1)).scalar()
    return newest or GENESIS


def _last_hash(connection: Connection) -> str:
    """The chain's head, read under the chain lock.

    Read at every append, not remembered for the unit of work: a savepoint rolled back
    since the last append takes its entries away (and, on PostgreSQL, a lock taken
    inside it). Taking the lock again in the same transaction costs next to nothing.
    """
    serialize_writers(connection)
    return head(connection)


def record(uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Append ``events`` to the audit log, chained, in this unit of work.

    A read-only unit of work cannot write: its entries wait in ``uow.deferred_audit``
    for :meth:`App.transaction <guanxi.app.App.transaction>` to write them after it.
    """
    if not events:
        return
    if uow.read_only:
        uow.deferred_audit.extend(events)
        return
    connection = uow.session.connection()
    previous = _last_hash(connection)
    principal = uow.principal
    rows = []
    for item in events:
        # Stored as its JSON form (dates and decimals as text), which is what is read back.
        changes = _jsonable(item.changes) or {}
        row = {
            "at": uow.now,
            "actor_id": principal.staff_id,
            "actor": principal.username,
            "action": item.action,
            "entity": item.entity,
            "entity_id": None if item.entity_id is None else str(item.entity_id),
            "customer_id": item.customer_id,
            "changes": changes,
            "changes_digest": digest(changes),
            "detail": item.detail,
            "erased": False,
        }
        row["prev_hash"] = previous
        row["hash"] = previous = chain_hash(previous, row)
        rows.append(tuple(row[c] for c in AUDIT_COLUMNS))
    BulkInserter(connection, AuditEntry.__table__, AUDIT_COLUMNS).insert(rows)  # type: ignore[attr-defined]


def _jsonable(value: Any) -> Any:
    return json.loads(canonical(value)) if value is not None else None


def _identity(obj: Any) -> str:
    # The mapper reads the primary key off the object: a new row has it only now, after
    # its INSERT, which is why auditing runs after the flush.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key)


def _orm_events(uow: UnitOfWork, session: Session) -> list[Event]:
    """Events for the ORM writes of registered entities in this flush."""
    registry = uow.app.access
    events: list[Event] = []
    groups = (("create", session.new), ("update", session.dirty), ("delete", session.deleted))
    for action, objects in groups:
        for obj in objects:
            entity = registry.entity_for(type(obj))
            if entity is None or not entity.audited:
                continue
            changes: dict[str, Any] = {}
            if action != "create":
                state = inspect(obj)
                for column in entity.table.c.keys():  # noqa: SIM118 (names, not columns)
                    history = state.attrs[column].history if column in state.attrs else None
                    if history is None:
                        continue
                    if action == "delete":
                        changes[column] = [_jsonable(getattr(obj, column)), None]
                    elif history.has_changes():
                        old = history.deleted[0] if history.deleted else None
                        new = history.added[0] if history.added else None
                        changes[column] = [_jsonable(old), _jsonable(new)]
                if action == "update" and not changes:
                    continue
            customer = (
                getattr(obj, entity.customer_column, None) if entity.customer_column else None
            )
            events.append(Event(action, entity.name, _identity(obj), customer, changes))
    return events


def install(uow: UnitOfWork) -> None:
    """Audit every ORM insert, update and delete of a registered entity in this unit of work.

    Creations are recorded by id (the values are in the record itself); updates and
    deletions with their old and new values. Bulk paths that bypass the ORM record their
    own events through :func:`record`.
    """

    def after_flush(session: Session, _context: Any) -> None:
        record(uow, _orm_events(uow, session))

    event.listen(uow.session, "after_flush", after_flush)


@dataclass(frozen=True)
class Problem:
    """Where verification failed and why."""

    entry_id: int
    reason: str


def verify(connection: Connection, *, batch: int = 10_000) -> tuple[int, list[Problem]]:
    """Walk the whole chain; return how many entries were checked and what is wrong."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    previous = GENESIS
    checked = 0
    problems: list[Problem] = []
    last_id: int | None = None  # not 0: a row numbered 0 or below must be walked too
    while True:
        query = select(table).order_by(table.c.id).limit(batch)
        if last_id is not None:
            query = query.where(table.c.id > last_id)
        rows = connection.execute(query).mappings().all()
        if not rows:
            return checked, problems
        for row in rows:
            checked += 1
            last_id = row["id"]
            if row["prev_hash"] != previous:
                problems.append(
                    Problem(
                        row["id"],
                        "does not follow the entry before it "
                        "(an entry was removed, inserted or reordered)",
                    )
                )
            # Erasure blanks the changes; an erased entry that holds some was written to.
            changes = row["changes"] or {}
            edited = bool(changes) if row["erased"] else digest(changes) != row["changes_digest"]
            if edited:
                problems.append(Problem(row["id"], "its changes were edited"))
            if chain_hash(row["prev_hash"], dict(row)) != row["hash"]:
                problems.append(Problem(row["id"], "its content does not match its hash (edited)"))
            previous = row["hash"]


def entries(
    connection: Connection,
    *,
    customer_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
) -> Iterator[Any]:
    """Audit entries, newest first, filtered by customer, actor and action."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    query = select(table)
    if customer_id is not None:
        query = query.where(table.c.customer_id == customer_id)
    if actor is not None:
        query = query.where(table.c.actor == actor)
    if action is not None:
        query = query.where(table.c.action == action)
    yield from connection.execute(query.order_by(table.c.id.desc()).limit(limit)).mappings()
