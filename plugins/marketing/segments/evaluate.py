"""Evaluating expressions: one SELECT of the matching customers the principal may see.

Parsing and compiling are in :mod:`guanxi_marketing.segments.language`; this module puts
the compiled condition into the query with the record policies and the erased-customer
rule, and runs it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from guanxi.access.enforce import customer_condition
from guanxi.app import UnitOfWork
from guanxi_marketing.segments.language import parse_expression
from guanxi_marketing.segments.language.compiler import compile_expression
from guanxi_marketing.segments.language.fields import FieldCatalog
from guanxi_marketing.segments.language.moments import Clock
from guanxi_marketing.segments.language.sources import CUSTOMER_TABLE


def compile_for(uow: UnitOfWork, expression: str) -> ColumnElement[bool]:
    """Parse and check ``expression`` against the application's fields, as SQL."""
    node = parse_expression(expression)
    clock = Clock(uow.now, uow.app.tz)
    dialect = uow.session.get_bind().dialect.name
    return compile_expression(node, FieldCatalog.for_app(uow.app), clock, dialect)


def visible_only(uow: UnitOfWork, query: Select[Any]) -> Select[Any]:
    """``query`` (which reads the customer table) limited to the principal's customers.

    The record-policy condition goes on the customer row itself rather than through
    ``id IN (visible customers)``, which would read the customer table twice.
    """
    condition = customer_condition(uow.app, uow.principal, CUSTOMER_TABLE)
    return query if condition is None else query.where(condition)


def matching_query(uow: UnitOfWork, condition: ColumnElement[bool]) -> Select[Any]:
    """One SELECT of the ids of the visible, unerased customers matching ``condition``."""
    customer = CUSTOMER_TABLE
    query = select(customer.c.id).where(condition, customer.c.erased_at.is_(None))
    return visible_only(uow, query)


def matching_customer_ids(uow: UnitOfWork, expression: str) -> list[int]:
    """The ids of the visible customers matching ``expression``, sorted."""
    compiled = compile_for(uow, expression)
    query = matching_query(uow, compiled).order_by(CUSTOMER_TABLE.c.id)
    return list(uow.session.connection().execute(query).scalars())


def count_matching(uow: UnitOfWork, expression: str) -> int:
    """How many visible customers match ``expression``."""
    inner = matching_query(uow, compile_for(uow, expression)).subquery()
    return uow.session.connection().execute(select(func.count()).select_from(inner)).scalar_one()
