"""Checking new customer records against the stored ones, before they are stored.

Candidates come from index seeks, never a scan: the stored match keys
(:mod:`.keys`, one ``key IN (…)`` per chunk), the ``contact_point`` lookup index for
every phone and email of the new records, and ``external_identity`` for their
identities. Each candidate is then scored by the engine against the new record, and
the new records are deduplicated among themselves, so a file that holds the same
person twice is caught as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select

from guanxi.db.chunks import chunks
from guanxi.models import ContactPoint, ExternalIdentity
from guanxi.models.identity import MatchKey
from guanxi.records import CustomerRecord

from .blocking import Candidates, pass_keys
from .customers import EngineRecord, engine_record, load_engine_records
from .engine import Status, explain_pairs
from .keys import CONTACT_FIELDS, IdentityContext, identity_context, keys_for, rules_for_kind
from .prepare import Prepared, prepare
from .rules import MatchRules
from .scoring import score

_KEYS = MatchKey.__table__  # type: ignore[attr-defined]
_POINTS = ContactPoint.__table__  # type: ignore[attr-defined]
_IDENTITIES = ExternalIdentity.__table__  # type: ignore[attr-defined]
#: A key shared by more customers than this is not used to find candidates.
CHECK_BLOCK_LIMIT = 10
#: The pass name a candidate found by an exact external identity carries.
IDENTITY_PASS = "external_identity"


@dataclass(frozen=True)
class Finding:
    """The best match of one new record.

    ``customer_id`` is the stored customer it matches, or None when its best match is
    an earlier record of the same batch (``batch_index``, its position in the batch).
    ``passes`` are the blocking passes (or ``external_identity``) that proposed the
    pair; ``fields`` maps each compared field to agree, partial or disagree.
    """

    customer_id: int | None
    score: float
    status: Status
    passes: tuple[str, ...]
    fields: dict[str, str]
    batch_index: int | None = None

    @property
    def agreeing(self) -> list[str]:
        """The fields that agree, in the rules' order (what "matched" means to a user)."""
        return [f for f, level in self.fields.items() if level == "agree"]

    def rank(self) -> tuple[bool, bool, float]:
        """Order of preference: a match over a review, a stored customer, the score."""
        return (self.status == "match", self.customer_id is not None, self.score)


def check_limit(rules: MatchRules) -> int:
    """The most customers a key or contact value may be shared by and still propose them.

    Stricter than the scan's ``max_block_size``: the check runs while a user waits, and
    a value shared by dozens (张伟 + 1980, an office switchboard) says little on its
    own; the passes on phone, email and id numbers still find the real duplicates.
    """
    return min(rules.max_block_size, CHECK_BLOCK_LIMIT)


def _new_id(index: int) -> int:
    """The engine id of the batch's ``index``-th record (negative: never a stored id)."""
    return -1 - index


def _key_candidates(connection: Any, record_keys: list[list[str]], context: IdentityContext,
                    found: list[dict[int, dict[str, str]]]) -> None:
    """Customers sharing a stored key with a new record (non-selective keys skipped)."""
    wanted: dict[str, list[int]] = {}
    for index, keys in enumerate(record_keys):
        for key in keys:
            wanted.setdefault(key, []).append(index)
    limit = check_limit(context.rules)
    holders: dict[str, list[int]] = {}
    for chunk in chunks(sorted(wanted)):
        # Count first (an index-only scan) and fetch only the selective keys' holders:
        # a common name's key may be held by thousands, and none of them is worth a row.
        counts = select(_KEYS.c.key).where(_KEYS.c.key.in_(list(chunk))).group_by(
            _KEYS.c.key).having(func.count() <= limit)
        selective = [key for (key,) in connection.execute(counts)]
        if not selective:
            continue
        query = select(_KEYS.c.key, _KEYS.c.customer_id).where(_KEYS.c.key.in_(selective))
        for key, customer_id in connection.execute(query):
            holders.setdefault(key, []).append(customer_id)
    _add(found, wanted, holders, limit, None)


def _contact_candidates(connection: Any, records: Sequence[CustomerRecord],
                        context: IdentityContext,
                        found: list[dict[int, dict[str, str]]]) -> None:
    """Customers with one of a new record's phones or emails (any of theirs, any of its)."""
    for kind in sorted(CONTACT_FIELDS):
        wanted: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            for point in record.contact_points:
                if point.kind == kind:
                    wanted.setdefault(point.normalized, []).append(index)
        holders: dict[str, list[int]] = {}
        for chunk in chunks(sorted(wanted)):
            query = select(_POINTS.c.normalized, _POINTS.c.customer_id).where(
                _POINTS.c.kind == kind, _POINTS.c.normalized.in_(list(chunk)))
            for value, customer_id in connection.execute(query):
                holders.setdefault(value, []).append(customer_id)
        _add(found, wanted, holders, check_limit(context.rules), kind)


def _add(found: list[dict[int, dict[str, str]]], wanted: dict[str, list[int]],
         holders: dict[str, list[int]], limit: int, shared_field: str | None) -> None:
    """Record each holder as a candidate of each new record that wanted the value.

    A value held by more than ``limit`` customers says nothing (a shared office number,
    a common birth date in a huge base) and is skipped, as the engine skips such blocks.
    For a shared phone or email the candidate is compared on that very value, which
    need not be the primary one of either side.
    """
    for value, customers in holders.items():
        customers = sorted(set(customers))
        if len(customers) > limit:
            continue
        for index in wanted[value]:
            for customer_id in customers:
                overrides = found[index].setdefault(customer_id, {})
                if shared_field:
                    overrides[shared_field] = value


def _identity_candidates(connection: Any, records: Sequence[CustomerRecord]) -> dict[int, int]:
    """New record index -> the customer that already holds one of its identities."""
    wanted: dict[str, dict[str, int]] = {}
    for index, record in enumerate(records):
        for identity in record.identities:
            wanted.setdefault(identity.source, {})[identity.external_id] = index
    out: dict[int, int] = {}
    for source, by_id in wanted.items():
        for chunk in chunks(sorted(by_id)):
            query = select(_IDENTITIES.c.external_id, _IDENTITIES.c.customer_id).where(
                _IDENTITIES.c.source == source, _IDENTITIES.c.external_id.in_(list(chunk)))
            for external_id, customer_id in connection.execute(query):
                out[by_id[external_id]] = customer_id
    return out


@dataclass
class _PairSet:
    """Candidate pairs of one kind: each record prepared once, pairs as positions.

    A pair found through a shared phone or email that is not the primary one of both
    sides gets its own copies of the two records, set to that value, so the engine
    (which compares primary contact points) compares them on what they share.
    """

    lefts: list[EngineRecord] = field(default_factory=list)
    rights: list[EngineRecord] = field(default_factory=list)
    pair_left: list[int] = field(default_factory=list)
    pair_right: list[int] = field(default_factory=list)
    left_at: dict[int, int] = field(default_factory=dict)
    right_at: dict[int, int] = field(default_factory=dict)

    def add(self, index: int, record: EngineRecord, customer_id: int,
            candidate: EngineRecord, shared: dict[str, str]) -> None:
        """Propose (new record ``index``, stored customer ``customer_id``)."""
        if any(record.get(f) != v or candidate.get(f) != v for f, v in shared.items()):
            self.lefts.append({**record, **shared})
            self.rights.append({**candidate, **shared})
            left, right = len(self.lefts) - 1, len(self.rights) - 1
        else:
            left = self.left_at.setdefault(index, len(self.lefts))
            if left == len(self.lefts):
                self.lefts.append(record)
            right = self.right_at.setdefault(customer_id, len(self.rights))
            if right == len(self.rights):
                self.rights.append(candidate)
        self.pair_left.append(left)
        self.pair_right.append(right)


def _pass_bits(left: Prepared, right: Prepared, pairs: tuple[np.ndarray, np.ndarray],
               rules: MatchRules) -> np.ndarray:
    """Per pair, a bit per blocking pass whose key the two records share."""
    bits = np.zeros(pairs[0].size, dtype=np.int64)
    for bit, bpass in enumerate(rules.blocking):
        lkeys = np.asarray(pass_keys(left, bpass), dtype=object)[pairs[0]]
        rkeys = np.asarray(pass_keys(right, bpass), dtype=object)[pairs[1]]
        same = (lkeys == rkeys) & (lkeys != "")
        bits |= same.astype(np.int64) << bit
    return bits


def _score_candidates(new: list[EngineRecord], found: list[dict[int, dict[str, str]]],
                      stored: dict[int, EngineRecord], context: IdentityContext,
                      taken: dict[int, int]) -> list[Finding | None]:
    """The best match of each new record, scored pair by pair (same kind only).

    ``stored`` holds the candidates by engine id: stored customers, and the batch's own
    records under their negative ids.
    """
    by_kind: dict[str, _PairSet] = {}
    for index, candidates in enumerate(found):
        kind = str(new[index].get("kind"))
        for customer_id, shared in candidates.items():
            candidate = stored.get(customer_id)
            if candidate is not None and candidate.get("kind") == kind:
                by_kind.setdefault(kind, _PairSet()).add(index, new[index], customer_id,
                                                         candidate, shared)
    best: list[Finding | None] = [None] * len(new)
    for kind, pairs in by_kind.items():
        rules = rules_for_kind(context.rules, kind)
        left, right = prepare(pairs.lefts, rules), prepare(pairs.rights, rules)
        at = (np.asarray(pairs.pair_left, dtype=np.int64),
              np.asarray(pairs.pair_right, dtype=np.int64))
        scores = score(left, right, Candidates(*at, _pass_bits(left, right, at, rules)), rules)
        by_identity = np.fromiter(
            (taken.get(-1 - int(left.ids[lft])) == right.ids[rgt]
             for lft, rgt in zip(*at, strict=True)), dtype=bool, count=at[0].size)
        keep = (scores.scores >= rules.review_threshold) | by_identity
        for pair in explain_pairs(scores, left, right, rules, keep):
            index, customer_id = -1 - int(pair.left), int(pair.right)  # type: ignore[call-overload]
            finding = Finding(customer_id, pair.score, pair.status, pair.passes, pair.fields)
            if customer_id < 0:  # an earlier record of the batch
                finding = Finding(None, pair.score, pair.status, pair.passes, pair.fields,
                                  batch_index=-1 - customer_id)
            elif taken.get(index) == customer_id:
                # An external identity is the same party by definition, whatever the score.
                finding = Finding(customer_id, max(pair.score, rules.match_threshold), "match",
                                  (IDENTITY_PASS, *pair.passes), pair.fields)
            current = best[index]
            if current is None or finding.rank() > current.rank():
                best[index] = finding
    return best


def _batch_candidates(records: Sequence[CustomerRecord], record_keys: list[list[str]],
                      limit: int, found: list[dict[int, dict[str, str]]]) -> None:
    """Earlier records of the batch that share a key, a phone or an email with a later
    one become its candidates (under their negative engine ids), as stored ones do."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, keys in enumerate(record_keys):
        for key in keys:
            groups.setdefault(("", key), []).append(index)
    for index, record in enumerate(records):
        for point in record.contact_points:
            if point.kind in CONTACT_FIELDS:
                groups.setdefault((point.kind, point.normalized), []).append(index)
    for (shared_field, value), members in groups.items():
        if not 2 <= len(members) <= limit:
            continue
        for position, later in enumerate(members):
            for earlier in members[:position]:
                overrides = found[later].setdefault(_new_id(earlier), {})
                if shared_field:
                    overrides[shared_field] = value


def check_new(uow: Any, records: Sequence[CustomerRecord], *,
              context: IdentityContext | None = None) -> list[Finding | None]:
    """For each new record, in order, its best match at or above the review threshold.

    The match is a stored customer of the same kind (``customer_id``) or an earlier
    record of the same batch (``batch_index``); None when there is neither. Reads are
    not filtered by record policies: callers must not show a customer the user cannot
    see (a duplicate is a duplicate whoever looks).
    """
    return check_with_keys(uow, records, context=context)[0]


def check_with_keys(uow: Any, records: Sequence[CustomerRecord], *,
                    context: IdentityContext | None = None,
                    ) -> tuple[list[Finding | None], list[list[str]]]:
    """:func:`check_new`, and each record's match keys (computed for the lookup anyway,
    so the insert that follows need not compute them again)."""
    if not records:
        return [], []
    context = context or identity_context(uow)
    connection = uow.session.connection()
    new = [engine_record(r, context.id_number_field) for r in records]
    for index, record in enumerate(new):
        # Engine ids are kept as given; a negative one is never a stored customer's.
        record["id"] = _new_id(index)  # type: ignore[assignment]
    record_keys: list[list[str]] = [[] for _ in records]
    for key, new_id in keys_for(new, context.rules):
        record_keys[-1 - new_id].append(key)
    found: list[dict[int, dict[str, str]]] = [{} for _ in records]
    _key_candidates(connection, record_keys, context, found)
    _contact_candidates(connection, records, context, found)
    taken = _identity_candidates(connection, records)
    for index, customer_id in taken.items():
        found[index].setdefault(customer_id, {})
    wanted_ids = {customer_id for candidates in found for customer_id in candidates
                  if customer_id > 0}
    candidates = {int(r["id"]): r  # type: ignore[arg-type]
                  for r in load_engine_records(connection, wanted_ids, context.id_number_field)}
    _batch_candidates(records, record_keys, check_limit(context.rules), found)
    candidates.update((_new_id(index), record) for index, record in enumerate(new))
    return _score_candidates(new, found, candidates, context, taken), record_keys
