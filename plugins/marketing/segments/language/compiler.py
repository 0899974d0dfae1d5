"""Compiling a syntax tree into one SQLAlchemy condition over the customer table.

Fields are looked up and values type-checked here (errors name the position). The
semantics every backend must agree on: a customer without a value for a field fails
``=``, ``<``, ``in`` and ``contains`` and passes ``!=``, ``not in`` and ``not contains``,
and ``not`` is an exact complement (tests/marketing/test_segments_property.py checks the
SQL against a plain-Python oracle).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, true

from guanxi.db.types import to_minor
from guanxi.errors import ValidationError
from guanxi_marketing.segments.language.fields import (
    BOOL,
    CUSTOM,
    DATE,
    DATETIME,
    DERIVED,
    MONEY,
    NUMBER,
    ROLLUP,
    SET,
    TEXT,
    FieldCatalog,
    FieldSpec,
)
from guanxi_marketing.segments.language.moments import Clock, as_date, as_day, as_instant
from guanxi_marketing.segments.language.sources import (
    Fragment,
    RollupTest,
    aggregate_value,
    column_value,
    conjunction,
    contains_text,
    history_any,
    history_bounds,
    negation,
    set_has,
)
from guanxi_marketing.segments.language.syntax import (
    Aggregate,
    Among,
    And,
    Compare,
    Condition,
    Contains,
    HistoryFilter,
    IsNull,
    Literal,
    Node,
    Not,
    Operand,
    Or,
    RelativeTime,
    Value,
)

ORDERED = ("=", "!=", "<", "<=", ">", ">=", "in", "is")
OPERATORS: dict[str, tuple[str, ...]] = {
    TEXT: ("=", "!=", "in", "contains", "is"),
    NUMBER: ORDERED,
    MONEY: ORDERED,
    DATE: ORDERED,
    DATETIME: ORDERED,
    BOOL: ("=", "!=", "is"),
    SET: ("=", "!=", "in", "contains", "is"),
}
MAX_NUMBER = Decimal("1e15")
AGGREGATE_TYPES = {"count": NUMBER, "revenue": MONEY, "last": DATETIME, "first": DATETIME}
_COMPARE = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class _Target:
    """What a condition tests: a label for errors, its type, how SQL reads it."""

    label: str
    type: str
    nullable: bool
    spec: FieldSpec | None = None  # None for an aggregate
    expression: ColumnElement[Any] | None = None  # None for a set field or last/first
    rollup: bool = False  # a rollup column: tested through RollupTest
    history: tuple[str, HistoryFilter] | None = None  # an aggregate over the log


def _error(message: str, position: int) -> ValidationError:
    return ValidationError("expression", f"{message} at position {position}")


def _describe(value: Value) -> str:
    if isinstance(value, RelativeTime):
        return "a relative date"
    raw = value.value
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, Decimal):
        return "a number"
    if isinstance(raw, dt.datetime):
        return "a date-time"
    if isinstance(raw, dt.date):
        return "a date"
    return "text"


def _operator(node: Condition) -> str:
    if isinstance(node, Compare):
        return node.op
    if isinstance(node, Among):
        return "in"
    return "contains" if isinstance(node, Contains) else "is"


def _inverted(node: Condition) -> bool:
    """Whether the condition is the negation of its positive test (``!=``, ``not in``, …)."""
    if isinstance(node, IsNull):
        return not node.negated  # the positive test is "has a value"
    if isinstance(node, Compare):
        return node.op == "!="
    return node.negated


def compile_expression(
    node: Node, catalog: FieldCatalog, clock: Clock, dialect: str
) -> ColumnElement[bool]:
    """The SQL condition of ``node`` on the customer table; unknown fields and ill-typed
    values raise :class:`ValidationError` with their position."""
    return conjunction(_Compiler(catalog, clock, dialect).node(node))


class _Compiler:
    """Negations are pushed down to the conditions (De Morgan), so each condition is
    compiled knowing whether it is wanted true or false. A condition's SQL may then be
    NULL where the wanted answer is "no" (a NULL in a negation-free WHERE excludes the
    row like false does), which keeps plain column comparisons and evaluates each
    subquery once. Conditions come back as conjunctions (lists of fragments), so the
    rollup tests of an AND end up in one IN over the rollup table (see sources).
    """

    def __init__(self, catalog: FieldCatalog, clock: Clock, dialect: str):
        self.catalog = catalog
        self.clock = clock
        self.dialect = dialect

    def node(self, node: Node, negated: bool = False) -> list[Fragment]:
        """``node`` (or its negation) as a conjunction of fragments."""
        if isinstance(node, And | Or):
            parts = [self.node(part, negated) for part in node.parts]
            if isinstance(node, And) != negated:
                return [fragment for part in parts for fragment in part]
            return [or_(*(conjunction(part) for part in parts))]
        if isinstance(node, Not):
            return self.node(node.part, not negated)
        return self.condition(node, negated)

    # ------------------------------------------------------------------ operands

    def target(self, operand: Operand) -> _Target:
        if isinstance(operand, Aggregate):
            return self.aggregate(operand.function, operand.filter, f"{operand.function}(…)")
        spec = self.catalog.lookup(operand.name)
        if spec is None:
            close = difflib.get_close_matches(operand.name, self.catalog.names(), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _error(f"unknown field {operand.name!r}{hint}", operand.position)
        if spec.source == DERIVED:
            return self.aggregate(spec.column, HistoryFilter(purchase=True), spec.name)
        if spec.type == SET:
            return _Target(spec.name, SET, False, spec)
        expression = column_value(spec, self.dialect)
        rollup = spec.source == ROLLUP
        return _Target(spec.name, spec.type, spec.nullable, spec, expression, rollup)

    def aggregate(self, function: str, history: HistoryFilter, label: str) -> _Target:
        kind = AGGREGATE_TYPES[function]
        if kind == DATETIME:  # last/first: compiled to EXISTS tests, see history_bounds
            return _Target(label, kind, True, history=(function, history))
        expression = aggregate_value(function, history, self.clock)
        return _Target(label, kind, False, None, expression, history=(function, history))

    # ------------------------------------------------------------------ conditions

    def condition(self, node: Condition, negated: bool) -> list[Fragment]:
        target = self.target(node.operand)
        operator = _operator(node)
        if operator not in OPERATORS[target.type]:
            allowed = ", ".join(OPERATORS[target.type])
            raise _error(
                f"{target.label} ({target.type}) does not take '{operator}' (only {allowed})",
                node.position,
            )
        flip = _inverted(node) != negated  # the positive test is wanted false
        conjuncts, nullable = self.positive(target, node)
        if not flip:
            return conjuncts  # a row without a value gets NULL: not wanted, as it should
        if nullable:  # the opposite of the test, or no value at all
            test = conjuncts[0]
            assert target.expression is not None and not isinstance(test, RollupTest)
            return [or_(target.expression.is_(None), not_(test))]
        return negation(conjuncts)

    def positive(self, target: _Target, node: Condition) -> tuple[list[Fragment], bool]:
        """The positive test as a conjunction, and whether it is one SQL test that a row
        without a value answers with NULL (so its opposite must add "or no value")."""
        if target.type == SET:
            assert target.spec is not None
            values = None if isinstance(node, IsNull) else self.set_values(target, node)
            return [set_has(target.spec, values, self.dialect) if values != [] else false()], False
        if target.history is not None and target.expression is None:
            return self.history_test(target, node), False
        if isinstance(node, IsNull):
            if target.expression is None or not target.nullable:
                return [true()], False  # rollup counts and amounts are never missing
            if target.rollup:
                return [RollupTest(target.expression.is_not(None), False)], False
            return [target.expression.is_not(None)], False
        exists_form = self.count_as_exists(target, node)
        if exists_form is not None:
            return exists_form, False
        assert target.expression is not None
        test = self.test(target, target.expression, node)
        if target.rollup:
            # No rollup row: counts and amounts are 0, first/last interaction unknown.
            missing = not target.nullable and self.holds_for_zero(target, node)
            return [RollupTest(test, missing)], False
        return [test], target.nullable

    def test(self, target: _Target, column: Any, node: Condition) -> Any:
        if isinstance(node, Contains):
            return contains_text(column, self.text(target, node.value), self.dialect)
        if isinstance(node, Among):
            if not node.values:
                return false()
            if target.type == DATETIME:
                return or_(
                    *(self.bounded(column, self.bounds(target, "=", v)) for v in node.values)
                )
            return column.in_([self.bind(target, v) for v in node.values])
        assert isinstance(node, Compare)
        op = "=" if node.op == "!=" else node.op
        if target.type == DATETIME:
            return self.bounded(column, self.bounds(target, op, node.value))
        return _COMPARE[op](column, self.bind(target, node.value))

    def holds_for_zero(self, target: _Target, node: Condition) -> bool:
        """Whether the positive test holds for 0 (a customer without a rollup row)."""
        if isinstance(node, Among):
            return any(self.bind(target, v) == 0 for v in node.values)
        assert isinstance(node, Compare)
        return bool(_COMPARE["=" if node.op == "!=" else node.op](0, self.bind(target, node.value)))

    def count_as_exists(self, target: _Target, node: Condition) -> list[Fragment] | None:
        """``count(…) >= 1`` (``had``) as EXISTS, which stops at the first row; else None."""
        if target.history is None or target.history[0] != "count":
            return None
        if not isinstance(node, Compare) or not isinstance(node.value, Literal):
            return None
        pair = (node.op if node.op != "!=" else "=", node.value.value)
        if pair in ((">=", 1), (">", 0)):
            return [history_any(target.history[1], self.clock)]
        if pair in (("=", 0), ("<", 1), ("<=", 0)):
            return negation([history_any(target.history[1], self.clock)])
        return None

    # ------------------------------------------------------------------ date-times

    def bounds(self, target: _Target, op: str, value: Value) -> list[tuple[str, dt.datetime]]:
        """A comparison with a date-time as bounds (<, <=, >, >=) on instants."""
        day = self.day(target, value)
        if day is None:
            instant = self.bind(target, value)
            return [(">=", instant), ("<=", instant)] if op == "=" else [(op, instant)]
        # A whole local day: "= D" is [start of D, start of D+1), "<= D" ends with D.
        start = self.clock.start_of(day)
        end = self.clock.start_of(day + dt.timedelta(days=1))
        return {
            "=": [(">=", start), ("<", end)],
            "<": [("<", start)],
            "<=": [("<", end)],
            ">": [(">=", end)],
            ">=": [(">=", start)],
        }[op]

    def bounded(self, column: Any, bounds: list[tuple[str, dt.datetime]]) -> Any:
        return and_(*(_COMPARE[op](column, instant) for op, instant in bounds))

    def history_test(self, target: _Target, node: Condition) -> list[Fragment]:
        """``last(…)``/``first(…)`` compared with instants, as EXISTS tests (no NULLs)."""
        assert target.history is not None
        function, history = target.history
        if isinstance(node, IsNull):
            return [history_any(history, self.clock)]
        if isinstance(node, Among):
            ranges = (
                history_bounds(function, history, self.clock, self.bounds(target, "=", v))
                for v in node.values
            )
            return [or_(false(), *(conjunction(fragments) for fragments in ranges))]
        assert isinstance(node, Compare)
        op = "=" if node.op == "!=" else node.op
        return history_bounds(function, history, self.clock, self.bounds(target, op, node.value))

    # ------------------------------------------------------------------ values

    def set_values(self, target: _Target, node: Condition) -> list[str]:
        if isinstance(node, Among):
            return [self.text(target, v) for v in node.values]
        assert isinstance(node, Compare | Contains)
        return [self.text(target, node.value)]

    def wrong(self, target: _Target, value: Value) -> ValidationError:
        wanted = "text" if target.type == SET else f"a {target.type}"
        return _error(f"{target.label} takes {wanted}, not {_describe(value)}", value.position)

    def text(self, target: _Target, value: Value) -> str:
        if isinstance(value, Literal) and isinstance(value.value, str):
            return value.value
        raise self.wrong(target, value)

    def day(self, target: _Target, value: Value) -> dt.date | None:
        if isinstance(value, Literal) and not isinstance(value.value, dt.date):
            raise self.wrong(target, value)
        return as_day(value, self.clock)

    def bind(self, target: _Target, value: Value) -> Any:
        kind = target.type
        raw = value.value if isinstance(value, Literal) else None
        if kind == TEXT:
            return self.text(target, value)
        if kind == BOOL and isinstance(raw, bool):
            return raw
        if kind in (NUMBER, MONEY) and isinstance(raw, Decimal):
            return self.number(target, raw, value)
        if kind == DATE and (isinstance(value, RelativeTime) or type(raw) is dt.date):
            day = as_date(value, self.clock)
            custom = target.spec is not None and target.spec.source == CUSTOM
            return day.isoformat() if custom else day  # custom dates are ISO text
        if kind == DATETIME and (isinstance(value, RelativeTime) or isinstance(raw, dt.date)):
            return as_instant(value, self.clock)
        raise self.wrong(target, value)

    def number(self, target: _Target, raw: Decimal, value: Value) -> Any:
        if abs(raw) >= MAX_NUMBER:  # beyond what a 64-bit column (or a money one) holds
            raise _error(f"{raw} is too large for {target.label}", value.position)
        if target.type == MONEY:
            try:
                to_minor(raw)
            except ValueError:
                raise _error(
                    f"{target.label} takes amounts with at most 2 decimals", value.position
                ) from None
            return raw
        # Drivers take ints and floats, not Decimal (SQLite refuses it).
        return int(raw) if raw == raw.to_integral_value() else float(raw)


__all__ = ["compile_expression"]
