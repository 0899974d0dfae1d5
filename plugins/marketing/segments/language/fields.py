"""The fields an expression may name: what each one is, where it lives, its type.

Built-in fields come from the customer table, its owner, roles and tags, and the
per-customer rollups of the interaction log; custom fields come from the application's
registry (the edition's ``[[custom_fields]]`` and plugins' declarations) and are read
from the customer's ``custom`` JSON column with the type they were declared with.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from guanxi.app import App

TEXT: Final = "text"
NUMBER: Final = "number"
MONEY: Final = "money"
DATETIME: Final = "date-time"
DATE: Final = "date"
BOOL: Final = "true/false"
SET: Final = "set"  # several text values per customer (roles, tags, a list field)

# Where a field's value comes from (the compiler has one way of reading each).
CUSTOMER: Final = "customer"  # a column of the customer table
ROLLUP: Final = "rollup"  # a column of customer_rollup (outer-joined; counts default to 0)
OWNER: Final = "owner"  # the owner's staff username
CHILD: Final = "child"  # a child table of (customer_id, value): roles, tags
JSON_LIST: Final = "json_list"  # a JSON array column of the customer
CUSTOM: Final = "custom"  # one key of customer.custom
DERIVED: Final = "derived"  # an aggregate over the log under a friendly name


@dataclass(frozen=True)
class FieldSpec:
    """One field of the language."""

    name: str
    type: str
    source: str
    column: str  # the column, child table, custom key or derived aggregate it reads
    description: str
    nullable: bool = True


def _spec(
    name: str, type_: str, source: str, column: str | None, description: str, nullable: bool = True
) -> FieldSpec:
    return FieldSpec(name, type_, source, column or name, description, nullable)


BUILTIN_FIELDS: Final[dict[str, FieldSpec]] = {
    spec.name: spec
    for spec in (
        _spec("id", NUMBER, CUSTOMER, None, "the customer's id", False),
        _spec("kind", TEXT, CUSTOMER, None, "person or organization", False),
        _spec("name", TEXT, CUSTOMER, None, "the name as written", False),
        _spec("family_name", TEXT, CUSTOMER, None, "family name, when given"),
        _spec("given_name", TEXT, CUSTOMER, None, "given name, when given"),
        _spec("lifecycle_stage", TEXT, CUSTOMER, None, "the lifecycle stage", False),
        _spec("stage", TEXT, CUSTOMER, "lifecycle_stage", "same as lifecycle_stage", False),
        _spec("organization_id", NUMBER, CUSTOMER, None, "the organisation of a person"),
        _spec("owner", TEXT, OWNER, "owner_id", "the owner's staff username"),
        _spec("gender", TEXT, CUSTOMER, None, "gender, when known"),
        _spec("birth_date", DATE, CUSTOMER, None, "date of birth"),
        _spec("occupation", TEXT, CUSTOMER, None, "occupation"),
        _spec("preferred_channel", TEXT, CUSTOMER, None, "the channel the customer prefers"),
        _spec("language", TEXT, CUSTOMER, None, "preferred language"),
        _spec("interests", SET, JSON_LIST, None, "interests (a list)"),
        _spec("created_at", DATETIME, CUSTOMER, None, "when the record was created", False),
        _spec("updated_at", DATETIME, CUSTOMER, None, "when the record last changed", False),
        _spec("role", SET, CHILD, "customer_role", "roles: customer, partner, dealer, …"),
        _spec("tag", SET, CHILD, "customer_tag", "free tags"),
        _spec("revenue_total", MONEY, ROLLUP, "revenue", "revenue of all interactions", False),
        _spec("cost_total", MONEY, ROLLUP, "cost", "cost of all interactions", False),
        _spec("purchase_count", NUMBER, ROLLUP, "revenue_count", "purchases (revenue > 0)", False),
        _spec("interaction_count", NUMBER, ROLLUP, None, "interactions logged", False),
        _spec("first_interaction", DATETIME, ROLLUP, "first_at", "the first interaction"),
        _spec("last_interaction", DATETIME, ROLLUP, "last_at", "the latest interaction"),
        _spec("last_purchase", DATETIME, DERIVED, "last", "the latest purchase"),
        _spec("first_purchase", DATETIME, DERIVED, "first", "the first purchase"),
    )
}
TABLE_ALIASES: Final = {"roles": "role", "tags": "tag"}

_PYTHON_TYPES: Final[dict[Any, str]] = {
    str: TEXT,
    int: NUMBER,
    float: NUMBER,
    Decimal: NUMBER,
    bool: BOOL,
    dt.date: DATE,
    dt.datetime: DATETIME,
}


def _custom_type(annotation: Any) -> str:
    """The language type of a custom field's annotation (``X | None`` is X)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _custom_type(inner[0]) if len(inner) == 1 else TEXT
    if origin is typing.Literal:
        return TEXT
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set):
        return SET
    return _PYTHON_TYPES.get(annotation, TEXT)


def custom_fields(app: App) -> dict[str, FieldSpec]:
    """The application's custom fields, as fields of the language."""
    fields = {}
    for name, custom in app.registry.custom_fields.items():
        info = custom.model.model_fields[name]
        description = info.description or f"custom field of {custom.plugin}"
        fields[name] = FieldSpec(name, _custom_type(info.annotation), CUSTOM, name, description)
    return fields


class FieldCatalog:
    """Every field an expression may name in one application."""

    def __init__(self, custom: dict[str, FieldSpec]):
        self.custom = custom

    @classmethod
    def for_app(cls, app: App) -> FieldCatalog:
        """The catalogue of ``app`` (built-in fields and its registered custom fields)."""
        return cls(custom_fields(app))

    def lookup(self, name: str) -> FieldSpec | None:
        """The field called ``name``: built-in first, then ``custom.<name>`` or ``<name>``."""
        key = name.lower()
        key = TABLE_ALIASES.get(key, key)
        if key in BUILTIN_FIELDS:
            return BUILTIN_FIELDS[key]
        if name.startswith("custom."):
            return self.custom.get(name.removeprefix("custom."))
        return self.custom.get(name)

    def names(self) -> list[str]:
        """Every field name, built-in ones first (for error messages and the docs)."""
        return [*BUILTIN_FIELDS, *(f"custom.{name}" for name in sorted(self.custom))]
