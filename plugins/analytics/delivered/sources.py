"""Per-customer figures of one CDV component, read with one SQL GROUP BY per component.

Every query is an ORM select of a registered entity (Interaction, Customer, CustomerValue,
CdvAssessment), so the record policies of the principal keep out the customers they may
not see. The functions return ``{customer_id: amount}`` before the component's factor.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, get_args

from sqlalchemy import Float, and_, cast, func, select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Customer, CustomerTag, Interaction
from guanxi_analytics.delivered.models import CdvAssessment
from guanxi_analytics.delivered.settings import Component

Figures = dict[int, Decimal]


def _in_period(query: Any, start: dt.datetime, end: dt.datetime) -> Any:
    return query.where(col(Interaction.occurred_at) >= start, col(Interaction.occurred_at) < end)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(round(float(value), 6)))


def amounts(
    uow: UnitOfWork, column: str, kinds: list[str], start: dt.datetime, end: dt.datetime
) -> Figures:
    """The sum of ``revenue`` or ``cost`` of ``kinds`` per customer (corrections included:
    they carry the change of amount)."""
    if not kinds:
        return {}
    amount = getattr(Interaction, column)
    query = _in_period(
        select(Interaction.customer_id, func.sum(amount))
        .where(col(Interaction.kind).in_(kinds), col(amount).is_not(None)), start, end,
    ).group_by(Interaction.customer_id)
    return {cid: _decimal(total) for cid, total in uow.session.execute(query) if total is not None}


def counts(uow: UnitOfWork, kinds: list[str], start: dt.datetime, end: dt.datetime) -> Figures:
    """How many interactions of ``kinds`` per customer (corrections are not new events)."""
    query = _in_period(
        select(Interaction.customer_id, func.count())
        .where(col(Interaction.kind).in_(kinds), col(Interaction.corrects_id).is_(None)),
        start, end,
    ).group_by(Interaction.customer_id)
    return {cid: Decimal(n) for cid, n in uow.session.execute(query)}


def survey_means(
    uow: UnitOfWork, kinds: list[str], field: str, start: dt.datetime, end: dt.datetime
) -> Figures:
    """The mean of the numeric payload ``field`` of ``kinds`` per customer (rows without
    the field are left out)."""
    score = Interaction.payload[field].as_float()  # type: ignore[index]
    query = _in_period(
        select(Interaction.customer_id, func.avg(score))
        .where(col(Interaction.kind).in_(kinds), col(Interaction.corrects_id).is_(None),
               score.is_not(None)),
        start, end,
    ).group_by(Interaction.customer_id)
    return {cid: _decimal(mean) for cid, mean in uow.session.execute(query) if mean is not None}


def check_numeric_field(uow: UnitOfWork, field: str, setting: str) -> None:
    """Refuse a custom field that is not declared, or not declared as a number (reading
    text as a number would fail on PostgreSQL)."""
    declared = uow.app.registry.custom_fields.get(field)
    if declared is None:
        raise ValidationError(setting, f"no custom field {field!r} is declared")
    if not _numeric(declared.model.model_fields[field].annotation):
        raise ValidationError(setting, f"custom field {field!r} is not a number")


def _numeric(annotation: Any) -> bool:
    """Whether a field's type is a number (or an optional or union of one)."""
    if annotation in (int, float, Decimal):
        return True
    return any(_numeric(arg) for arg in get_args(annotation))


def custom_field(uow: UnitOfWork, field: str) -> Figures:
    """The numeric custom field ``field`` of every customer that has it."""
    value = cast(Customer.custom[field].as_string(), Float)  # type: ignore[index]
    query = select(Customer.id, value).where(
        Customer.custom[field].as_string().is_not(None),  # type: ignore[index]
        col(Customer.erased_at).is_(None),
    )
    return {cid: _decimal(v) for cid, v in uow.session.execute(query) if v is not None}


def assessments(uow: UnitOfWork, component: str, end: dt.datetime) -> Figures:
    """Each customer's latest assessment of ``component`` made before ``end``."""
    table = CdvAssessment
    latest = (
        select(table.customer_id, func.max(table.assessed_at).label("at"))
        .where(table.component == component, col(table.assessed_at) < end)
        .group_by(table.customer_id).subquery()
    )
    query = (
        select(table.customer_id, table.value)
        .join(latest, and_(table.customer_id == latest.c.customer_id,
                           table.assessed_at == latest.c.at))
        .where(table.component == component)
        .order_by(table.id)  # two at the same instant: the later entry wins
    )
    return {cid: value for cid, value in uow.session.execute(query)}


def component_figures(
    uow: UnitOfWork, component: Component, purchase_kinds: list[str],
    start: dt.datetime, end: dt.datetime, assessed_as: str,
) -> Figures:
    """The per-customer figures of a component that is not ``derived`` (before factor)."""
    kinds = component.kinds or purchase_kinds
    if component.source in ("revenue", "cost"):
        return amounts(uow, component.source, kinds, start, end)
    if component.source == "count":
        return counts(uow, component.kinds, start, end)
    if component.source == "survey":
        return survey_means(uow, component.kinds, component.field or "", start, end)
    if component.source == "field":
        check_numeric_field(uow, component.field or "", f"delivered.{assessed_as}.field")
        return custom_field(uow, component.field or "")
    if component.source == "assessment":
        return assessments(uow, assessed_as, end)
    raise AssertionError(f"not a direct source: {component.source}")


# Segments ------------------------------------------------------------------------------

VALUE_COLUMNS = ("tier", "rfm_segment", "abc", "member_class")
UNCLASSIFIED = "(none)"


def segments_of(uow: UnitOfWork, group_by: str) -> dict[int, list[str]]:
    """The segment(s) of every customer that has one, by ``group_by`` (a customer has
    several with ``tag``; the caller puts customers without one in :data:`UNCLASSIFIED`)."""
    found: dict[int, list[str]] = {}
    if group_by in VALUE_COLUMNS:
        from guanxi_analytics.value.models import CustomerValue

        column = getattr(CustomerValue, group_by)
        query: Any = select(CustomerValue.customer_id, column).where(col(column).is_not(None))
    elif group_by == "tag":
        query = select(CustomerTag.customer_id, CustomerTag.tag).join(
            Customer, Customer.id == CustomerTag.customer_id)  # type: ignore[arg-type]
    else:  # field:<name>, checked by the caller
        name = group_by.split(":", 1)[1]
        value = Customer.custom[name].as_string()  # type: ignore[index]
        query = select(Customer.id, value).where(value.is_not(None))
    for cid, segment in uow.session.execute(query):
        found.setdefault(cid, []).append(str(segment))
    return found
