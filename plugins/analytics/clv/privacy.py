"""The clv area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from guanxi.app import UnitOfWork
from guanxi_analytics.clv.models import CustomerClv


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's CLV figures from the latest fit (nothing when not scored)."""
    row = uow.session.execute(
        select(CustomerClv).where(CustomerClv.customer_id == customer_id)  # type: ignore[arg-type]
    ).scalars().first()
    if row is None:
        return {}
    return {"analytics_clv": {
        "fit_id": row.fit_id, "frequency": row.frequency, "recency": row.recency,
        "age": row.age, "monetary": row.monetary, "expected_purchases": row.expected_purchases,
        "p_alive": row.p_alive, "clv": row.clv, "computed_at": row.computed_at}}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Delete the customer's CLV row: it is a profile of one person's purchases. The fits
    keep only population parameters and counts, so they stay."""
    table = CustomerClv.__table__  # type: ignore[attr-defined]
    uow.session.connection().execute(delete(table).where(table.c.customer_id == customer_id))
    uow.session.expire_all()
