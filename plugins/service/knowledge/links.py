"""Articles on tickets: linking one (optionally sending it to the customer as a public
reply) and suggesting articles for a ticket from its subject and description.

A link is recorded in the ticket's history (``article_linked``) through the tickets
area's :func:`guanxi_service.tickets.history.record_event`; a sent article goes out as
a public reply through :func:`guanxi_service.tickets.service.reply` (which sets the first
response and the SLA clocks like any reply) and is logged on the customer's timeline as
``service.kb_article_sent``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi.services.staff import usernames
from guanxi_service.knowledge.browse import ArticleRow, article_rows, check_limit
from guanxi_service.knowledge.common import (
    ARTICLE,
    LINK,
    article_field,
    kb_settings,
)
from guanxi_service.knowledge.index import Filters, rank
from guanxi_service.knowledge.models import AUDIENCES, KbArticle, KbTicketLink
from guanxi_service.knowledge.tokens import query_terms
from guanxi_service.tickets.models import Ticket

MAX_SUGGEST_TERMS = 200  # a long description gives many bigrams; the first ones suffice
SUBJECT_WEIGHT = 2.0  # a term of the ticket's subject counts twice one of its description


def _ticket(uow: UnitOfWork, ref: int | str) -> Ticket:
    from guanxi_service.tickets.service import get_ticket

    try:
        return get_ticket(uow, ref)
    except NotFoundError as exc:
        raise ValidationError("ticket", str(exc)) from None


def article_message(article: KbArticle) -> str:
    """The text of an article as sent to a customer: title, summary, body (Markdown)."""
    parts = [f"# {article.title}"]
    if article.summary:
        parts.append(article.summary)
    parts.append(article.body)
    return "\n\n".join(parts)


def link_article(
    uow: UnitOfWork, article_id: int | str, ticket_id: int | str, *, send: bool = False,
) -> KbTicketLink:
    """Link a published article to a ticket; ``send`` also sends it to the customer.

    A pair is linked once (a second link is refused); an article already linked may
    still be sent with :func:`send_article`. Only public articles are sent.
    """
    require(uow, LINK, "create")
    article = article_field(uow, article_id)
    ticket = _ticket(uow, ticket_id)
    if article.status != "published":
        raise ValidationError("article", f"article {article.id} is {article.status}: link "
                                         "published articles")
    if send and article.audience != "public":
        raise ValidationError("send", f"article {article.id} is internal: it is not sent to "
                                      "customers")
    # Unfiltered on purpose: a link made by someone who cannot see it still exists.
    table = KbTicketLink.__table__  # type: ignore[attr-defined]
    exists = uow.session.connection().execute(select(table.c.id).where(
        table.c.article_id == article.id, table.c.ticket_id == ticket.id)).first()
    if exists is not None:
        raise ValidationError("article", f"article {article.id} is linked to ticket "
                                         f"{ticket.number} already")
    link = KbTicketLink(article_id=article.id, ticket_id=ticket.id,
                        customer_id=ticket.customer_id, article_version=article.version,
                        linked_by_id=uow.actor_id, linked_at=uow.now)
    uow.session.add(link)
    uow.session.flush()
    from guanxi_service.tickets.history import record_event

    record_event(uow, ticket, "article_linked", to_value=f"KB-{article.id} {article.title}",
                 body=None)
    if send:
        _send(uow, article, ticket, link)
    return link


def send_article(uow: UnitOfWork, article_id: int | str, ticket_id: int | str) -> KbTicketLink:
    """Send a linked (or not yet linked) public article to the ticket's customer."""
    require(uow, LINK, "update")
    article = article_field(uow, article_id)
    ticket = _ticket(uow, ticket_id)
    link = uow.session.exec(select(KbTicketLink).where(
        KbTicketLink.article_id == article.id, KbTicketLink.ticket_id == ticket.id)
    ).scalars().first()
    if link is None:
        return link_article(uow, article.id, ticket.id, send=True)
    if article.status != "published" or article.audience != "public":
        raise ValidationError("article", f"article {article.id} is not a published public "
                                         "article")
    _send(uow, article, ticket, link)
    return link


def _send(uow: UnitOfWork, article: KbArticle, ticket: Ticket, link: KbTicketLink) -> None:
    from guanxi_service.tickets.service import reply

    reply(uow, ticket.id, article_message(article))
    link.sent_at, link.article_version = uow.now, article.version
    uow.session.flush()
    # Inserted like the tickets area's entries: the ticket was found through the record
    # policies, and whoever works it may write to its customer.
    channels = uow.app.settings.channels
    record = validate_interaction(uow, {
        "customer_id": ticket.customer_id, "kind": "service.kb_article_sent",
        "channel": ticket.channel if ticket.channel in channels else "other",
        "direction": "outbound", "occurred_at": uow.now, "actor": uow.actor_id,
        "subject": f"{ticket.number} {article.title}"[:500],
        "payload": {"article_id": article.id, "ticket_id": ticket.id, "title": article.title,
                    "version": article.version}})
    insert_interactions(uow, [record])


@dataclass(frozen=True)
class LinkRow:
    """An article linked to a ticket."""

    id: int
    article_id: int
    title: str
    ticket_id: int
    customer_id: int
    version: int
    linked_by: str | None
    linked_at: dt.datetime
    sent_at: dt.datetime | None


def ticket_articles(uow: UnitOfWork, ticket_id: int | str) -> list[LinkRow]:
    """The articles linked to a ticket, in link order."""
    require(uow, LINK, "read")
    ticket = _ticket(uow, ticket_id)
    rows = uow.session.exec(select(KbTicketLink, KbArticle.title)
                            .join(KbArticle, KbArticle.id == KbTicketLink.article_id)
                            .where(KbTicketLink.ticket_id == ticket.id)
                            .order_by(KbTicketLink.id)).all()
    names = usernames(uow, [link.linked_by_id for link, _ in rows])
    return [LinkRow(link.id, link.article_id, title, link.ticket_id, link.customer_id,
                    link.article_version, names.get(link.linked_by_id), link.linked_at,
                    link.sent_at) for link, title in rows]


def suggest(uow: UnitOfWork, ticket_id: int | str, *, limit: int | None = None,
            audience: str | None = None) -> list[ArticleRow]:
    """Published articles for a ticket, ranked (BM25) for its subject and description
    (the subject's terms count twice).

    Articles already linked to the ticket are left out; nothing is logged (the ticket's
    text is the customer's, not a search).
    """
    require(uow, ARTICLE, "read")
    if limit is not None:
        check_limit(limit)
    kind = parse_choice(audience, AUDIENCES, "audience") if audience is not None else None
    ticket = _ticket(uow, ticket_id)
    subject = query_terms(ticket.subject)
    terms = list(dict.fromkeys(subject + query_terms(ticket.description or "")))
    terms = terms[:MAX_SUGGEST_TERMS]
    linked = tuple(uow.session.exec(select(KbTicketLink.article_id).where(
        KbTicketLink.ticket_id == ticket.id)).scalars().all())
    # The subject says what the ticket is about; a description rambles (电话总是占线…).
    weights = dict.fromkeys(subject, SUBJECT_WEIGHT)
    hits = rank(uow, terms, Filters(audience=kind, exclude_ids=linked), weights)
    top = hits[:limit or kb_settings(uow.app).suggest_limit]
    by_id = {a.id: a for a in uow.session.exec(select(KbArticle).where(
        KbArticle.id.in_([h.article_id for h in top]))).scalars()} if top else {}
    return article_rows(uow, [by_id[h.article_id] for h in top],
                        {h.article_id: h.score for h in top})
