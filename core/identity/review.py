"""The review queue: stored duplicate pairs as a person works them.

Pairs of every origin (``scan``, ``create``, ``import``) are listed together. A person
sees a pair only if his record policies let him see both customers: a pair must not
reveal that a customer he may not see exists. Open pairs are joined into clusters
(three records of one person are one decision, not three), each with a suggested
survivor: the oldest record, the one with more interactions on a tie.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select, update

from guanxi import audit
from guanxi.access.enforce import filter_visible, require, visible_customers
from guanxi.db.chunks import chunks
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import ContactPoint, Customer, CustomerRollup, DuplicatePair

from .engine import clusters
from .scan_read import add_primary_points

_PAIRS = DuplicatePair.__table__  # type: ignore[attr-defined]
_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
_ROLLUPS = CustomerRollup.__table__  # type: ignore[attr-defined]
_POINTS = ContactPoint.__table__  # type: ignore[attr-defined]
STATES = ("open", "dismissed", "merged")
STATUSES = ("match", "review")
ORIGINS = ("scan", "create", "import")


@dataclass(frozen=True)
class PairView:
    """One stored pair as the review queue shows it."""

    id: int
    left_id: int
    right_id: int
    score: float
    status: str
    passes: list[str]
    fields: dict[str, str]
    origin: str
    state: str
    found_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by_id: int | None
    merge_id: int | None = None


@dataclass(frozen=True)
class Member:
    """A customer of a cluster, with what a person compares side by side."""

    id: int
    kind: str
    name: str
    birth_date: dt.date | None
    phone: str | None
    email: str | None
    created_at: dt.datetime
    interactions: int


@dataclass(frozen=True)
class Cluster:
    """Customers joined by open pairs, the pairs, and the merge a person would run."""

    customers: list[Member]
    pairs: list[PairView]
    best_score: float
    status: str  # match when any pair is a match, else review
    survivor_id: int

    @property
    def merge_command(self) -> str:
        """The command that merges the cluster into the suggested survivor."""
        others = " ".join(str(m.id) for m in self.customers if m.id != self.survivor_id)
        return f"guanxi dedupe merge {self.survivor_id} {others}"


def _choice(name: str, value: str | None, allowed: Sequence[str]) -> None:
    if value is not None and value not in allowed:
        raise ValidationError(name, f"{value!r} is not one of {', '.join(allowed)}")


def _pairs_query(uow: Any, columns: Sequence[Any], *, state: str | None,
                 status: str | None, origin: str | None) -> Any:
    """SELECT ``columns`` of the pairs chosen, both customers visible, best score first."""
    require(uow, "duplicate_pair", "read")
    _choice("state", state, STATES)
    _choice("status", status, STATUSES)
    _choice("origin", origin, ORIGINS)
    c = _PAIRS.c
    query = select(*columns).order_by(c.score.desc(), c.id)
    for column, value in ((c.state, state), (c.status, status), (c.origin, origin)):
        if value is not None:
            query = query.where(column == value)
    visible = visible_customers(uow)
    if visible is not None:  # in SQL: a queue of 100,000s of pairs is never all read
        query = query.where(c.left_id.in_(visible), c.right_id.in_(visible))
    return query


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ValidationError("limit", f"must be at least 1, not {limit}")


def list_pairs(uow: Any, *, state: str | None = "open", status: str | None = None,
               origin: str | None = None, limit: int | None = None) -> list[PairView]:
    """Stored pairs, best score first, that the acting user may see both sides of."""
    _check_limit(limit)
    query = _pairs_query(uow, [_PAIRS], state=state, status=status, origin=origin)
    if limit is not None:
        query = query.limit(limit)
    return [PairView(**row) for row in uow.session.connection().execute(query).mappings()]


def open_clusters(uow: Any, *, status: str | None = None, origin: str | None = None,
                  limit: int | None = None) -> list[Cluster]:
    """The open pairs joined into clusters (union-find), best score first.

    ``status`` (match or review) and ``origin`` choose which pairs take part; ``limit``
    caps the number of clusters. Record-level access applies to every pair. Only the
    pairs' ids and scores are read to build the clusters; the shown ones are read whole.
    """
    _check_limit(limit)
    c = _PAIRS.c
    connection = uow.session.connection()
    # Unordered (a sequential read), then sorted here: ORDER BY over a queue of 100,000s
    # of pairs seeks every row from the (state, score) index.
    query = _pairs_query(uow, [c.id, c.left_id, c.right_id, c.score], state="open",
                         status=status, origin=origin).order_by(None)
    edges = sorted(connection.execute(query).all(), key=lambda e: (-e.score, e.id))
    ids = sorted({e.left_id for e in edges} | {e.right_id for e in edges})
    index = {cid: k for k, cid in enumerate(ids)}
    groups = clusters(len(ids), [index[e.left_id] for e in edges],
                      [index[e.right_id] for e in edges])
    home = {ids[k]: n for n, group in enumerate(groups) for k in group}
    by_group: dict[int, list[int]] = {}
    for edge in edges:  # best score first: a group's first pair is its best
        by_group.setdefault(home[edge.left_id], []).append(edge.id)
    ranked = list(by_group.values())[:limit]
    wanted = [pid for pair_ids in ranked for pid in pair_ids]
    views: dict[int, PairView] = {}
    for chunk in chunks(wanted):
        for row in connection.execute(select(_PAIRS).where(c.id.in_(list(chunk)))).mappings():
            views[row["id"]] = PairView(**row)
    members = _members(uow, {i for v in views.values() for i in (v.left_id, v.right_id)})
    out = []
    for pair_ids in ranked:
        group_pairs = [views[pid] for pid in pair_ids]
        cids = sorted({i for p in group_pairs for i in (p.left_id, p.right_id)})
        people = [members[i] for i in cids if i in members]
        if len(people) < 2:
            continue  # a customer erased since the pair was stored
        out.append(Cluster(
            customers=people, pairs=group_pairs,
            best_score=group_pairs[0].score,
            status="match" if any(p.status == "match" for p in group_pairs) else "review",
            survivor_id=min(people, key=lambda m: (m.created_at, -m.interactions, m.id)).id,
        ))
    return out


def _members(uow: Any, ids: set[int]) -> dict[int, Member]:
    """The customers of the clusters, with their primary phone and email."""
    connection = uow.session.connection()
    c, r, p = _CUSTOMERS.c, _ROLLUPS.c, _POINTS.c
    rows: list[Any] = []
    points: dict[int, dict[str, Any]] = {}
    for chunk in chunks(sorted(ids)):
        query = (select(c.id, c.kind, c.name, c.birth_date, c.created_at, r.interaction_count)
                 .select_from(_CUSTOMERS.outerjoin(_ROLLUPS, r.customer_id == c.id))
                 .where(c.id.in_(list(chunk)), c.erased_at.is_(None)))
        found = connection.execute(query).all()
        rows.extend(found)
        batch: dict[int, dict[str, Any]] = {row.id: {} for row in found}
        add_primary_points(connection, batch, p.customer_id.in_(list(batch)))
        points.update(batch)
    return {row.id: Member(id=row.id, kind=row.kind, name=row.name, birth_date=row.birth_date,
                           phone=points[row.id].get("phone"), email=points[row.id].get("email"),
                           created_at=row.created_at, interactions=row.interaction_count or 0)
            for row in rows}


def dismiss(uow: Any, pair_ids: Sequence[int], *, reason: str | None = None) -> list[PairView]:
    """Mark pairs "not a duplicate" for good (a person's decision); audited.

    Every id is checked before anything changes: an unknown pair, or one the user may
    not see both customers of, is :class:`NotFoundError`; a merged pair is a
    :class:`ValidationError` (undo the merge instead). Dismissing a dismissed pair
    again records the new decision.
    """
    require(uow, "duplicate_pair", "update")
    wanted = list(dict.fromkeys(int(i) for i in pair_ids))
    if not wanted:
        raise ValidationError("pair_id", "name at least one pair")
    connection = uow.session.connection()
    c = _PAIRS.c
    rows = {row["id"]: PairView(**row) for row in connection.execute(
        select(_PAIRS).where(c.id.in_(wanted))).mappings()}
    seen = filter_visible(uow, {p.left_id for p in rows.values()}
                          | {p.right_id for p in rows.values()})
    visible = {p.id for p in rows.values() if p.left_id in seen and p.right_id in seen}
    for pair_id in wanted:
        if pair_id not in visible:
            raise NotFoundError(f"no duplicate pair {pair_id}")
        if rows[pair_id].state == "merged":
            raise ValidationError("pair_id", f"pair {pair_id} was merged; undo the merge instead")
    connection.execute(update(_PAIRS).where(c.id.in_(wanted)).values(
        state="dismissed", decided_at=uow.now, decided_by_id=uow.actor_id))
    audit.record(uow, [audit.Event(
        "dismiss", "duplicate_pair", pid, rows[pid].left_id,
        changes={"state": [rows[pid].state, "dismissed"],
                 "customers": [rows[pid].left_id, rows[pid].right_id]},
        detail=reason) for pid in wanted])
    return [replace(rows[pid], state="dismissed", decided_at=uow.now,
                    decided_by_id=uow.actor_id) for pid in wanted]
