"""Which value of each field the survivor of a merge keeps, and why.

Per field a rule picks among the records' values (survivor first, then the merged ones in
the order given). Every rule but an explicit ``take`` looks only at non-empty values, so
a merge fills the survivor's blanks instead of blanking what another record knew:

* ``complete`` — the most detailed value (the longest text, the fullest list or map);
* ``newest`` — the value of the record updated most recently;
* ``survivor`` — the survivor's own value (another record's when it has none);
* ``source:NAME`` — the value of the record known to the trusted system NAME (it has an
  external identity from NAME), e.g. the hospital's HIS or the core banking system.

Some fields combine instead of choosing: ``interests`` (union), ``care_notes`` (the
distinct notes joined), ``lifecycle_stage`` (the furthest along the edition's stages) and
``custom`` (each key chosen on its own, by ``custom.KEY``'s rule). The rule of a field
is ``take`` (per call) > ``prefer`` (per call, for the fields that choose) >
``[identity] merge_fields`` > ``[identity] merge_default``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guanxi.errors import ValidationError

# The customer's own fields a merge decides (children such as contact points are rows:
# they move). ``kind`` is not among them: a person and an organisation never merge.
CHOSEN_FIELDS = (
    "name", "family_name", "given_name", "gender", "birth_date", "occupation",
    "organization_id", "owner_id", "preferred_channel", "language",
)
COMBINED_FIELDS = {
    "interests": "union",
    "care_notes": "join",
    "lifecycle_stage": "furthest",
    "owner_id": "survivor",  # the account stays with its owner unless it has none
}
FIELDS = (*CHOSEN_FIELDS, "lifecycle_stage", "interests", "care_notes", "custom")
BASIC_RULES = ("complete", "newest", "survivor")
ALL_RULES = (*BASIC_RULES, "union", "join", "furthest")


@dataclass(frozen=True)
class Candidate:
    """One record taking part in a merge, as the rules see it."""

    id: int
    row: Mapping[str, Any]  # the customer row's columns
    sources: frozenset[str]  # the sources of its external identities
    updated_at: dt.datetime


@dataclass(frozen=True)
class FieldChoice:
    """The value one field of the survivor keeps: from which record, by which rule."""

    field: str
    values: dict[int, Any]  # every record's value, by customer id
    value: Any
    source_id: int | None  # the record it comes from (None: combined from several)
    rule: str

    @property
    def changes(self) -> bool:
        """Whether the survivor's value changes (the survivor is the first record)."""
        return next(iter(self.values.values())) != self.value


def check_rule(rule: str, what: str) -> str:
    """Refuse a rule that does not exist, naming where it was given."""
    if rule in ALL_RULES or (rule.startswith("source:") and len(rule) > len("source:")):
        return rule
    raise ValidationError(what, f"unknown merge rule {rule!r} (complete, newest, survivor, "
                                "source:NAME, union, join or furthest)")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.strip())
    if isinstance(value, list | dict):
        return len(value)
    return 1


def pick(rule: str, field: str, values: Sequence[tuple[Candidate, Any]],
         stages: Sequence[str]) -> tuple[Any, int | None, str]:
    """Apply ``rule`` to ``(candidate, value)`` pairs: ``(value, from id, rule shown)``."""
    filled = [(c, v) for c, v in values if not _empty(v)]
    if rule == "union":
        seen: list[Any] = []
        for _, value in filled:
            seen += [item for item in value if item not in seen]
        return seen, None, rule
    if rule == "join":
        notes = list(dict.fromkeys(str(v).strip() for _, v in filled))
        if len(notes) == 1:
            return next(v for _, v in filled), filled[0][0].id, rule
        return ("\n".join(notes) or None), None, rule
    if not filled:
        return None, None, rule
    if rule == "furthest":
        chosen = max(filled, key=lambda cv: stages.index(cv[1]) if cv[1] in stages else -1)
    elif rule == "newest":
        chosen = max(filled, key=lambda cv: cv[0].updated_at)  # max keeps the first of equals
    elif rule == "complete":
        chosen = max(filled, key=lambda cv: _size(cv[1]))
    elif rule.startswith("source:"):
        name = rule.partition(":")[2]
        trusted = [cv for cv in filled if name in cv[0].sources]
        if not trusted:  # nobody known to that system has a value: the most complete
            value, from_id, _ = pick("complete", field, values, stages)
            return value, from_id, f"{rule} (none: complete)"
        chosen = trusted[0]
    else:  # survivor
        chosen = filled[0]
    return chosen[1], chosen[0].id, rule


def rule_for(field: str, *, take: Mapping[str, int], prefer: str | None,
             configured: Mapping[str, str], default: str) -> str:
    """The rule that decides ``field`` (``custom.KEY`` for a custom field)."""
    if field in take:
        return "take"
    combined = COMBINED_FIELDS.get(field)
    if field in configured:
        return configured[field]
    if prefer and combined in (None, "survivor"):
        return prefer
    if combined:
        return combined
    if field.startswith("custom.") and "custom" in configured:
        return configured["custom"]
    return default


def choose_fields(candidates: Sequence[Candidate], *, take: Mapping[str, int],
                  prefer: str | None, configured: Mapping[str, str], default: str,
                  stages: Sequence[str]) -> list[FieldChoice]:
    """Every field's choice for the survivor (``candidates[0]``)."""
    choices = []

    def decide(field: str, values: list[tuple[Candidate, Any]]) -> FieldChoice:
        rule = rule_for(field, take=take, prefer=prefer, configured=configured, default=default)
        shown = {c.id: v for c, v in values}
        if rule == "take":
            return FieldChoice(field, shown, shown[take[field]], take[field], "take")
        value, from_id, how = pick(rule, field, values, stages)
        return FieldChoice(field, shown, value, from_id, how)

    for field in (*CHOSEN_FIELDS, "lifecycle_stage", "interests", "care_notes"):
        choices.append(decide(field, [(c, c.row[field]) for c in candidates]))
    keys = list(dict.fromkeys(k for c in candidates for k in (c.row["custom"] or {})))
    for key in keys:
        choices.append(decide(f"custom.{key}",
                              [(c, (c.row["custom"] or {}).get(key)) for c in candidates]))
    return choices


def check_take(take: Mapping[str, int], candidates: Sequence[Candidate]) -> None:
    """Refuse a ``take`` that names a field or a record that is not in the merge."""
    ids = {c.id for c in candidates}
    custom_keys = {k for c in candidates for k in (c.row["custom"] or {})}
    for field, record in take.items():
        known = field in FIELDS or (field.startswith("custom.")
                                    and field.partition(".")[2] in custom_keys)
        if not known or field == "custom":
            raise ValidationError(f"take.{field}", "is not a field the merge decides")
        if record not in ids:
            raise ValidationError(f"take.{field}", f"customer {record} is not in this merge")


def survivor_values(choices: Sequence[FieldChoice]) -> dict[str, Any]:
    """The survivor's new column values from the choices (custom keys gathered in one map)."""
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for choice in choices:
        if choice.field.startswith("custom."):
            if not _empty(choice.value):
                custom[choice.field.partition(".")[2]] = choice.value
        else:
            values[choice.field] = choice.value
    values["custom"] = custom
    values["interests"] = values.get("interests") or []
    return values


def warnings_for(candidates: Sequence[Candidate]) -> list[str]:
    """What a person should look at before merging: values that disagree in a telling way."""
    out = []
    labels = {"owner_id": "owners", "organization_id": "organisations",
              "birth_date": "birth dates", "gender": "genders"}
    for field, label in labels.items():
        seen = {c.row[field] for c in candidates if not _empty(c.row[field])}
        if len(seen) > 1:
            shown = ", ".join(sorted(str(v) for v in seen))
            out.append(f"different {label}: {shown}")
    return out
