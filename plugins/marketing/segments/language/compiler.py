"""Compiling a checked syntax tree into one SQLAlchemy condition over the customer table.

Every condition compiles to a two-valued SQL expression (true or false, never NULL), so
``not`` is an exact complement: a customer without a value for a field fails ``=``,
``<``, ``in`` and ``contains`` and passes ``!=``, ``not in`` and ``not contains``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
    aggregate_value,
    column_value,
    contains_text,
    history_conditions,
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
from sqlalchemy import ColumnElement, and_, false, not_, or_, true

from guanxi.db.types import to_minor
from guanxi.errors import ValidationError

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
AGGREGATE_TYPES = {"count": NUMBER, "revenue": MONEY, "last": DATETIME, "first": DATETIME}
_COMPARE = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Compiled:
    """The SQL condition of an expression and whether it reads the rollup table."""

    condition: ColumnElement[bool]
    uses_rollup: bool


@dataclass(frozen=True)
class _Target:
    """What a condition tests: a label for errors, its type, how SQL reads it."""

    label: str
    type: str
    nullable: bool
    spec: FieldSpec | None = None  # None for an aggregate
    expression: ColumnElement[Any] | None = None  # None for a set field


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


def compile_expression(node: Node, catalog: FieldCatalog, clock: Clock, dialect: str) -> Compiled:
    """The SQL condition of ``node``; unknown fields and ill-typed values raise."""
    compiler = _Compiler(catalog, clock, dialect)
    return Compiled(compiler.node(node), compiler.uses_rollup)


class _Compiler:
    def __init__(self, catalog: FieldCatalog, clock: Clock, dialect: str):
        self.catalog = catalog
        self.clock = clock
        self.dialect = dialect
        self.uses_rollup = False

    def node(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.node(part) for part in node.parts))
        if isinstance(node, Or):
            return or_(*(self.node(part) for part in node.parts))
        if isinstance(node, Not):
            return not_(self.node(node.part))
        return self.condition(node)

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
            return _Target(spec.name, SET, True, spec)
        self.uses_rollup |= spec.source == ROLLUP
        expression = column_value(spec, self.dialect)
        return _Target(spec.name, spec.type, spec.nullable, spec, expression)

    def aggregate(self, function: str, history: HistoryFilter, label: str) -> _Target:
        expression = aggregate_value(function, history, self.clock)
        kind = AGGREGATE_TYPES[function]
        return _Target(label, kind, kind == DATETIME, None, expression)

    # ------------------------------------------------------------------ conditions

    def condition(self, node: Condition) -> ColumnElement[bool]:
        target = self.target(node.operand)
        operator = _operator(node)
        if operator not in OPERATORS[target.type]:
            allowed = ", ".join(OPERATORS[target.type])
            raise _error(
                f"{target.label} ({target.type}) does not take '{operator}' (only {allowed})",
                node.position,
            )
        if isinstance(node, IsNull):
            present = self.present(target)
            return not_(present) if not node.negated else present
        if target.type == SET:
            return self.set_condition(target, node)
        assert target.expression is not None
        negated = getattr(node, "negated", False) or (isinstance(node, Compare) and node.op == "!=")
        positive = self.positive(target, target.expression, node)
        if target.nullable:
            positive = and_(target.expression.is_not(None), positive)
        return not_(positive) if negated else positive

    def present(self, target: _Target) -> ColumnElement[bool]:
        if target.type == SET:
            assert target.spec is not None
            return set_has(target.spec, None, self.dialect)
        assert target.expression is not None
        return target.expression.is_not(None) if target.nullable else true()

    def positive(self, target: _Target, column: ColumnElement[Any], node: Condition) -> Any:
        if isinstance(node, Contains):
            return contains_text(column, self.text(target, node.value), self.dialect)
        if isinstance(node, Among):
            if not node.values:
                return false()
            if target.type == DATETIME:
                return or_(*(self.compare(target, column, "=", v) for v in node.values))
            return column.in_([self.bind(target, v) for v in node.values])
        assert isinstance(node, Compare)
        return self.compare(target, column, "=" if node.op == "!=" else node.op, node.value)

    def compare(self, target: _Target, column: Any, op: str, value: Value) -> Any:
        if target.type == DATETIME:
            day = self.day(target, value)
            if day is not None:
                # A whole local day: "= D" is [start of D, start of D+1), "<= D" ends with D.
                start = self.clock.start_of(day)
                end = self.clock.start_of(day + dt.timedelta(days=1))
                ranges = {
                    "=": and_(column >= start, column < end),
                    "<": column < start,
                    "<=": column < end,
                    ">": column >= end,
                    ">=": column >= start,
                }
                return ranges[op]
        return _COMPARE[op](column, self.bind(target, value))

    def set_condition(self, target: _Target, node: Condition) -> ColumnElement[bool]:
        assert target.spec is not None
        if isinstance(node, Among):
            values = [self.text(target, v) for v in node.values]
        else:
            assert isinstance(node, Compare | Contains)
            values = [self.text(target, node.value)]
        has = set_has(target.spec, values, self.dialect) if values else false()
        negated = getattr(node, "negated", False) or (isinstance(node, Compare) and node.op == "!=")
        return not_(has) if negated else has

    # ------------------------------------------------------------------ values

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


__all__ = ["Compiled", "compile_expression", "history_conditions"]
