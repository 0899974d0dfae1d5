"""How each kind of field is read in SQL: columns, the owner, child tables, JSON, the log.

Everything here builds SQLAlchemy expressions; values only ever travel as bound
parameters. Reads that depend on the backend (JSON arrays, substring search) are chosen
by dialect name, because SQLite and PostgreSQL spell them differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)

from guanxi.models import Customer, CustomerRole, CustomerRollup, CustomerTag, Interaction, Staff
from guanxi_marketing.segments.language.fields import (
    BOOL,
    CHILD,
    CUSTOMER,
    JSON_LIST,
    NUMBER,
    OWNER,
    ROLLUP,
    FieldSpec,
)
from guanxi_marketing.segments.language.moments import Clock, as_instant
from guanxi_marketing.segments.language.syntax import HistoryFilter

CUSTOMER_TABLE: Any = Customer.__table__  # type: ignore[attr-defined]
ROLLUP_TABLE: Any = CustomerRollup.__table__  # type: ignore[attr-defined]
INTERACTION_TABLE: Any = Interaction.__table__  # type: ignore[attr-defined]
CHILD_TABLES: dict[str, tuple[Any, str]] = {
    "customer_role": (CustomerRole.__table__, "role"),  # type: ignore[attr-defined]
    "customer_tag": (CustomerTag.__table__, "tag"),  # type: ignore[attr-defined]
}


@dataclass(frozen=True)
class RollupTest:
    """A test on the customer's rollup row; ``missing`` is the answer without a row."""

    condition: ColumnElement[bool]
    missing: bool

    def negated(self) -> RollupTest:
        """The opposite test (with the opposite answer for a customer without a row)."""
        return RollupTest(not_(self.condition), not self.missing)


# A compiled condition: SQL on the customer row, or a test of its rollup row.
Fragment = ColumnElement[bool] | RollupTest


def rollup_membership(test: RollupTest) -> ColumnElement[bool]:
    """A rollup test as ``customer.id [NOT] IN (SELECT customer_id FROM customer_rollup …)``.

    As an IN list the rollup conditions are evaluated once, in one scan of the (narrow)
    rollup table, and SQLite drives the query from the ids found, so a selective rollup
    condition keeps the correlated subqueries from running for every customer.
    """
    table = ROLLUP_TABLE
    if not test.missing:
        return CUSTOMER_TABLE.c.id.in_(select(table.c.customer_id).where(test.condition))
    # Wanted unless the row exists and fails (a NULL in the row counts as "without").
    failing = select(table.c.customer_id).where(not_(test.condition))
    return CUSTOMER_TABLE.c.id.not_in(failing)


def conjunction(parts: Sequence[Fragment]) -> ColumnElement[bool]:
    """The AND of ``parts`` as SQL; the rollup tests merged into one IN and one NOT IN."""
    merged: list[ColumnElement[bool]] = []
    for missing in (False, True):
        tests = [p.condition for p in parts if isinstance(p, RollupTest) and p.missing == missing]
        if tests:
            # missing or (t1 and t2) == (missing or t1) and (missing or t2)
            merged.append(rollup_membership(RollupTest(and_(*tests), missing)))
    merged += [p for p in parts if not isinstance(p, RollupTest)]
    return merged[0] if len(merged) == 1 else and_(*merged)


def negation(parts: Sequence[Fragment]) -> list[Fragment]:
    """NOT (p1 AND p2 …) as a conjunction of one fragment (De Morgan for several)."""
    if len(parts) == 1 and isinstance(parts[0], RollupTest):
        return [parts[0].negated()]
    return [
        or_(*(conjunction([p.negated()]) if isinstance(p, RollupTest) else not_(p) for p in parts))
    ]


def column_value(spec: FieldSpec, dialect: str) -> ColumnElement[Any]:
    """The SQL expression of a scalar (non-set) field of the customer."""
    if spec.source == CUSTOMER:
        return CUSTOMER_TABLE.c[spec.column]
    if spec.source == ROLLUP:  # tested through RollupTest, see rollup_membership
        return ROLLUP_TABLE.c[spec.column]
    if spec.source == OWNER:
        staff = Staff.__table__  # type: ignore[attr-defined]
        return (
            select(staff.c.username)
            .where(staff.c.id == CUSTOMER_TABLE.c.owner_id)
            .scalar_subquery()
        )
    # A custom field: one key of the JSON column, read with its declared type.
    value = CUSTOMER_TABLE.c.custom[spec.column]
    if spec.type == NUMBER:
        return cast(value.as_string(), Float)
    if spec.type == BOOL:
        return value.as_boolean()
    return value.as_string()  # text, and dates (stored as ISO text, which sorts as dates)


def contains_text(value: ColumnElement[Any], text: str, dialect: str) -> ColumnElement[bool]:
    """Whether ``value`` contains ``text`` (case-sensitive, no wildcards on any backend)."""
    position = func.strpos(value, text) if dialect == "postgresql" else func.instr(value, text)
    return position > 0


def _json_elements(spec: FieldSpec, dialect: str) -> Any:
    """The elements of a JSON-array field as a table-valued function with a ``value``."""
    whole_column = spec.source == JSON_LIST
    if dialect == "postgresql":
        document = (
            CUSTOMER_TABLE.c[spec.column] if whole_column else CUSTOMER_TABLE.c.custom[spec.column]
        )
        # jsonb_array_elements_text refuses a scalar (a stored null): read arrays only.
        array = case((func.jsonb_typeof(document) == "array", document), else_=None)
        return func.jsonb_array_elements_text(array).table_valued("value")
    if whole_column:
        return func.json_each(CUSTOMER_TABLE.c[spec.column]).table_valued("value")
    path = '$."' + spec.column + '"'  # a declared field name (an identifier), bound anyway
    return func.json_each(CUSTOMER_TABLE.c.custom, literal(path)).table_valued("value")


def set_has(spec: FieldSpec, values: Sequence[str] | None, dialect: str) -> ColumnElement[bool]:
    """Whether the customer has one of ``values`` in a set field (any value when None)."""
    if spec.source == CHILD:
        table, column = CHILD_TABLES[spec.column]
        query = select(literal(1)).where(table.c.customer_id == CUSTOMER_TABLE.c.id)
        if values is not None:
            column_of = table.c[column]
            # One value as "=", which reads better in a query plan than a one-item IN.
            query = query.where(
                column_of == values[0] if len(values) == 1 else column_of.in_(values)
            )
        return exists(query)
    elements = _json_elements(spec, dialect)
    query = select(literal(1)).select_from(elements)
    if values is not None:
        query = query.where(elements.c.value.in_(list(values)))
    return exists(query)


# ----------------------------------------------------------------------------- the log


def _kind_condition(patterns: Sequence[str]) -> ColumnElement[bool]:
    """``kind`` equal to one of the names, or starting with a ``prefix*`` pattern."""
    kind = INTERACTION_TABLE.c.kind
    exact = [p for p in patterns if not p.endswith("*")]
    parts: list[ColumnElement[bool]] = [kind.in_(exact)] if exact else []
    for pattern in patterns:
        if pattern.endswith("*"):
            prefix = pattern[:-1]
            parts.append(kind.startswith(prefix, autoescape=True) if prefix else kind.is_not(None))
    return or_(*parts) if parts else false()


def history_conditions(history: HistoryFilter, clock: Clock) -> list[ColumnElement[bool]]:
    """The conditions on the interaction table that a history filter names."""
    table = INTERACTION_TABLE
    conditions: list[ColumnElement[bool]] = []
    if history.kinds:
        conditions.append(_kind_condition(history.kinds))
    if history.channels:
        conditions.append(table.c.channel.in_(list(history.channels)))
    if history.purchase:
        # A purchase as the rollups count one: positive revenue, not a correction.
        conditions.append(and_(table.c.revenue > 0, table.c.corrects_id.is_(None)))
    if history.since is not None:
        conditions.append(table.c.occurred_at >= as_instant(history.since, clock))
    if history.before is not None:
        conditions.append(table.c.occurred_at < as_instant(history.before, clock))
    return conditions


def aggregate_value(function: str, history: HistoryFilter, clock: Clock) -> ColumnElement[Any]:
    """``count`` or ``revenue`` of the customer's matching interactions.

    A correlated subquery: it reads the customer's rows through the (customer_id,
    occurred_at) index, so its cost is the customer's history, not the whole log.
    """
    table = INTERACTION_TABLE
    measure: ColumnElement[Any] = (
        func.count() if function == "count" else func.coalesce(func.sum(table.c.revenue), 0)
    )
    query = select(measure).where(
        table.c.customer_id == CUSTOMER_TABLE.c.id, *history_conditions(history, clock)
    )
    return query.scalar_subquery()


def history_exists(
    history: HistoryFilter, clock: Clock, extra: Sequence[ColumnElement[bool]]
) -> ColumnElement[bool]:
    """Whether the customer has an interaction matching ``history`` (and ``extra``)."""
    table = INTERACTION_TABLE
    query = select(literal(1)).where(
        table.c.customer_id == CUSTOMER_TABLE.c.id, *history_conditions(history, clock), *extra
    )
    return exists(query)


def history_any(history: HistoryFilter, clock: Clock) -> Fragment:
    """Whether the customer has any interaction matching ``history``.

    With no filter, or only "purchase", the rollup answers (interaction_count and
    revenue_count count exactly those rows); otherwise an EXISTS on the log.
    """
    if history == HistoryFilter():
        return RollupTest(ROLLUP_TABLE.c.interaction_count > 0, False)
    if history == HistoryFilter(purchase=True):
        return RollupTest(ROLLUP_TABLE.c.revenue_count > 0, False)
    return history_exists(history, clock, [])


def history_bounds(
    function: str, history: HistoryFilter, clock: Clock, bounds: Sequence[tuple[str, Any]]
) -> list[Fragment]:
    """``last(…)``/``first(…)`` within ``bounds`` ((op, instant) pairs), without MAX/MIN.

    "The last one is before T" is "there is one, and none at or after T"; "the last one
    is after T" is "there is one after T". Each is an EXISTS that the (customer_id,
    occurred_at) index answers by reading few rows, usually none, where MAX would read
    the customer's whole history.
    """
    at = INTERACTION_TABLE.c.occurred_at
    # For each bound: (a matching interaction exists in this range, or: none does).
    some_in = {">": lambda t: at > t, ">=": lambda t: at >= t}
    none_in = {"<": lambda t: at >= t, "<=": lambda t: at > t}
    if function == "first":  # the mirror image
        some_in = {"<": lambda t: at < t, "<=": lambda t: at <= t}
        none_in = {">": lambda t: at <= t, ">=": lambda t: at < t}
    parts: list[Fragment] = []
    for op, instant in bounds:
        if op in some_in:
            parts.append(history_exists(history, clock, [some_in[op](instant)]))
        else:
            parts.append(history_any(history, clock))
            parts.append(~history_exists(history, clock, [none_in[op](instant)]))
    return parts
