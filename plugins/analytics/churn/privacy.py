"""The churn area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi_analytics.churn.models import ChurnAlert, SpendThreshold


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's threshold and churn alerts (with the notes about them)."""
    found: dict[str, Any] = {}
    threshold = uow.session.execute(
        select(SpendThreshold).where(SpendThreshold.customer_id == customer_id)
    ).scalars().first()
    if threshold is not None:
        found["analytics_spend_threshold"] = {
            "min_amount": threshold.min_amount, "min_count": threshold.min_count,
            "set_at": threshold.set_at}
    alerts = uow.session.execute(
        select(ChurnAlert).where(ChurnAlert.customer_id == customer_id)
        .order_by(ChurnAlert.month, ChurnAlert.id)).scalars().all()
    if alerts:
        found["analytics_churn_alerts"] = [
            {key: value for key, value in to_jsonable(a).items() if key != "customer_id"}
            for a in alerts]
    return found


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the free-text notes on the customer's alerts; figures, outcomes and causes stay
    for the aggregate churn reports."""
    table = ChurnAlert.__table__  # type: ignore[attr-defined]
    uow.session.connection().execute(
        update(table).where(table.c.customer_id == customer_id).values(note=None))
    uow.session.expire_all()
