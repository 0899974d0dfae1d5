"""Scanning every stored customer for duplicates, into the review queue.

The scan reads all customers through the connection in large batches (engine records,
as :mod:`.customers` makes them, read by id range: :mod:`.scan_read`), normalises each batch at once
into the engine's columns (:func:`~guanxi.identity.prepare.prepare`) and drops the
batch, so only the normalised columns of a million customers are held, never a million
records. Persons and organisations are matched separately, each under its own form of
the edition's rules (:func:`~guanxi.identity.keys.rules_for_kind`). Blocking on the whole
population gives candidate pairs as numpy index arrays; they are scored in chunks and only
the pairs at or above the review threshold ever become Python objects.

The result is merged into ``duplicate_pair`` (origin ``scan``) by :mod:`.scan_store`:
new pairs are opened, open ones rescored, pairs that fell below the review threshold
closed, dismissed ones left alone unless their score rose past the threshold above the
one they were dismissed at. See docs/identity-scan.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.models import Customer

from .blocking import Candidates, candidate_pairs
from .engine import ScoredPair, clusters, explain_pairs
from .keys import identity_context, rules_for_kind, split_by_kind
from .prepare import Prepared
from .review import Cluster, dismiss, list_pairs, open_clusters
from .rules import MatchRules
from .scan_read import iter_all_records, prepare_stored
from .scan_store import MERGED, PairKey, StoredPair, apply_scan, load_pairs
from .scoring import score

__all__ = ["Cluster", "Progress", "ScanResult", "dismiss", "list_pairs", "open_clusters",
           "scan_duplicates"]

#: ``progress(stage, done, total)``: stages ``read`` (customers), ``match`` (kinds).
Progress = Callable[[str, int, int], None]

#: Customers read per batch: large enough to keep the per-query overhead small, small
#: enough that one batch of engine records (dicts) stays a few tens of MB.
READ_BATCH = 50_000
#: Candidate pairs compared per call of the scorer: bounds the level and value arrays.
SCORE_CHUNK = 400_000

#: Candidate pairs per customer above which the scan's result says blocking is loose.
LOOSE_BLOCKING = 10

_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ScanResult:
    """What one scan found and changed in the review queue."""

    customers: int  # customers read (persons and organisations)
    candidates: int  # candidate pairs scored (incremental: those touching a change)
    at_match: int  # pairs scoring at or above the match threshold
    at_review: int  # pairs in [review, match)
    new: int  # pairs opened
    updated: int  # open pairs whose score, passes or fields changed
    closed: int  # open pairs that no longer score (or lost a customer): dismissed by the scan
    reopened: int  # dismissed pairs that crossed the threshold above their old score
    clusters: int  # groups of customers joined by the pairs found
    seconds: float
    since: dt.datetime | None = None
    changed: int | None = None  # customers created/updated since ``since``
    notes: list[str] = field(default_factory=list)


@dataclass
class _Population:
    """The normalised columns of every customer of one kind, in id order."""

    ids: list[int] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)

    def add(self, data: Prepared) -> None:
        self.ids.extend(int(i) for i in data.ids)  # type: ignore[call-overload]
        for name, column in data.columns.items():
            self.columns.setdefault(name, []).extend(column)

    def prepared(self) -> Prepared:
        return Prepared(ids=list(self.ids), columns=self.columns)


def _read(connection: Any, rules: MatchRules, id_number_field: str | None,
          progress: Progress | None) -> dict[str, _Population]:
    """Every customer, normalised, grouped by kind (batch by batch; batches dropped)."""
    total = connection.execute(
        select(func.count()).select_from(_CUSTOMERS).where(_CUSTOMERS.c.erased_at.is_(None))
    ).scalar_one()
    populations: dict[str, _Population] = {}
    done = 0
    for batch in iter_all_records(connection, batch_size=READ_BATCH,
                                  id_number_field=id_number_field):
        for kind, group in split_by_kind(batch).items():
            populations.setdefault(kind, _Population()).add(
                prepare_stored(group, rules_for_kind(rules, kind)))
        done += len(batch)
        if progress:
            progress("read", done, total)
    return populations


def _changed_ids(connection: Any, since: dt.datetime) -> set[int]:
    """Customers created or updated at or after ``since`` (not erased)."""
    c = _CUSTOMERS.c
    query = select(c.id).where(c.erased_at.is_(None),
                               or_(c.created_at >= since, c.updated_at >= since))
    return {int(i) for (i,) in connection.execute(query)}


def _stored_codes(ids: np.ndarray, stored: dict[PairKey, StoredPair],
                  changed: set[int] | None) -> np.ndarray:
    """Sorted codes ``i * n + j`` of the stored pairs between records ``i < j`` of ``ids``
    (for an incremental scan, only those touching a changed customer)."""
    keys = [k for k, pair in stored.items() if pair.state != MERGED
            and (changed is None or k[0] in changed or k[1] in changed)]
    if not keys or not ids.size:
        return np.empty(0, dtype=np.int64)
    a = np.fromiter((k[0] for k in keys), dtype=np.int64, count=len(keys))
    b = np.fromiter((k[1] for k in keys), dtype=np.int64, count=len(keys))
    ia = np.minimum(np.searchsorted(ids, a), ids.size - 1)
    ib = np.minimum(np.searchsorted(ids, b), ids.size - 1)
    both = (ids[ia] == a) & (ids[ib] == b)
    return np.unique(ia[both] * ids.size + ib[both])


def _candidates(data: Prepared, rules: MatchRules, changed: set[int] | None,
                stored_codes: np.ndarray) -> Candidates:
    """Blocked pairs (only those touching a change, if any), plus the stored pairs
    between these records blocking no longer proposes, so their score is known too."""
    found = candidate_pairs(data, rules)
    n = len(data)
    left, right, passes = found.left, found.right, found.passes
    if changed is not None:
        ids = np.asarray(data.ids, dtype=np.int64)
        touched = np.isin(ids, np.fromiter(changed, dtype=np.int64, count=len(changed)))
        keep = touched[left] | touched[right]
        left, right, passes = left[keep], right[keep], passes[keep]
    extra = stored_codes[~np.isin(stored_codes, left * n + right)]
    return Candidates(np.concatenate([left, extra // n]), np.concatenate([right, extra % n]),
                      np.concatenate([passes, np.zeros(extra.size, dtype=np.int64)]))


def _score_all(data: Prepared, cands: Candidates, rules: MatchRules,
               stored_codes: np.ndarray) -> list[ScoredPair]:
    """Score candidates chunk by chunk; explain those at review level or already stored
    (a stored pair is explained whatever it scores: a fall closes it)."""
    out: list[ScoredPair] = []
    n = len(data)
    for start in range(0, len(cands), SCORE_CHUNK):
        part = Candidates(cands.left[start:start + SCORE_CHUNK],
                          cands.right[start:start + SCORE_CHUNK],
                          cands.passes[start:start + SCORE_CHUNK])
        scores = score(data, data, part, rules)
        keep = (scores.scores >= rules.review_threshold) | np.isin(
            part.left * n + part.right, stored_codes)
        out.extend(explain_pairs(scores, data, data, rules, keep))
    return out


def scan_duplicates(uow: Any, *, since: dt.datetime | None = None,
                    progress: Progress | None = None) -> ScanResult:
    """Find duplicate pairs among all customers and merge them into the review queue.

    With ``since``, only pairs with a customer created or updated since then are
    proposed (each such customer against everyone). Needs ``duplicate_pair:create``.
    The pairs are stored with origin ``scan``; see :mod:`.scan_store` for how stored
    pairs (of any origin) are rescored, closed and reopened.
    """
    require(uow, "duplicate_pair", "create")
    started = time.perf_counter()
    context = identity_context(uow)
    connection = uow.session.connection()
    populations = _read(connection, context.rules, context.id_number_field, progress)
    changed = _changed_ids(connection, since) if since is not None else None
    stored = load_pairs(connection)
    scored: list[ScoredPair] = []
    present: set[int] = set()
    n_candidates = 0
    for step, (kind, population) in enumerate(sorted(populations.items()), start=1):
        data = population.prepared()
        present.update(data.ids)  # type: ignore[arg-type]
        rules = rules_for_kind(context.rules, kind)
        codes = _stored_codes(np.asarray(data.ids, dtype=np.int64), stored, changed)
        cands = _candidates(data, rules, changed, codes)
        n_candidates += len(cands)
        scored.extend(_score_all(data, cands, rules, codes))
        if progress:
            progress("match", step, len(populations))
        del data, cands
    outcome = apply_scan(uow, scored, stored, context.rules, present=present, changed=changed)
    per_customer = n_candidates / max(len(present), 1)
    if per_customer > LOOSE_BLOCKING:
        outcome.notes.append(
            f"{per_customer:.0f} candidate pairs per customer: the blocking passes are loose "
            "for this many customers (see 'large databases' in docs/identity-scan.md)")
    at_match = sum(1 for p in scored if p.score >= context.rules.match_threshold)
    at_review = sum(1 for p in scored if context.rules.review_threshold <= p.score
                    < context.rules.match_threshold)
    groups = _clusters(p for p in scored if p.score >= context.rules.review_threshold)
    result = ScanResult(
        customers=sum(len(p.ids) for p in populations.values()),
        candidates=n_candidates, at_match=at_match, at_review=at_review,
        new=outcome.new, updated=outcome.updated, closed=outcome.closed,
        reopened=outcome.reopened, clusters=groups,
        seconds=round(time.perf_counter() - started, 3),
        since=since, changed=len(changed) if changed is not None else None,
        notes=outcome.notes,
    )
    audit.record(uow, [audit.Event(
        action="scan", entity="duplicate_pair",
        changes={"since": since.isoformat() if since else None, "customers": result.customers,
                 "new": result.new, "updated": result.updated, "closed": result.closed,
                 "reopened": result.reopened},
    )])
    return result


def _clusters(pairs: Any) -> int:
    """How many groups of two or more customers the pairs join."""
    edges = [(int(p.left), int(p.right)) for p in pairs]
    if not edges:
        return 0
    ids = sorted({i for edge in edges for i in edge})
    index = {cid: k for k, cid in enumerate(ids)}
    return len(clusters(len(ids), [index[a] for a, _ in edges], [index[b] for _, b in edges]))


JOB_NAME = "core.identity_scan"


def nightly_scan(uow: Any, due_at: dt.datetime) -> str:
    """The ``core.identity_scan`` job: an incremental scan since its last successful run
    (a full scan the first time); returns the one-line summary the job history keeps."""
    from guanxi.models import JobRun

    runs = JobRun.__table__  # type: ignore[attr-defined]
    last = uow.session.connection().execute(
        select(func.max(runs.c.started_at)).where(runs.c.name == JOB_NAME,
                                                 runs.c.status == "ok")).scalar()
    result = scan_duplicates(uow, since=last)
    scope = f"since {last.isoformat()}" if last else "full"
    return (f"{scope}: {result.customers} customers, {result.new} new, {result.updated} "
            f"updated, {result.closed} closed, {result.reopened} reopened pairs")
