"""Resolving customer references (ids, emails, phones, external identities) in batches.

A *reference* is how a person names a customer on the command line or in an import
file: an id (``42`` or ``id:42``), an email, a phone number, or an external identity
(``dealerA:A-1001``, or a bare external id with a source given separately). Each
reference yields candidates tried in order, and the first that matches anybody wins: a
string of digits is an id if such a customer exists, else a phone number (Chinese mobile
numbers are all digits), and a phone number nobody has may still be ``SOURCE:ID``.

One implementation serves single lookups and imports alike; a batch of references costs
one query per kind of candidate (and per source), not one per reference.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import filter_visible
from guanxi.app import UnitOfWork
from guanxi.models import ContactPoint, Customer, ExternalIdentity
from guanxi.normalize import normalize_email, normalize_phone

QUERY_CHUNK = 1000
PHONE_LIKE = re.compile(r"^\+?[\d\s\-().\u00a0\uff10-\uff19]+$")


def _candidates(reference: str, source: str | None, region: str) -> list[tuple[str, Any]]:
    """What a reference may name, in the order they are tried.

    A later candidate counts only when the earlier ones match nobody (a phone number
    that nobody has may still be a SOURCE:ID).
    """
    ref = reference.strip()
    if source is not None:
        return [("identity", (source, ref))]
    if ref.startswith("id:"):
        ref = ref[3:]
        if not ref.isdigit():
            return []
    found: list[tuple[str, Any]] = []
    if ref.isdigit() and len(ref) < 19:  # fits a BigID; may also be a phone number
        found.append(("id", int(ref)))
    if "@" in ref:
        try:
            return [("email", normalize_email(ref))]
        except ValueError:
            return []
    if PHONE_LIKE.match(ref):  # libphonenumber alone would find a number in "dealerA:138…"
        with suppress(ValueError):
            found.append(("phone", normalize_phone(ref, region)))
    if ":" in ref:
        src, _, external = ref.partition(":")
        found.append(("identity", (src, external)))
    return found


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), QUERY_CHUNK):
        yield items[start : start + QUERY_CHUNK]


def _lookup(uow: UnitOfWork, wanted: dict[str, set[Any]]) -> dict[tuple[str, Any], set[int]]:
    """Customer ids per ``(kind, key)``: one query per kind (per source for identities)."""
    hits: dict[tuple[str, Any], set[int]] = defaultdict(set)
    connection = uow.session.connection()
    customer = Customer.__table__  # type: ignore[attr-defined]
    points = ContactPoint.__table__  # type: ignore[attr-defined]
    identities = ExternalIdentity.__table__  # type: ignore[attr-defined]
    for chunk in _chunks(wanted.get("id", ())):
        for (cid,) in connection.execute(select(customer.c.id).where(customer.c.id.in_(chunk))):
            hits["id", cid].add(cid)
    _redirect_retired(uow, [i for i in wanted.get("id", ()) if ("id", i) not in hits], hits)
    for kind in ("email", "phone"):
        for chunk in _chunks(wanted.get(kind, ())):
            query = select(points.c.normalized, points.c.customer_id).where(
                points.c.kind == kind, points.c.normalized.in_(chunk)
            )
            for normalized, cid in connection.execute(query):
                hits[kind, normalized].add(cid)
    by_source: dict[str, set[str]] = defaultdict(set)
    for src, external in wanted.get("identity", ()):
        by_source[src].add(external)
    for src, externals in by_source.items():
        for chunk in _chunks(externals):
            query = select(identities.c.external_id, identities.c.customer_id).where(
                identities.c.source == src, identities.c.external_id.in_(chunk)
            )
            for external, cid in connection.execute(query):
                hits["identity", (src, external)].add(cid)
    return hits


REDIRECTS = "guanxi_redirects"


def _redirect_retired(uow: UnitOfWork, ids: list[int],
                      hits: dict[tuple[str, Any], set[int]]) -> None:
    """An id retired by a merge means its survivor (``merged_customer``, chains followed).

    Each redirect is noted in ``uow.session.info["guanxi_redirects"]`` (retired id →
    survivor id) so a command can say which customer it shows.
    """
    from guanxi.models import MergedCustomer

    retired = MergedCustomer.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    pending = {i: i for i in ids}  # the id asked for → the id it stands for so far
    for _ in range(20):  # a chain of merges is short; a loop cannot be (ids only retire once)
        if not pending:
            return
        query = select(retired.c.customer_id, retired.c.survivor_id).where(
            retired.c.customer_id.in_(set(pending.values())))
        found: dict[int, int] = {cid: survivor for cid, survivor in connection.execute(query)}
        following = {}
        for asked, current in pending.items():
            if current in found:
                following[asked] = found[current]
            elif current != asked:
                hits["id", asked].add(current)
                uow.session.info.setdefault(REDIRECTS, {})[asked] = current
        pending = following


def match_references(
    uow: UnitOfWork, references: Iterable[str], *, source: str | None = None
) -> dict[str, set[int]]:
    """Every customer id each reference could mean, for many references at once.

    The rules are those of :func:`guanxi.services.lookup.matching_ids` (an id, an email,
    a phone, ``SOURCE:ID``, or with ``source`` an external id of that source; a test
    holds the two equal), at the cost of a few queries for all of them.
    """
    region = uow.app.settings.default_region
    found: dict[str, set[int]] = {}
    pending: dict[str, list[tuple[str, Any]]] = {}
    for ref in references:
        found[ref] = set()
        pending[ref] = _candidates(ref, source, region)
    while pending:  # at most two rounds: a phone that matched nobody, then SOURCE:ID
        wanted: dict[str, set[Any]] = defaultdict(set)
        for candidates in pending.values():
            if candidates:
                kind, key = candidates[0]
                wanted[kind].add(key)
        hits = _lookup(uow, wanted)
        following: dict[str, list[tuple[str, Any]]] = {}
        for ref, candidates in pending.items():
            if not candidates:
                continue
            if hits.get(candidates[0]):
                found[ref] = hits[candidates[0]]
            elif len(candidates) > 1:
                following[ref] = candidates[1:]
        pending = following
    visible = filter_visible(uow, {cid for ids in found.values() for cid in ids})
    return {ref: ids & visible for ref, ids in found.items()}
