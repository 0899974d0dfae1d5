"""The syntax tree of a segment expression (what the parser builds, the compiler reads).

Every node keeps the 1-based position of its first token, so the field checks made after
parsing (an unknown field, a value of the wrong type) can point at the spot too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

NOW: Final = "now"
TODAY: Final = "today"
UNITS: Final = ("day", "week", "month", "year")
COMPARISONS: Final = ("=", "!=", "<", "<=", ">", ">=")
AGGREGATES: Final = ("count", "last", "first", "revenue")


@dataclass(frozen=True)
class Literal:
    """A literal value: text, a number (exact), true/false, a date or a date-time."""

    value: str | Decimal | bool | dt.date | dt.datetime
    position: int


@dataclass(frozen=True)
class RelativeTime:
    """``90 days ago`` (anchor now), ``today`` (anchor today, amount 0) or ``now``."""

    anchor: str  # NOW | TODAY
    amount: int
    unit: str  # one of UNITS
    position: int


Value = Literal | RelativeTime


@dataclass(frozen=True)
class FieldRef:
    """A field of the customer, its rollup, roles, tags or custom fields, by name."""

    name: str
    position: int


@dataclass(frozen=True)
class HistoryFilter:
    """Which interactions of the log an aggregate looks at (all of them when empty)."""

    kinds: tuple[str, ...] = ()  # exact kinds or prefixes ending in "*" ("sales.*")
    channels: tuple[str, ...] = ()
    purchase: bool = False  # revenue > 0 and not a correction (as the rollups count them)
    since: Value | None = None  # occurred at or after
    before: Value | None = None  # occurred strictly before


@dataclass(frozen=True)
class Aggregate:
    """``count(…)``, ``last(…)``, ``first(…)`` or ``revenue(…)`` over interactions."""

    function: str  # one of AGGREGATES
    filter: HistoryFilter
    position: int


Operand = FieldRef | Aggregate


@dataclass(frozen=True)
class Compare:
    """``operand op value`` with op one of :data:`COMPARISONS`."""

    operand: Operand
    op: str
    value: Value
    position: int


@dataclass(frozen=True)
class Among:
    """``operand in [v, …]`` (or ``not in``)."""

    operand: Operand
    values: tuple[Value, ...]
    negated: bool
    position: int


@dataclass(frozen=True)
class Contains:
    """``operand contains value`` (or ``not contains``); ``has tag "x"`` is one too."""

    operand: Operand
    value: Value
    negated: bool
    position: int


@dataclass(frozen=True)
class IsNull:
    """``operand is null`` (or ``is not null``)."""

    operand: Operand
    negated: bool
    position: int


@dataclass(frozen=True)
class And:
    """Every part holds."""

    parts: tuple[Node, ...] = field(default=())


@dataclass(frozen=True)
class Or:
    """At least one part holds."""

    parts: tuple[Node, ...] = field(default=())


@dataclass(frozen=True)
class Not:
    """The part does not hold."""

    part: Node


Condition = Compare | Among | Contains | IsNull
Node = Condition | And | Or | Not
