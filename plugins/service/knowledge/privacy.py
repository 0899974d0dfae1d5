"""The knowledge area's part of the personal-data export and of erasure.

A customer appears in the knowledge base only through feedback given for them (a vote
with an optional comment) and through the articles linked to their tickets.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_service.knowledge.models import KbArticle, KbFeedback, KbTicketLink


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's votes on articles and the articles linked to their tickets."""
    votes = uow.session.exec(
        select(KbFeedback, KbArticle.title)
        .join(KbArticle, KbArticle.id == KbFeedback.article_id)
        .where(KbFeedback.customer_id == customer_id).order_by(KbFeedback.id)).all()
    links = uow.session.exec(
        select(KbTicketLink, KbArticle.title)
        .join(KbArticle, KbArticle.id == KbTicketLink.article_id)
        .where(KbTicketLink.customer_id == customer_id).order_by(KbTicketLink.id)).all()
    part: dict[str, Any] = {}
    if votes:
        part["kb_feedback"] = [
            {"article_id": v.article_id, "article": title, "helpful": v.helpful,
             "comment": v.comment, "at": v.at} for v, title in votes]
    if links:
        part["kb_ticket_articles"] = [
            {"article_id": link.article_id, "article": title, "ticket_id": link.ticket_id,
             "linked_at": link.linked_at, "sent_at": link.sent_at} for link, title in links]
    return part


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the comments the customer wrote; the votes (and the counts) and links stay."""
    table = KbFeedback.__table__  # type: ignore[attr-defined]
    uow.session.connection().execute(
        update(table).where(table.c.customer_id == customer_id).values(comment=None))
    uow.session.expire_all()
