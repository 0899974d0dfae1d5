"""What a match found by the check of new records does: flag, block, link or allow.

:func:`apply_check` runs inside ``validate_customers``: it rejects blocked rows, marks
flagged ones (``duplicate_of``) and linked ones (``link_to``), and remembers each
finding for the insert, where :func:`queue_pairs` writes the review queue rows once the
new customers have ids. The findings are kept per unit of work (weakly), keyed by the
validated record object, so validation and insert may be separate calls (the importer
validates a batch, reports, then inserts it).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from guanxi.access.enforce import filter_visible
from guanxi.db.bulk import BulkInserter
from guanxi.errors import ValidationError
from guanxi.models.identity import DuplicatePair
from guanxi.records import CustomerRecord

from .check import Finding, check_with_keys
from .keys import IdentityContext, identity_context, insert_keys, write_keys

_PAIRS = DuplicatePair.__table__  # type: ignore[attr-defined]
_PAIR_COLUMNS = ("left_id", "right_id", "score", "status", "passes", "fields", "origin",
                 "state", "found_at")
#: The input field a user recognises for each compared field, strongest evidence first.
_INPUT_FIELDS = {"id_number": "custom", "phone": "phones", "email": "emails",
                 "family_name": "family_name", "given_name": "given_name", "name": "name",
                 "birth_date": "birth_date", "address": "addresses"}
ORIGINS = ("create", "import")


@dataclass(frozen=True)
class _Pending:
    """A flagged record waiting for its insert: what it matched, and from where."""

    record: CustomerRecord
    finding: Finding
    origin: str
    partner: CustomerRecord | None  # the earlier record of the batch it duplicates


_PENDING: weakref.WeakKeyDictionary[Any, dict[int, _Pending]] = weakref.WeakKeyDictionary()
# The match keys the check computed, per validated record, for the insert to write.
_KEYS: weakref.WeakKeyDictionary[Any, dict[int, tuple[CustomerRecord, list[str]]]] = (
    weakref.WeakKeyDictionary()
)


def _field_named(finding: Finding, record: CustomerRecord, context: IdentityContext) -> str:
    """The input field behind the strongest agreeing comparison (for the error)."""
    agreeing = set(finding.agreeing)
    for field, input_field in _INPUT_FIELDS.items():
        if field not in agreeing:
            continue
        if field == "id_number":
            return f"custom.{context.id_number_field}"
        if field in ("family_name", "given_name") and not getattr(record, field):
            return "name"  # the part was derived from the full name
        return input_field
    return "name"


def _reason(finding: Finding, visible: bool) -> str:
    """"matches customer 42 (score 27.4; phone, family_name)", or without the id."""
    why = f"score {finding.score:.1f}; {', '.join(finding.agreeing) or 'no field agrees'}"
    if finding.customer_id is None:
        return f"duplicates an earlier record of this batch ({why})"
    if not visible:
        return "matches an existing customer you cannot see"
    return f"matches customer {finding.customer_id} ({why})"


def _action(finding: Finding, context: IdentityContext, can_link: bool) -> str:
    """flag, block, link or allow for one finding."""
    if finding.status == "review":
        return "flag"  # a possible match always waits for a person
    settings = context.settings
    by_pass = bool(set(finding.passes) & set(settings.link_passes))
    if settings.on_match == "link" or by_pass:
        # Only into a stored customer the user may see and change: linking into one they
        # cannot see would make their new record vanish from their sight.
        return "link" if can_link and finding.customer_id is not None else "flag"
    return settings.on_match


def apply_check(uow: Any, valid: list[tuple[int, CustomerRecord]], origin: str,
                ) -> tuple[list[tuple[int, CustomerRecord]], list[ValidationError]]:
    """Check validated rows against the stored customers and act on what matched.

    Returns the rows to store (flagged ones with ``duplicate_of``, linked ones with
    ``link_to``) and the errors of blocked rows, numbered like their rows.
    """
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r}")
    context = identity_context(uow)
    if not context.settings.check_on_create or not valid:
        return valid, []
    findings, record_keys = check_with_keys(uow, [record for _, record in valid],
                                            context=context)
    matched = {f.customer_id for f in findings if f is not None and f.customer_id is not None}
    visible = filter_visible(uow, matched)
    can_update = uow.principal.can("customer", "update")
    final: list[CustomerRecord | None] = []
    errors: list[ValidationError] = []
    actions: list[str] = []
    for (number, record), finding in zip(valid, findings, strict=True):
        action = "allow" if finding is None else _action(
            finding, context, can_update and finding.customer_id in visible)
        kept: CustomerRecord | None = record
        if finding is not None and action == "block":
            seen = finding.customer_id is None or finding.customer_id in visible
            field = _field_named(finding, record, context)
            errors.append(ValidationError(field, _reason(finding, seen)).at_row(number))
            kept = None
        elif finding is not None and action == "link":
            kept = dataclasses.replace(record, link_to=finding.customer_id)
        elif finding is not None and action == "flag" and finding.customer_id is not None:
            kept = dataclasses.replace(record, duplicate_of=(finding.customer_id,))
        final.append(kept)
        actions.append(action)
    known = _KEYS.setdefault(uow, {})
    for kept_record, keys in zip(final, record_keys, strict=True):
        if kept_record is not None and kept_record.link_to is None:
            known[id(kept_record)] = (kept_record, keys)
    pending = _PENDING.setdefault(uow, {})
    for flagged, finding, action in zip(final, findings, actions, strict=True):
        if flagged is None or finding is None or action != "flag":
            continue
        partner = final[finding.batch_index] if finding.batch_index is not None else None
        if finding.customer_id is None and partner is None:
            continue  # its batch twin was refused: nothing to pair it with
        pending[id(flagged)] = _Pending(flagged, finding, origin, partner)
    return [(n, r) for (n, _), r in zip(valid, final, strict=True) if r is not None], errors


def queue_pairs(uow: Any, given: Sequence[CustomerRecord], stored_ids: Sequence[int]) -> int:
    """Write the review-queue rows of the flagged records among ``given`` (now stored
    under ``stored_ids``, a linked record under the id it was linked to); return how many.
    """
    pending = _PENDING.get(uow)
    if not pending:
        return 0
    id_of = {id(record): stored for record, stored in zip(given, stored_ids, strict=True)}
    rows = []
    for record, new_id in zip(given, stored_ids, strict=True):
        waiting = pending.pop(id(record), None)
        if waiting is None or waiting.record is not record:
            continue
        finding = waiting.finding
        other = finding.customer_id
        if waiting.partner is not None:
            other = id_of.get(id(waiting.partner))
        if other is None or other == new_id:
            continue
        rows.append((min(new_id, other), max(new_id, other), finding.score, finding.status,
                     list(finding.passes), dict(finding.fields), waiting.origin, "open",
                     uow.now))
    if rows:
        BulkInserter(uow.session.connection(), _PAIRS, _PAIR_COLUMNS).insert(rows)
    return len(rows)


def write_new_keys(uow: Any, given: Sequence[CustomerRecord], stored: Sequence[CustomerRecord],
                   context: IdentityContext) -> None:
    """Write the keys of just inserted customers (``given`` stored as ``stored``), reusing
    those the check computed for the same records and computing the others."""
    known = _KEYS.get(uow, {})
    pairs: list[tuple[str, int]] = []
    missing: list[CustomerRecord] = []
    for record, new in zip(given, stored, strict=True):
        entry = known.pop(id(record), None)
        if entry is not None and entry[0] is record:
            assert new.id is not None
            pairs += [(key, new.id) for key in entry[1]]
        else:
            missing.append(new)
    connection = uow.session.connection()
    insert_keys(connection, pairs)
    if missing:
        write_keys(connection, missing, context.rules, context.id_number_field)
