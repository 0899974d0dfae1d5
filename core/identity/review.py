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
from guanxi.access.enforce import filter_visible, require
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, CustomerRollup, DuplicatePair

from .customers import load_engine_records
from .engine import clusters

_PAIRS = DuplicatePair.__table__  # type: ignore[attr-defined]
_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
_ROLLUPS = CustomerRollup.__table__  # type: ignore[attr-defined]
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


def list_pairs(uow: Any, *, state: str | None = "open", status: str | None = None,
               origin: str | None = None, limit: int | None = None) -> list[PairView]:
    """Stored pairs, best score first, that the acting user may see both sides of."""
    require(uow, "duplicate_pair", "read")
    _choice("state", state, STATES)
    _choice("status", status, STATUSES)
    _choice("origin", origin, ORIGINS)
    if limit is not None and limit < 1:
        raise ValidationError("limit", f"must be at least 1, not {limit}")
    c = _PAIRS.c
    query = select(_PAIRS).order_by(c.score.desc(), c.id)
    for column, value in ((c.state, state), (c.status, status), (c.origin, origin)):
        if value is not None:
            query = query.where(column == value)
    rows = [PairView(**row) for row in uow.session.connection().execute(query).mappings()]
    return _visible(uow, rows)[:limit]


def _visible(uow: Any, pairs: list[PairView]) -> list[PairView]:
    """The pairs whose two customers the acting user may both see."""
    seen = filter_visible(uow, {p.left_id for p in pairs} | {p.right_id for p in pairs})
    return [p for p in pairs if p.left_id in seen and p.right_id in seen]


def open_clusters(uow: Any, *, status: str | None = None, origin: str | None = None,
                  limit: int | None = None) -> list[Cluster]:
    """The open pairs joined into clusters (union-find), best score first.

    ``status`` (match or review) and ``origin`` choose which pairs take part; ``limit``
    caps the number of clusters. Record-level access applies to every pair.
    """
    if limit is not None and limit < 1:
        raise ValidationError("limit", f"must be at least 1, not {limit}")
    pairs = list_pairs(uow, state="open", status=status, origin=origin)
    ids = sorted({p.left_id for p in pairs} | {p.right_id for p in pairs})
    index = {cid: k for k, cid in enumerate(ids)}
    groups = clusters(len(ids), [index[p.left_id] for p in pairs],
                      [index[p.right_id] for p in pairs])
    home = {ids[k]: n for n, group in enumerate(groups) for k in group}
    by_group: dict[int, list[PairView]] = {}
    for pair in pairs:
        by_group.setdefault(home[pair.left_id], []).append(pair)
    ranked = sorted(by_group.values(), key=lambda ps: (-max(p.score for p in ps), ps[0].id))
    ranked = ranked[:limit]
    members = _members(uow, {i for ps in ranked for p in ps for i in (p.left_id, p.right_id)})
    out = []
    for group_pairs in ranked:
        cids = sorted({i for p in group_pairs for i in (p.left_id, p.right_id)})
        people = [members[i] for i in cids if i in members]
        if len(people) < 2:
            continue  # a customer erased since the pair was stored
        out.append(Cluster(
            customers=people, pairs=group_pairs,
            best_score=max(p.score for p in group_pairs),
            status="match" if any(p.status == "match" for p in group_pairs) else "review",
            survivor_id=min(people, key=lambda m: (m.created_at, -m.interactions, m.id)).id,
        ))
    return out


def _members(uow: Any, ids: set[int]) -> dict[int, Member]:
    """The customers of the clusters, with their primary phone and email."""
    if not ids:
        return {}
    connection = uow.session.connection()
    contacts = {int(r["id"]): r for r in load_engine_records(connection, ids)}  # type: ignore[arg-type]
    c, r = _CUSTOMERS.c, _ROLLUPS.c
    query = (select(c.id, c.kind, c.name, c.birth_date, c.created_at, r.interaction_count)
             .select_from(_CUSTOMERS.outerjoin(_ROLLUPS, r.customer_id == c.id))
             .where(c.id.in_(sorted(contacts))))
    out = {}
    for row in connection.execute(query):
        point = contacts[row.id]
        out[row.id] = Member(id=row.id, kind=row.kind, name=row.name, birth_date=row.birth_date,
                             phone=point.get("phone"), email=point.get("email"),
                             created_at=row.created_at, interactions=row.interaction_count or 0)
    return out


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
    visible = {p.id for p in _visible(uow, list(rows.values()))}
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
