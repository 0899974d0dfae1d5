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
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from guanxi.db.chunks import chunks
from guanxi.models import ContactPoint, ExternalIdentity
from guanxi.models.identity import MatchKey
from guanxi.records import CustomerRecord

from .blocking import Candidates, pass_keys
from .customers import EngineRecord, engine_record, load_engine_records
from .engine import Status, _explain, dedupe
from .keys import CONTACT_FIELDS, IdentityContext, identity_context, keys_for, rules_for_kind
from .prepare import prepare
from .scoring import score

_KEYS = MatchKey.__table__  # type: ignore[attr-defined]
_POINTS = ContactPoint.__table__  # type: ignore[attr-defined]
_IDENTITIES = ExternalIdentity.__table__  # type: ignore[attr-defined]
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


def _new_id(index: int) -> int:
    """The engine id of the batch's ``index``-th record (negative: never a stored id)."""
    return -1 - index


def _key_candidates(connection: Any, new: list[EngineRecord], context: IdentityContext,
                    found: list[dict[int, dict[str, str]]]) -> None:
    """Customers sharing a stored key with a new record (non-selective keys skipped)."""
    wanted: dict[str, list[int]] = {}
    for key, new_id in keys_for(new, context.rules):
        wanted.setdefault(key, []).append(-1 - new_id)
    holders: dict[str, list[int]] = {}
    for chunk in chunks(sorted(wanted)):
        query = select(_KEYS.c.key, _KEYS.c.customer_id).where(_KEYS.c.key.in_(list(chunk)))
        for key, customer_id in connection.execute(query):
            holders.setdefault(key, []).append(customer_id)
    _add(found, wanted, holders, context.rules.max_block_size, None)


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
        _add(found, wanted, holders, context.rules.max_block_size, kind)


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


def _score_candidates(new: list[EngineRecord], found: list[dict[int, dict[str, str]]],
                      stored: dict[int, EngineRecord], context: IdentityContext,
                      taken: dict[int, int]) -> list[Finding | None]:
    """The best stored match of each new record, scored pair by pair (same kind only)."""
    lefts: list[EngineRecord] = []
    rights: list[EngineRecord] = []
    for index, candidates in enumerate(found):
        for customer_id, shared in candidates.items():
            candidate = stored.get(customer_id)
            if candidate is None or candidate.get("kind") != new[index].get("kind"):
                continue
            # Both sides compared on the value they share (a phone, an email).
            lefts.append({**new[index], **shared})
            rights.append({**candidate, **shared})
    best: list[Finding | None] = [None] * len(new)
    for kind in {str(r.get("kind")) for r in lefts}:
        rules = rules_for_kind(context.rules, kind)
        rows = [k for k, r in enumerate(lefts) if r.get("kind") == kind]
        left = prepare([lefts[k] for k in rows], rules)
        right = prepare([rights[k] for k in rows], rules)
        every = np.arange(len(rows), dtype=np.int64)
        bits = np.zeros(len(rows), dtype=np.int64)
        for bit, bpass in enumerate(rules.blocking):
            same = [a == b and a != "" for a, b in
                    zip(pass_keys(left, bpass), pass_keys(right, bpass), strict=True)]
            bits |= np.asarray(same, dtype=np.int64) << bit
        scores = score(left, right, Candidates(every, every, bits), rules)
        for pair in _explain(scores, left, right, rules, np.ones(len(rows), dtype=bool)):
            index, customer_id = -1 - int(pair.left), int(pair.right)  # type: ignore[call-overload]
            finding = Finding(customer_id, pair.score, pair.status, pair.passes, pair.fields)
            if taken.get(index) == customer_id:
                # An external identity is the same party by definition, whatever the score.
                finding = Finding(customer_id, max(pair.score, rules.match_threshold), "match",
                                  (IDENTITY_PASS, *pair.passes), pair.fields)
            elif finding.score < rules.review_threshold:
                continue
            current = best[index]
            if current is None or finding.rank() > current.rank():
                best[index] = finding
    return best


def _batch_duplicates(new: list[EngineRecord], context: IdentityContext,
                      best: list[Finding | None]) -> None:
    """Within the batch: a later record that duplicates an earlier one is found too."""
    for kind in {str(r.get("kind")) for r in new}:
        group = [r for r in new if str(r.get("kind")) == kind]
        if len(group) < 2:
            continue
        pairs, _ = dedupe(group, rules_for_kind(context.rules, kind))
        for pair in pairs:
            first, second = sorted((-1 - int(pair.left), -1 - int(pair.right)))  # type: ignore[call-overload]
            finding = Finding(None, pair.score, pair.status, pair.passes, pair.fields,
                              batch_index=first)
            current = best[second]
            if current is None or finding.rank() > current.rank():
                best[second] = finding


def check_new(uow: Any, records: Sequence[CustomerRecord], *,
              context: IdentityContext | None = None) -> list[Finding | None]:
    """For each new record, in order, its best match at or above the review threshold.

    The match is a stored customer of the same kind (``customer_id``) or an earlier
    record of the same batch (``batch_index``); None when there is neither. Reads are
    not filtered by record policies: callers must not show a customer the user cannot
    see (a duplicate is a duplicate whoever looks).
    """
    if not records:
        return []
    context = context or identity_context(uow)
    connection = uow.session.connection()
    new = [{**engine_record(r, context.id_number_field), "id": _new_id(i)}  # type: ignore[dict-item]
           for i, r in enumerate(records)]
    found: list[dict[int, dict[str, str]]] = [{} for _ in records]
    _key_candidates(connection, new, context, found)
    _contact_candidates(connection, records, context, found)
    taken = _identity_candidates(connection, records)
    for index, customer_id in taken.items():
        found[index].setdefault(customer_id, {})
    wanted_ids = {customer_id for candidates in found for customer_id in candidates}
    stored = {int(r["id"]): r  # type: ignore[arg-type]
              for r in load_engine_records(connection, wanted_ids, context.id_number_field)}
    best = _score_candidates(new, found, stored, context, taken)
    _batch_duplicates(new, context, best)
    return best
