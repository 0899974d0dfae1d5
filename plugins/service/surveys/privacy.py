"""The surveys area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_service.surveys.models import Survey


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's surveys with their answers and comments (not the tokens)."""
    rows = uow.session.exec(
        select(Survey).where(Survey.customer_id == customer_id).order_by(Survey.id)
    ).scalars().all()
    if not rows:
        return {}
    return {"service_surveys": [
        {"id": s.id, "source": s.source, "ticket_id": s.ticket_id, "visit_id": s.visit_id,
         "channel": s.channel, "status": s.status, "sent_at": s.sent_at,
         "answered_at": s.answered_at, "csat": s.csat, "nps": s.nps,
         "factors": dict(s.factors or {}), "comment": s.comment} for s in rows]}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the comments; scores, statuses and dates stay for the satisfaction figures.
    The token is replaced too, so an old invitation link no longer opens the survey."""
    import secrets

    table = Survey.__table__  # type: ignore[attr-defined]
    ids = [i for (i,) in uow.session.connection().execute(
        select(table.c.id).where(table.c.customer_id == customer_id))]
    for survey_id in ids:
        uow.session.connection().execute(
            update(table).where(table.c.id == survey_id)
            .values(comment=None, token="erased-" + secrets.token_urlsafe(24)))
    uow.session.expire_all()
