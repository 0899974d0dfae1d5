"""Merging duplicate customers into one, with a preview, and undoing a merge exactly.

* :func:`preview_merge` — what a merge would do: every field's values and the one kept
  (from which record, by which rule), the union of contact points, identities, tags,
  roles and special dates, the rows that move per table, and warnings. Writes nothing.
* :func:`merge_customers` — do it: rows move (:mod:`.merge_rows`), the survivor takes
  the chosen values (:mod:`.survivor`), plugins combine what cannot move
  (``customers_merged``), the merged customer rows are deleted and their ids redirect
  to the survivor (``merged_customer``). Everything is journalled in ``customer_merge``.
* :func:`undo_merge` — restore both sides exactly from the journal; rows created since
  the merge stay with the survivor, a field edited since keeps its new value.

See docs/identity-merge.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import col
from sqlmodel import select as orm_select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import (
    Customer,
    CustomerMerge,
    DuplicatePair,
    ExternalIdentity,
    MatchKey,
    MergedCustomer,
)

from .journal import decode_row, decode_value, encode_row, encode_value
from .merge_book import repoint_pairs, restore_pairs
from .merge_rows import apply_moves, drop_duplicates, journal_rows, plan_moves, undo_rows
from .settings import SECTION, IdentitySettings
from .survivor import (
    BASIC_RULES,
    Candidate,
    FieldChoice,
    check_rule,
    check_take,
    choose_fields,
    survivor_values,
    warnings_for,
)

_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
_MERGES = CustomerMerge.__table__  # type: ignore[attr-defined]
_RETIRED = MergedCustomer.__table__  # type: ignore[attr-defined]
JOURNAL_VERSION = 1


@dataclass(frozen=True)
class MergePreview:
    """What merging ``merged_ids`` into ``survivor_id`` would do."""

    survivor_id: int
    merged_ids: tuple[int, ...]
    fields: list[FieldChoice]
    contact_points: list[dict[str, Any]]  # kind, value, customer_id (duplicates once)
    identities: list[str]  # SOURCE:ID
    tags: list[str]
    roles: list[str]
    special_dates: list[dict[str, Any]]
    rows: dict[str, dict[str, int]]  # table → {"moved": n, "dropped": n}
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Prepared:
    candidates: list[Candidate]
    choices: list[FieldChoice]


def _settings(uow: UnitOfWork) -> IdentitySettings:
    settings = uow.app.settings_for(SECTION)
    assert isinstance(settings, IdentitySettings)
    return settings


def retired_into(uow: UnitOfWork, customer_id: int) -> tuple[int, int] | None:
    """``(survivor id, merge id)`` if ``customer_id`` was retired by a merge, else None.

    Follows chains (42 merged into 17, later 17 into 5: 42 means 5).
    """
    connection = uow.session.connection()
    found = None
    seen = {customer_id}
    current = customer_id
    while True:
        row = connection.execute(select(_RETIRED.c.survivor_id, _RETIRED.c.merge_id)
                                 .where(_RETIRED.c.customer_id == current)).first()
        if row is None or row.survivor_id in seen:
            return found
        found = (row.survivor_id, found[1] if found else row.merge_id)
        seen.add(row.survivor_id)
        current = row.survivor_id


def _not_found(uow: UnitOfWork, customer_id: int) -> NotFoundError:
    retired = retired_into(uow, customer_id)
    if retired is not None:
        return NotFoundError(f"customer {customer_id} was merged into {retired[0]} "
                             f"(merge {retired[1]})")
    return NotFoundError(f"no customer with id {customer_id}")


def _candidates(uow: UnitOfWork, ids: Sequence[int]) -> list[Candidate]:
    """The records taking part, in the order given; refuses what cannot be merged."""
    from guanxi.privacy import active_holds

    # Through the ORM: a customer the user may not see is not found (nor leaked).
    visible = set(uow.session.exec(orm_select(Customer.id).where(col(Customer.id).in_(ids))))
    for customer_id in ids:
        if customer_id not in visible:
            raise _not_found(uow, customer_id)
    connection = uow.session.connection()
    rows = {r["id"]: r for r in connection.execute(
        select(_CUSTOMERS).where(_CUSTOMERS.c.id.in_(list(ids)))).mappings()}
    identities = ExternalIdentity.__table__  # type: ignore[attr-defined]
    sources: dict[int, set[str]] = {}
    for cid, source in connection.execute(select(identities.c.customer_id, identities.c.source)
                                          .where(identities.c.customer_id.in_(list(ids)))):
        sources.setdefault(cid, set()).add(source)
    candidates = []
    for customer_id in ids:
        row = rows[customer_id]
        if row["erased_at"] is not None:
            raise ValidationError(None, f"customer {customer_id} was erased: it cannot be merged")
        holds = active_holds(uow, customer_id)
        if holds:
            raise ValidationError(None, f"customer {customer_id} is under legal hold "
                                        f"{holds[0].id} ({holds[0].reason}): it cannot be merged")
        candidates.append(Candidate(customer_id, dict(row), frozenset(sources.get(customer_id, ())),
                                    row["updated_at"]))
    first = candidates[0]
    for other in candidates[1:]:
        if other.row["kind"] != first.row["kind"]:
            raise ValidationError("kind", f"customer {first.id} is a {first.row['kind']} and "
                                          f"{other.id} an {other.row['kind']}: "
                                          "they cannot be merged")
    return candidates


def _prepare(uow: UnitOfWork, survivor_id: int, merged_ids: Sequence[int],
             take: Mapping[str, int] | None, prefer: str | None) -> _Prepared:
    merged = list(merged_ids)
    if not merged:
        raise ValidationError("merged_ids", "name at least one customer to merge")
    if survivor_id in merged:
        raise ValidationError("merged_ids", f"customer {survivor_id} cannot be merged into itself")
    if len(set(merged)) != len(merged):
        raise ValidationError("merged_ids", "a customer is named twice")
    settings = _settings(uow)
    configured = dict(settings.merge_fields)
    for name, rule in configured.items():
        check_rule(rule, f"identity.merge_fields.{name}")
    default = check_rule(settings.merge_default, "identity.merge_default")
    if prefer is not None:
        check_rule(prefer, "prefer")
        if prefer not in BASIC_RULES and not prefer.startswith("source:"):
            raise ValidationError("prefer", f"{prefer!r} combines values: give complete, "
                                            "newest, survivor or source:NAME")
    candidates = _candidates(uow, [survivor_id, *merged])
    take = dict(take or {})
    check_take(take, candidates)
    choices = choose_fields(candidates, take=take, prefer=prefer, configured=configured,
                            default=default, stages=uow.app.settings.lifecycle_stages)
    return _Prepared(candidates, choices)


def _children(uow: UnitOfWork, ids: Sequence[int]) -> dict[str, list[Any]]:
    """The union of the records' contact points, identities, tags, roles and dates."""
    from guanxi.services.lookup import load_records

    query = orm_select(Customer).where(col(Customer.id).in_(ids))
    by_id = {r.id: r for r in uow.session.exec(query)}
    records = load_records(uow, [by_id[i] for i in ids])
    points: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    dates: list[dict[str, Any]] = []
    seen_dates: set[tuple[str, Any]] = set()
    for record in records:
        for p in record.contact_points:
            if (p.kind, p.normalized) not in seen:
                seen.add((p.kind, p.normalized))
                points.append({"kind": p.kind, "value": p.value, "customer_id": record.id})
        for d in record.special_dates:
            if (d.label, d.date) not in seen_dates:
                seen_dates.add((d.label, d.date))
                dates.append({"label": d.label, "date": d.date, "customer_id": record.id})
    return {
        "contact_points": points,
        "identities": list(dict.fromkeys(f"{i.source}:{i.external_id}"
                                         for r in records for i in r.identities)),
        "tags": list(dict.fromkeys(t for r in records for t in r.tags)),
        "roles": list(dict.fromkeys(t for r in records for t in r.roles)),
        "special_dates": dates,
        "_identities": [(r.id, i.source, i.external_id) for r in records for i in r.identities],
    }


def _identity_warnings(identities: list[tuple[int, str, str]]) -> list[str]:
    by_source: dict[str, set[str]] = {}
    for _, source, external in identities:
        by_source.setdefault(source, set()).add(external)
    return [f"two ids in {source}: {', '.join(sorted(ids))}"
            for source, ids in sorted(by_source.items()) if len(ids) > 1]


def preview_merge(uow: UnitOfWork, survivor_id: int, merged_ids: Sequence[int], *,
                  take: Mapping[str, int] | None = None,
                  prefer: str | None = None) -> MergePreview:
    """What merging ``merged_ids`` into ``survivor_id`` would do; changes nothing."""
    require(uow, "customer_merge", "create")
    prepared = _prepare(uow, survivor_id, merged_ids, take, prefer)
    children = _children(uow, [survivor_id, *merged_ids])
    plan = plan_moves(uow, survivor_id, merged_ids)
    return MergePreview(
        survivor_id, tuple(merged_ids), prepared.choices, children["contact_points"],
        children["identities"], children["tags"], children["roles"],
        children["special_dates"], plan.counts(),
        warnings_for(prepared.candidates) + _identity_warnings(children["_identities"]),
    )


def _validated(uow: UnitOfWork, prepared: _Prepared) -> dict[str, Any]:
    """The survivor's new values, checked as an update of the customer is."""
    from guanxi.services.customers import owner_ids, validate_customer

    values = survivor_values(prepared.choices)
    survivor = prepared.candidates[0].row
    data = {name: values[name] for name in values if name not in ("owner_id",)}
    data.update(kind=survivor["kind"], owner=values["owner_id"], roles=None)
    data.pop("roles")
    try:
        record = validate_customer(uow, data)
    except ValidationError as exc:
        raise ValidationError(exc.field, f"the merged value is refused: {exc.reason}") from None
    if values["owner_id"] is not None and values["owner_id"] not in owner_ids(
            uow, {values["owner_id"]}):
        raise ValidationError("owner_id", f"no staff user {values['owner_id']}")
    values["custom"] = record.custom
    return values


def _journal_choices(choices: Sequence[FieldChoice]) -> dict[str, Any]:
    return {c.field: {"value": encode_value(c.value), "from": c.source_id, "rule": c.rule,
                      "values": {str(k): encode_value(v) for k, v in c.values.items()}}
            for c in choices}


def merge_customers(uow: UnitOfWork, survivor_id: int, merged_ids: Sequence[int], *,
                    take: Mapping[str, int] | None = None, prefer: str | None = None,
                    reason: str | None = None) -> CustomerMerge:
    """Merge ``merged_ids`` into ``survivor_id``; return the merge (its id undoes it)."""
    require(uow, "customer_merge", "create")
    merged = list(merged_ids)
    prepared = _prepare(uow, survivor_id, merged, take, prefer)
    values = _validated(uow, prepared)
    connection = uow.session.connection()
    inserted = connection.execute(insert(_MERGES).values(
        survivor_id=survivor_id, merged_ids=merged, at=uow.now, actor_id=uow.actor_id,
        actor=uow.principal.username, reason=(reason or "").strip() or None, choices={},
        journal={})).inserted_primary_key
    assert inserted is not None
    merge_id = inserted[0]
    retired = [encode_row(c.row) for c in prepared.candidates[1:]]
    plan = plan_moves(uow, survivor_id, merged)
    apply_moves(uow, plan)
    from guanxi.services.rollups import rebuild_rollups

    rebuild_rollups(uow, [survivor_id])
    before = prepared.candidates[0].row
    changed = {name: value for name, value in values.items() if before[name] != value}
    if changed:
        connection.execute(update(_CUSTOMERS).where(_CUSTOMERS.c.id == survivor_id)
                           .values(**changed, updated_at=uow.now))
    uow.session.expire_all()
    uow.hook.customers_merged(uow=uow, survivor_id=survivor_id, merged_ids=merged)
    uow.session.flush()
    drop_duplicates(uow, plan)
    rows = journal_rows(uow, plan)
    keys = MatchKey.__table__  # type: ignore[attr-defined]
    connection.execute(delete(keys).where(keys.c.customer_id.in_(merged)))
    connection.execute(delete(_CUSTOMERS).where(_CUSTOMERS.c.id.in_(merged)))
    connection.execute(insert(_RETIRED), [
        {"customer_id": cid, "survivor_id": survivor_id, "merge_id": merge_id} for cid in merged])
    pairs = repoint_pairs(uow, survivor_id, merged, merge_id)
    _refresh_keys(uow, [survivor_id])
    journal = {
        "version": JOURNAL_VERSION,
        "survivor": {"before": {n: encode_value(before[n]) for n in changed},
                     "after": {n: encode_value(v) for n, v in changed.items()},
                     "updated_at": encode_value(before["updated_at"])},
        "retired": retired, **rows, "pairs": pairs,
    }
    choices = {"fields": _journal_choices(prepared.choices), "take": dict(take or {}),
               "prefer": prefer}
    connection.execute(update(_MERGES).where(_MERGES.c.id == merge_id)
                       .values(choices=choices, journal=journal))
    moved = plan.counts()
    audit.record(uow, [audit.Event(
        "merge", "customer", survivor_id, survivor_id,
        {"merge_id": merge_id, "merged_ids": merged,
         "fields": {n: [before[n], v] for n, v in changed.items()}, "rows": moved},
        detail=reason)])
    return _detached(uow, merge_id)


def _refresh_keys(uow: UnitOfWork, customer_ids: Sequence[int]) -> None:
    """Recompute the stored match keys of these customers (the duplicate check's)."""
    from guanxi.identity.keys import refresh_keys

    refresh_keys(uow, list(customer_ids))


def _detached(uow: UnitOfWork, merge_id: int) -> CustomerMerge:
    """The merge as stored now, out of the session (later writes do not expire it)."""
    uow.session.expire_all()
    merge = get_merge(uow, merge_id)
    uow.session.expunge(merge)
    return merge


def get_merge(uow: UnitOfWork, merge_id: int) -> CustomerMerge:
    """One merge by id (NotFound if there is none or its survivor is not visible)."""
    require(uow, "customer_merge", "read")
    row = uow.session.exec(orm_select(CustomerMerge).where(CustomerMerge.id == merge_id)).first()
    if row is None:
        raise NotFoundError(f"no merge with id {merge_id}")
    return row


def list_merges(uow: UnitOfWork, *, customer_id: int | None = None,
                limit: int = 100) -> list[CustomerMerge]:
    """Merges, newest first; with ``customer_id``, those it took part in."""
    require(uow, "customer_merge", "read")
    query = orm_select(CustomerMerge).order_by(col(CustomerMerge.id).desc())
    rows = list(uow.session.exec(query))
    if customer_id is not None:
        rows = [m for m in rows if m.survivor_id == customer_id or customer_id in m.merged_ids]
    return rows[:limit]


def _check_undo(uow: UnitOfWork, merge: CustomerMerge) -> list[int]:
    if merge.undone_at is not None:
        when = uow.app.local_time(merge.undone_at)
        raise ValidationError(None, f"merge {merge.id} was already undone on {when:%Y-%m-%d}")
    if merge.journal.get("scrubbed_at"):
        raise ValidationError(None, f"merge {merge.id} cannot be undone: its journal was "
                                    "erased with a customer's personal data")
    involved = {merge.survivor_id, *merge.merged_ids}
    connection = uow.session.connection()
    later = connection.execute(select(_MERGES.c.id, _MERGES.c.survivor_id, _MERGES.c.merged_ids)
                               .where(_MERGES.c.id > merge.id, _MERGES.c.undone_at.is_(None))
                               .order_by(_MERGES.c.id.desc()))
    for other_id, survivor, merged in later:
        if involved & {survivor, *merged}:
            raise ValidationError(None, f"merge {other_id} (later) involves customers of merge "
                                        f"{merge.id}: undo merge {other_id} first")
    return list(merge.merged_ids)


def undo_merge(uow: UnitOfWork, merge_id: int) -> CustomerMerge:
    """Undo a merge: both sides as they were, what happened since kept (see module doc).

    The merge's ``journal["undo"]`` then says what was kept: ``kept_fields`` (edited
    since the merge) and counts of rows put back.
    """
    require(uow, "customer_merge", "update")
    merge = get_merge(uow, merge_id)
    restored = _check_undo(uow, merge)
    journal = merge.journal
    survivor_id = merge.survivor_id
    connection = uow.session.connection()
    connection.execute(insert(_CUSTOMERS),
                       [decode_row(_CUSTOMERS, row) for row in journal["retired"]])
    counts = undo_rows(uow, journal, survivor_id)
    kept = _restore_survivor(uow, survivor_id, journal["survivor"])
    restore_pairs(uow, journal.get("pairs", {}))
    connection.execute(delete(_RETIRED).where(_RETIRED.c.merge_id == merge_id))
    from guanxi.services.rollups import rebuild_rollups

    rebuild_rollups(uow, [survivor_id, *restored])
    _refresh_keys(uow, [survivor_id, *restored])
    uow.session.expire_all()
    uow.hook.customers_unmerged(uow=uow, survivor_id=survivor_id, restored_ids=restored)
    uow.session.flush()
    outcome = {"kept_fields": kept, **counts}
    connection.execute(update(_MERGES).where(_MERGES.c.id == merge_id).values(
        undone_at=uow.now, undone_by_id=uow.actor_id, journal={**journal, "undo": outcome}))
    audit.record(uow, [audit.Event("unmerge", "customer", survivor_id, survivor_id,
                                   {"merge_id": merge_id, "restored_ids": restored,
                                    "kept_fields": kept})])
    return _detached(uow, merge_id)


def _restore_survivor(uow: UnitOfWork, survivor_id: int, fields: Mapping[str, Any]) -> list[str]:
    """Put back the survivor's fields the merge changed, unless edited since; say which were."""
    connection = uow.session.connection()
    query = select(_CUSTOMERS).where(_CUSTOMERS.c.id == survivor_id)
    now = connection.execute(query).mappings().one()
    values: dict[str, Any] = {}
    kept = []
    for name, after in fields["after"].items():
        if encode_value(now[name]) == after:
            values[name] = decode_value(_CUSTOMERS.c[name], fields["before"][name])
        else:
            kept.append(name)
    if values:
        stamp = uow.now if kept else decode_value(_CUSTOMERS.c.updated_at, fields["updated_at"])
        connection.execute(update(_CUSTOMERS).where(_CUSTOMERS.c.id == survivor_id)
                           .values(**values, updated_at=stamp))
    return kept


def merge_pair(uow: UnitOfWork, pair_id: int, *, survivor_id: int | None = None,
               **kw: Any) -> CustomerMerge:
    """Merge the two customers of a ``duplicate_pair`` row (survivor: the older, unless told)."""
    require(uow, "customer_merge", "create")
    pair = uow.session.get(DuplicatePair, pair_id)
    if pair is None:
        raise NotFoundError(f"no duplicate pair with id {pair_id}")
    if pair.state != "open":
        raise ValidationError(None, f"pair {pair_id} is {pair.state}, not open")
    ids = (pair.left_id, pair.right_id)
    if survivor_id is None:
        survivor_id = min(ids)  # ids grow with time: the smaller is the older record
    if survivor_id not in ids:
        raise ValidationError("survivor_id", f"customer {survivor_id} is not in pair {pair_id}")
    other = ids[1] if survivor_id == ids[0] else ids[0]
    return merge_customers(uow, survivor_id, [other], **kw)
