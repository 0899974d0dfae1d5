"""Stored match keys: the blocking keys of every customer, so a new record is checked by
a few index seeks instead of a scan.

A key is ``"<pass name>:<reduced value>"``, the very key the engine's blocking pass
computes (:func:`~guanxi.identity.blocking.pass_keys`), so a stored customer and a new
record that share a key are exactly a pair the engine would propose.

Two choices keep the table small and the check cheap:

* Passes that key on an exact phone or email are not stored: the ``contact_point``
  lookup index already answers "who has this number?" (and for every point a customer
  has, not only the primary one the engine compares).
* Persons and organisations get different keys (:func:`rules_for_kind`): an
  organisation's name is never split into family and given name; it is keyed whole and
  by its first characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import delete

from guanxi.db.bulk import BulkInserter
from guanxi.db.chunks import chunks
from guanxi.models.customer import ORGANIZATION
from guanxi.models.identity import MatchKey
from guanxi.records import CustomerRecord

from .blocking import pass_keys
from .customers import EngineRecord, engine_record, iter_engine_records, load_engine_records
from .prepare import Prepared, prepare
from .rules import BlockingPass, Comparison, KeyPart, MatchRules
from .settings import SECTION, IdentitySettings, match_rules

_KEYS = MatchKey.__table__  # type: ignore[attr-defined]
#: The key column's width; longer keys are cut (they stay equal for equal values).
KEY_WIDTH = 200
#: Fields the contact-point index answers for, instead of stored keys.
CONTACT_FIELDS = frozenset({"phone", "email"})
_PERSON_ONLY_FIELDS = frozenset({"family_name", "given_name", "birth_date"})


@dataclass(frozen=True)
class IdentityContext:
    """The edition's identity settings and effective match rules, read once per call."""

    settings: IdentitySettings
    rules: MatchRules

    @property
    def id_number_field(self) -> str | None:
        """The custom field compared as ``id_number`` (None when not configured)."""
        return self.settings.id_number_field


def identity_context(uow: Any) -> IdentityContext:
    """The ``[identity]`` settings and match rules of the unit of work's application."""
    settings = uow.app.settings_for(SECTION)
    return IdentityContext(settings, match_rules(settings, uow.app.settings.default_region))


@lru_cache(maxsize=16)
def rules_for_kind(rules: MatchRules, kind: str) -> MatchRules:
    """The rules for records of ``kind``: the edition's, or their organisation form.

    Organisations drop every pass and comparison on family name, given name and birth
    date, and gain a comparison of the whole normalised name plus two passes on it
    (``org_name``: the whole name; ``org_prefix``: its first three characters).
    """
    if kind != ORGANIZATION:
        return rules
    blocking = [b for b in rules.blocking
                if not any(p.field in _PERSON_ONLY_FIELDS for p in b.parts)]
    blocking += [
        BlockingPass(name="org_name", parts=(KeyPart(field="name"),)),
        BlockingPass(name="org_prefix", parts=(KeyPart(field="name", transform="first3"),)),
    ]
    comparisons = [c for c in rules.comparisons if c.field not in _PERSON_ONLY_FIELDS]
    if not any(c.field == "name" for c in comparisons):
        # As rare as a family name by chance; agreement alone puts a pair up for review.
        comparisons.append(Comparison(field="name", method="name", agree=0.95, partial=0.85,
                                      u=(0.001, 0.004, 0.995), scale=1.0))
    return rules.model_copy(update={"blocking": tuple(blocking),
                                    "comparisons": tuple(comparisons)})


def stored_passes(rules: MatchRules) -> list[BlockingPass]:
    """The passes whose keys are stored (not those the contact-point index serves)."""
    return [b for b in rules.blocking
            if not any(p.field in CONTACT_FIELDS and p.transform == "exact" for p in b.parts)]


def keys_for(records: Sequence[EngineRecord], rules: MatchRules) -> list[tuple[str, int]]:
    """``(key, customer id)`` of every stored pass of every record, without repeats.

    Persons and organisations are keyed under their own form of the rules
    (:func:`rules_for_kind`); a record with no value for a pass has no key for it.
    """
    out: list[tuple[str, int]] = []
    for kind, group in split_by_kind(records).items():
        kind_rules = _key_rules(rules_for_kind(rules, kind))
        out += prepared_keys(prepare(group, kind_rules), kind_rules)
    return out


@lru_cache(maxsize=16)
def _key_rules(rules: MatchRules) -> MatchRules:
    """The rules cut down to their stored passes: preparing records for their keys then
    normalises only the fields the keys read (no phone parsing, the slow part)."""
    return rules.model_copy(update={"blocking": tuple(stored_passes(rules)),
                                    "comparisons": ()})


def prepared_keys(data: Prepared, rules: MatchRules) -> list[tuple[str, int]]:
    """``(key, id)`` of every stored pass of records already prepared under ``rules``
    (those of one kind), without repeats."""
    out: dict[tuple[str, int], None] = {}
    for bpass in stored_passes(rules):
        prefix = bpass.name + ":"
        for record_id, value in zip(data.ids, pass_keys(data, bpass), strict=True):
            if value:
                out[((prefix + value)[:KEY_WIDTH], record_id)] = None  # type: ignore[index]
    return list(out)


def split_by_kind(records: Iterable[EngineRecord]) -> dict[str, list[EngineRecord]]:
    """Records grouped by ``kind`` (a person is never compared with an organisation)."""
    groups: dict[str, list[EngineRecord]] = {}
    for record in records:
        groups.setdefault(str(record.get("kind") or "person"), []).append(record)
    return groups


def insert_keys(connection: Any, pairs: list[tuple[str, int]]) -> None:
    """Insert ``(key, customer id)`` rows (bulk)."""
    if pairs:
        BulkInserter(connection, _KEYS, ("key", "customer_id")).insert(pairs)


def _delete_keys(connection: Any, customer_ids: Sequence[int]) -> None:
    for chunk in chunks(customer_ids):
        connection.execute(delete(_KEYS).where(_KEYS.c.customer_id.in_(list(chunk))))


def write_keys(connection: Any, records: Sequence[CustomerRecord], rules: MatchRules,
               id_number_field: str | None) -> None:
    """Insert the keys of freshly inserted (so never keyed) customer records."""
    insert_keys(connection, keys_for([engine_record(r, id_number_field) for r in records],
                                      rules))


def refresh_keys(uow: Any, customer_ids: Sequence[int]) -> None:
    """Recompute and replace the stored keys of these customers.

    Erased or deleted customers are left with no keys. Call it after anything that
    changes what the keys are made of: an update, a merge or its undo, an erasure.
    """
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return
    context = identity_context(uow)
    connection = uow.session.connection()
    _delete_keys(connection, ids)
    records = load_engine_records(connection, ids, context.id_number_field)
    insert_keys(connection, keys_for(records, context.rules))


def rebuild_all(uow: Any, *, batch_size: int = 20_000) -> int:
    """Recompute every customer's keys (after the edition's rules changed); return the
    number of keys stored."""
    context = identity_context(uow)
    connection = uow.session.connection()
    connection.execute(delete(_KEYS))
    stored = 0
    for batch in iter_engine_records(connection, batch_size=batch_size,
                                     id_number_field=context.id_number_field):
        pairs = keys_for(batch, context.rules)
        insert_keys(connection, pairs)
        stored += len(pairs)
    return stored
