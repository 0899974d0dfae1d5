"""Merging a scan's scored pairs into the review queue (``duplicate_pair``).

The rules, per pair the scan scored (a pair of any origin, ``scan``, ``create`` or
``import``, is the same pair):

* not stored and at or above the review threshold: inserted, ``open``, origin ``scan``;
* stored and ``open``: its score, status, passes and fields are refreshed; below the
  review threshold it is closed (``dismissed``, ``decided_by_id`` NULL: nobody decided);
* stored and ``dismissed``: left alone, unless its score rose past the threshold above
  the one it was dismissed at. A pair a person dismissed was in the queue (score at or
  above review), so it comes back only when it now scores a match; one the scan closed
  (score below review) comes back once it scores for review again;
* ``merged`` pairs are history and never touched.

Stored open pairs the scan should have seen but could not score (a customer erased, or
the two are no longer of the same kind) are closed too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update

from guanxi.db.bulk import BulkInserter
from guanxi.models import DuplicatePair

from .engine import ScoredPair
from .rules import MatchRules

PairKey = tuple[int, int]

_PAIRS = DuplicatePair.__table__  # type: ignore[attr-defined]
OPEN, DISMISSED, MERGED = "open", "dismissed", "merged"
_NEW_COLUMNS = ("left_id", "right_id", "score", "status", "passes", "fields", "origin",
                "state", "found_at")


@dataclass(frozen=True)
class StoredPair:
    """What the scan needs to know of a stored pair."""

    id: int
    score: float
    status: str
    passes: list[str]
    fields: dict[str, str]
    state: str


@dataclass
class StoreOutcome:
    """Counts of what :func:`apply_scan` changed, and notes for the person who ran it."""

    new: int = 0
    updated: int = 0
    closed: int = 0
    reopened: int = 0
    notes: list[str] = field(default_factory=list)


def load_pairs(connection: Any) -> dict[PairKey, StoredPair]:
    """Every stored pair, by ``(left_id, right_id)`` (merged ones too: they are never
    inserted again, nor touched)."""
    c = _PAIRS.c
    query = select(c.id, c.left_id, c.right_id, c.score, c.status, c.passes, c.fields,
                   c.state)
    return {(int(row.left_id), int(row.right_id)): StoredPair(
        id=int(row.id), score=float(row.score), status=row.status, passes=list(row.passes or []),
        fields=dict(row.fields or {}), state=row.state) for row in connection.execute(query)}


def _status(value: float, rules: MatchRules) -> str:
    return "match" if value >= rules.match_threshold else "review"


def _reopens(old: StoredPair, value: float, rules: MatchRules) -> bool:
    """Whether a dismissed pair's new score crossed the threshold above its old one."""
    bar = rules.match_threshold if old.score >= rules.review_threshold else rules.review_threshold
    return old.score < bar <= value


def apply_scan(uow: Any, scored: Iterable[ScoredPair], stored: dict[PairKey, StoredPair],
               rules: MatchRules, *, present: set[int], changed: set[int] | None) -> StoreOutcome:
    """Insert, rescore, close and reopen pairs in ``duplicate_pair`` after a scan.

    ``scored`` are the scan's pairs (at or above review, plus every stored pair it
    rescored); ``present`` the customers it read; ``changed`` (incremental scans) the
    customers whose pairs it looked at — stored pairs outside them are out of scope.
    """
    outcome = StoreOutcome()
    now = uow.now
    new_rows: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    seen: set[PairKey] = set()
    for pair in scored:
        key = (int(pair.left), int(pair.right))  # type: ignore[call-overload]
        seen.add(key)
        old = stored.get(key)
        value = float(pair.score)
        reviewable = value >= rules.review_threshold
        if old is not None and old.state == MERGED:
            continue
        if old is None:
            if reviewable:
                new_rows.append((key[0], key[1], value, pair.status, list(pair.passes),
                                 dict(pair.fields), "scan", OPEN, now))
            continue
        passes = list(pair.passes) or old.passes  # found only as a stored pair: keep why
        values = {"pid": old.id, "score": value, "status": _status(value, rules),
                  "passes": passes, "fields": dict(pair.fields)}
        if old.state == OPEN and not reviewable:
            outcome.closed += 1
            updates.append({**values, "state": DISMISSED, "decided_at": now})
        elif old.state == OPEN:
            if (round(old.score, 3), old.status, old.passes, old.fields) != (
                    round(value, 3), values["status"], passes, values["fields"]):
                outcome.updated += 1
                updates.append({**values, "state": OPEN, "decided_at": None})
        elif old.state == DISMISSED and _reopens(old, value, rules):
            outcome.reopened += 1
            updates.append({**values, "state": OPEN, "decided_at": None})
    gone = 0
    for key, old in stored.items():
        if key in seen or old.state != OPEN:
            continue
        looked_at = changed is None or key[0] in changed or key[1] in changed
        if not looked_at and key[0] in present and key[1] in present:
            continue  # an incremental scan left it alone
        gone += 1
        updates.append({"pid": old.id, "score": old.score, "status": old.status,
                        "passes": old.passes, "fields": old.fields, "state": DISMISSED,
                        "decided_at": now})
    if gone:
        outcome.closed += gone
        outcome.notes.append(f"{gone} open pair(s) closed: a customer is gone or the two "
                             "are no longer of the same kind")
    if outcome.reopened:
        outcome.notes.append(f"{outcome.reopened} dismissed pair(s) reopened: their score "
                             "rose past the threshold above the one they were dismissed at")
    connection = uow.session.connection()
    if new_rows:
        BulkInserter(connection, _PAIRS, _NEW_COLUMNS).insert(new_rows)
        outcome.new = len(new_rows)
    if updates:
        c = _PAIRS.c
        statement = update(_PAIRS).where(c.id == bindparam("pid")).values(
            score=bindparam("score"), status=bindparam("status"), passes=bindparam("passes"),
            fields=bindparam("fields"), state=bindparam("state"),
            decided_at=bindparam("decided_at"), decided_by_id=None)
        connection.execute(statement, updates)
    return outcome
